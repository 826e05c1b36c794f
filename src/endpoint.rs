//! Endpoint text checks done before libzmq sees an endpoint.
//!
//! libzmq reads a tcp, ws or udp port with C's `atoi` and keeps the low 16 bits, so
//! `tcp://127.0.0.1:99999` binds port 34463, `:-1` binds 65535 and `:5555x` binds 5555.
//! These checks refuse such ports; everything else is left to libzmq, which reports its
//! own errors. Pure text functions, with no dependency on the rest of the crate.

/// The port text of `endpoint` if it is a tcp, ws, wss or udp endpoint whose port (or
/// whose source address's port, in the `tcp://source;destination` form) libzmq would read
/// as a number other than the one written: out of the range 0..=65535, signed, or followed
/// by other text (`5555x`, `80.5`). `*`, `0` (any port) and leading zeros are fine, and a
/// port that does not start with a number at all is left to libzmq (which refuses it).
pub(crate) fn bad_port(endpoint: &str) -> Option<&str> {
    let (transport, address) = endpoint.split_once("://")?;
    let transport = transport.to_ascii_lowercase();
    let address = match transport.as_str() {
        "tcp" | "udp" => address,
        // ws://host:port/path: the path may contain anything, including ':'.
        "ws" | "wss" => address.split('/').next().unwrap_or(address),
        _ => return None,
    };
    // tcp://source;destination and udp://interface;group: check every part with a port.
    address.split(';').find_map(bad_port_of_host)
}

/// The port of `host:port` (`[v6]:port` included) if libzmq would misread it.
fn bad_port_of_host(host_port: &str) -> Option<&str> {
    let (host, port) = host_port.rsplit_once(':')?;
    // An IPv6 address without brackets and without a port ("fe80::1") ends in a hex group,
    // which libzmq reads as a port as well; with brackets, the port follows "]".
    if host.starts_with('[') && !host.ends_with(']') {
        return None;
    }
    if port.bytes().all(|b| b.is_ascii_digit()) && !port.is_empty() {
        let significant = port.trim_start_matches('0');
        let in_range =
            significant.len() <= 5 && significant.parse::<u32>().map_or(true, |n| n <= 65535);
        return (!in_range).then_some(port);
    }
    // Not all digits: refused if `atoi` would still read a number from it (after blanks
    // and a sign), since libzmq would then use that number; otherwise libzmq reads 0 and
    // refuses the endpoint itself.
    let unsigned = port
        .trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c'])
        .trim_start_matches(['-', '+']);
    unsigned
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit())
        .then_some(port)
}

#[cfg(test)]
mod tests {
    use super::bad_port;

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
            ("tcp://127.0.0.1:+80", "+80"),
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
            ("tcp://127.0.0.1: 5555", " 5555"),
            ("tcp://127.0.0.1:000070000", "000070000"),
            ("ws://127.0.0.1:8080x/path", "8080x"),
            ("udp://*:5555 ", "5555 "),
        ] {
            assert_eq!(bad_port(ep), Some(port), "{ep}");
        }
    }
}
