//! Endpoint text checks done before libzmq sees an endpoint.
//!
//! libzmq reads a tcp, ws or udp port with C's `atoi` and keeps the low 16 bits, so
//! `tcp://127.0.0.1:99999` binds port 34463, `:-1` binds 65535 and `:5555x` binds 5555.
//! These checks refuse such ports; everything else is left to libzmq, which reports its
//! own errors. Pure text functions, with no dependency on the rest of the crate.

/// The port text of `endpoint` if it is a tcp, ws, wss or udp endpoint whose port (or
/// whose source address's port, in the `tcp://source;destination` form) libzmq would read
/// as a number other than the one written: out of the range 0..=65535, negative, or
/// followed by other text (`5555x`, `80.5`). `*`, `0` (any port), leading zeros, a `+` and
/// blanks around the number are fine, and a port that does not start with a number at
/// all is left to libzmq (which refuses it).
pub(crate) fn bad_port(endpoint: &str) -> Option<&str> {
    let (transport, address) = endpoint.split_once("://")?;
    let transport = transport.to_ascii_lowercase();
    match transport.as_str() {
        // tcp://source;destination: both parts may have a port.
        "tcp" => address.split(';').find_map(bad_port_of_host),
        // udp://interface;group:port: the interface has no port (an IPv6 interface
        // address ends in a hex group that is not one).
        "udp" => bad_port_of_host(address.rsplit(';').next().unwrap_or(address)),
        // ws://host:port/path: the path may contain anything, including ':'.
        "ws" | "wss" => bad_port_of_host(address.split('/').next().unwrap_or(address)),
        _ => None,
    }
}

/// Whether libzmq's DGRAM socket sends a datagram to this address frame where it was
/// written: `address:port` split at the last `:`, the address as C's `inet_addr` reads it
/// (what libzmq uses; a host name is not resolved) and a port from 1 to 65535 with nothing
/// after it. libzmq itself drops a datagram whose address it cannot read, without an
/// error, and reads the port with `atoi` (`:108182` sent to port 42646, `:5555junk` to
/// 5555).
///
/// As in libzmq, each part ends at its first NUL (libzmq delivers the sender's address
/// with one, ready to send back).
pub(crate) fn is_datagram_address(frame: &[u8]) -> bool {
    let Some(colon) = frame.iter().rposition(|&byte| byte == b':') else {
        return false;
    };
    fn up_to_nul(part: &[u8]) -> Option<&str> {
        let end = part
            .iter()
            .position(|&byte| byte == 0)
            .unwrap_or(part.len());
        std::str::from_utf8(&part[..end]).ok()
    }
    let (Some(address), Some(port)) = (up_to_nul(&frame[..colon]), up_to_nul(&frame[colon + 1..]))
    else {
        return false;
    };
    let port_ok = Port::read(port).is_some_and(|read| {
        read.problem().is_none() && read.digits.bytes().any(|digit| digit != b'0')
    });
    port_ok && crate::raw::sys::inet_addr(address).is_some()
}

/// What C's `isspace` skips, around a number.
const BLANKS: [char; 6] = [' ', '\t', '\n', '\r', '\x0b', '\x0c'];

/// How libzmq would misread a port that [`bad_port`] found, for the error's hint.
pub(crate) fn port_problem(port: &str) -> &'static str {
    Port::read(port)
        .and_then(|port| port.problem())
        .unwrap_or("is not a number")
}

/// A port as C's `atoi` reads it: blanks, one sign, digits, and whatever follows.
struct Port<'a> {
    /// A minus sign.
    signed: bool,
    digits: &'a str,
    trailing_text: bool,
}

impl<'a> Port<'a> {
    /// `None` when `atoi` reads no digit (it returns 0, and libzmq refuses the port).
    fn read(port: &'a str) -> Option<Port<'a>> {
        let body = port.trim_start_matches(BLANKS);
        // `+80` is read as 80, as written; `-1` as 65535 once libzmq keeps 16 bits.
        let (signed, number) = match body.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, body.strip_prefix('+').unwrap_or(body)),
        };
        let len = number.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return None;
        }
        let (digits, rest) = number.split_at(len);
        Some(Port {
            signed,
            digits,
            trailing_text: !rest.trim_start_matches(BLANKS).is_empty(),
        })
    }

    /// How libzmq would read another number than the one written, if it would.
    fn problem(&self) -> Option<&'static str> {
        let significant = self.digits.trim_start_matches('0');
        let in_range =
            significant.len() <= 5 && significant.parse::<u32>().map_or(true, |n| n <= 65535);
        if self.signed {
            Some("is negative")
        } else if self.trailing_text {
            Some("has text after its number (libzmq would read the number and ignore the rest)")
        } else if !in_range {
            Some("is out of range")
        } else {
            None
        }
    }
}

/// The port of `host:port` (`[v6]:port` included) if libzmq would misread it.
fn bad_port_of_host(host_port: &str) -> Option<&str> {
    let (host, port) = host_port.rsplit_once(':')?;
    // With brackets, the port follows "]". (An IPv6 address without brackets, as libzmq
    // reads it too, ends in its last group taken for a port.)
    if host.starts_with('[') && !host.ends_with(']') {
        return None;
    }
    Port::read(port)?.problem().map(|_| port)
}

#[cfg(test)]
mod tests {
    use super::{bad_port, port_problem};

    #[test]
    fn problems_are_named() {
        assert_eq!(port_problem("-80"), "is negative");
        assert_eq!(port_problem("-1"), "is negative");
        assert_eq!(port_problem("99999"), "is out of range");
        assert!(port_problem("80.5").starts_with("has text after its number"));
    }

    #[test]
    fn ports_in_range_pass() {
        for ep in [
            "tcp://127.0.0.1:5555",
            "tcp://127.0.0.1:*",
            "tcp://*:0",
            "tcp://127.0.0.1:65535",
            "tcp://[::1]:5555",
            "tcp://[::1]:*",
            "tcp://fe80::1",
            "tcp://127.0.0.1:5556;127.0.0.1:5555",
            "tcp://eth0;127.0.0.1:5555",
            "tcp://localhost:invalid",
            "tcp://127.0.0.1:0023459",
            "tcp://127.0.0.1:00000",
            "tcp://*:5555\n",
            "tcp://127.0.0.1:+80",
            "tcp://*: 5555 ",
            "tcp://127.0.0.1:--5",
            "udp://fe80::1%lo;[ff02::1]:5555",
            "udp://2001:db8::1f;239.1.1.1:5555",
            "udp://eth0;239.1.1.1:5555",
            "ws://127.0.0.1:8080/path:99999",
            "ws://[::1]:8080/x",
            "ipc:///tmp/a:99999",
            "inproc://x:99999",
            "udp://*:5555",
        ] {
            assert_eq!(bad_port(ep), None, "{ep}");
        }
    }

    #[test]
    fn ports_out_of_range_are_found() {
        for (ep, port) in [
            ("tcp://127.0.0.1:99999", "99999"),
            ("tcp://127.0.0.1:70000", "70000"),
            ("tcp://127.0.0.1:-1", "-1"),
            ("tcp://127.0.0.1:-80", "-80"),
            ("tcp://*:65536", "65536"),
            (
                "tcp://127.0.0.1:99999999999999999999",
                "99999999999999999999",
            ),
            ("TCP://127.0.0.1:70000", "70000"),
            ("tcp://[::1]:70000", "70000"),
            ("tcp://127.0.0.1:70000;127.0.0.1:5555", "70000"),
            ("tcp://127.0.0.1:5555;127.0.0.1:70000", "70000"),
            ("ws://127.0.0.1:99999/path", "99999"),
            ("wss://[::1]:-1/", "-1"),
            ("udp://*:70000", "70000"),
            ("tcp://127.0.0.1:70000x", "70000x"),
            ("tcp://127.0.0.1:23456abc", "23456abc"),
            ("tcp://127.0.0.1:23457.9", "23457.9"),
            ("tcp://127.0.0.1: 5555x", " 5555x"),
            ("tcp://127.0.0.1:000070000", "000070000"),
            ("ws://127.0.0.1:8080x/path", "8080x"),
            ("udp://*:5555 x", "5555 x"),
            ("udp://eth0;239.1.1.1:70000", "70000"),
        ] {
            assert_eq!(bad_port(ep), Some(port), "{ep}");
        }
    }
}
