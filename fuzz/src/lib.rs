//! The fuzzed surfaces of the `zmq` crate, one function per cargo-fuzz target. Each takes
//! arbitrary bytes and panics only on a real finding (a broken invariant); errors from
//! bad input are the expected outcome.
//!
//! The functions are plain Rust, so they also run on stable: `cargo test` here replays a
//! small built-in corpus, and `cargo run --bin replay -- TARGET FILE...` replays files.

use std::cell::RefCell;
use std::io::Write;

thread_local! {
    static CTX: zmq::Context = zmq::Context::new();
    static TMP: std::path::PathBuf = {
        let dir = std::env::temp_dir().join(format!("zmq-fuzz-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        dir
    };
}

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Z85: decoding arbitrary text never panics; what decodes re-encodes to the same text;
/// whole words of bytes round-trip.
pub fn z85(data: &[u8]) {
    let input = text(data);
    if let Ok(decoded) = zmq::z85::decode(&input) {
        assert_eq!(zmq::z85::encode(&decoded).unwrap(), input);
    }
    let _ = zmq::z85_decode(&input);
    let whole = &data[..data.len() / 4 * 4];
    let encoded = zmq::z85::encode(whole).unwrap();
    assert_eq!(zmq::z85::decode(&encoded).unwrap(), whole);
    assert_eq!(zmq::z85::encode(data).is_ok(), data.len() % 4 == 0);
    let _ = zmq::curve::decode_key(&input);
}

/// Endpoints: bind (and, for local transports, connect) arbitrary strings; an error
/// always names the endpoint. ipc paths are kept under a temporary directory and tcp
/// connects to loopback, so a fuzz run touches nothing else.
pub fn endpoint(data: &[u8]) {
    thread_local! {
        static SOCKET: zmq::Socket = CTX.with(|ctx| {
            let s = ctx.socket(zmq::PULL).unwrap();
            s.set_linger(0).unwrap();
            s
        });
    }
    let mut endpoint = text(data);
    if let Some(path) = endpoint.strip_prefix("ipc://") {
        let safe = path.replace(['/', '.'], "_");
        endpoint = TMP.with(|dir| format!("ipc://{}/{}", dir.display(), safe));
    }
    SOCKET.with(|socket| {
        match socket.bind_endpoint(&endpoint) {
            Ok(()) => {
                if let Ok(Ok(bound)) = socket.get_last_endpoint() {
                    let _ = socket.unbind(&bound);
                }
            }
            Err(err) => assert!(err.to_string().contains(&format!("{endpoint:?}"))),
        }
        let local = endpoint.starts_with("inproc://")
            || endpoint.starts_with("ipc://")
            || endpoint.starts_with("tcp://127.0.0.1:");
        if local {
            match socket.connect_endpoint(&endpoint) {
                Ok(()) => {
                    let _ = socket.disconnect(&endpoint);
                }
                Err(err) => assert!(err.to_string().contains(&format!("{endpoint:?}"))),
            }
        }
    });
}

/// Socket options: arbitrary bytes through `zmq_setsockopt`/`zmq_getsockopt` on every
/// socket type never crash. Input: socket type, option number (2 bytes), get buffer
/// size, value.
pub fn socket_option(data: &[u8]) {
    thread_local! {
        static SOCKETS: RefCell<Vec<zmq::Socket>> = const { RefCell::new(Vec::new()) };
    }
    if data.len() < 4 {
        return;
    }
    let kind = usize::from(data[0]) % 12;
    let option = i32::from(u16::from_le_bytes([data[1], data[2]]) % 140);
    let get_len = usize::from(data[3]);
    let value = &data[4..];
    SOCKETS.with(|sockets| {
        let mut sockets = sockets.borrow_mut();
        if sockets.is_empty() || value.first() == Some(&0xEE) {
            // Fresh sockets now and then, so one odd state does not stick.
            sockets.clear();
            CTX.with(|ctx| {
                for raw in 0..12 {
                    let s = ctx.socket_raw(raw).unwrap();
                    s.set_linger(0).unwrap();
                    sockets.push(s);
                }
            });
        }
        let socket = &sockets[kind];
        let _ = socket.set_option_raw(option, value);
        let mut buf = vec![0u8; get_len];
        if let Ok(len) = socket.get_option_raw(option, &mut buf) {
            assert!(
                len <= get_len.max(8),
                "libzmq reported writing past the buffer"
            );
        }
    });
}

/// Splits bytes into frames: each frame is a length byte and that many bytes.
fn frames(mut data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while let Some((&len, rest)) = data.split_first() {
        let len = usize::from(len).min(rest.len());
        out.push(rest[..len].to_vec());
        data = &rest[len..];
    }
    out
}

/// ZAP: every reply the authenticator gives to arbitrary request frames is six
/// well-formed frames with the request id echoed.
pub fn zap_request(data: &[u8]) {
    thread_local! {
        static AUTH: zmq::auth::Authenticator = CTX.with(|ctx| {
            let auth = zmq::auth::Authenticator::start(ctx).unwrap();
            auth.configure_plain("*", [("admin", "secret")]);
            auth.configure_curve_allow_any("curve");
            auth.configure_callback("cb", |req| {
                if req.routing_id.first() == Some(&b'!') {
                    panic!("callback failure");
                }
                zmq::auth::Decision::allow_as(req.routing_id.clone())
                    .with_metadata("Name", req.address.as_bytes())
            });
            auth
        });
    }
    let request = frames(data);
    let reply = AUTH.with(|auth| auth.reply_to(&request));
    let parsed = zmq::auth::zap::ZapReply::parse(&reply).expect("a well-formed reply");
    assert_eq!(
        parsed.request_id,
        request.get(1).cloned().unwrap_or_default()
    );
}

/// Certificates: parsing arbitrary text never panics; a parsed certificate's public text
/// parses back to the same key and metadata.
pub fn certificate(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cert) = zmq::auth::Certificate::parse(input) {
        let again = zmq::auth::Certificate::parse(&cert.to_public_text()).expect("reparse");
        assert_eq!(again.public_key(), cert.public_key());
        if let Some(secret) = cert.secret_key() {
            assert!(!format!("{cert:?}").contains(&secret.to_z85()));
        }
    }
}

/// ZMTP: arbitrary bytes from a raw TCP client never crash a bound socket, and a good
/// peer on the same socket keeps being served.
pub fn zmtp_bytes(data: &[u8]) {
    struct Target {
        pull: zmq::Socket,
        push: zmq::Socket,
        addr: String,
    }
    thread_local! {
        static TARGET: Target = CTX.with(|ctx| {
            let pull = ctx.socket(zmq::PULL).unwrap();
            pull.set_linger(0).unwrap();
            pull.set_rcvtimeo(5000).unwrap();
            pull.set_maxmsgsize(1 << 20).unwrap();
            pull.bind("tcp://127.0.0.1:*").unwrap();
            let endpoint = pull.get_last_endpoint().unwrap().unwrap();
            let push = ctx.socket(zmq::PUSH).unwrap();
            push.set_linger(0).unwrap();
            push.connect(&endpoint).unwrap();
            let addr = endpoint.trim_start_matches("tcp://").to_owned();
            Target { pull, push, addr }
        });
    }
    TARGET.with(|t| {
        if let Ok(mut raw) = std::net::TcpStream::connect(&t.addr) {
            let _ = raw.set_write_timeout(Some(std::time::Duration::from_millis(200)));
            let _ = raw.write_all(data);
        }
        t.push.send("good", 0).unwrap();
        // A raw peer may also have delivered messages of its own (ZMTP 1.0 needs no
        // greeting): skip them until the good peer's arrives.
        loop {
            let got = t.pull.recv_bytes(0).expect("good peer still served");
            if got == b"good" {
                break;
            }
        }
    });
}

/// The targets by name, for the replay tool and the tests.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("z85", z85),
    ("endpoint", endpoint),
    ("socket_option", socket_option),
    ("zap_request", zap_request),
    ("certificate", certificate),
    ("zmtp_bytes", zmtp_bytes),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random corpus (xorshift), so the targets run on stable.
    fn corpus(seed: u64, n: usize) -> Vec<Vec<u8>> {
        let mut state = seed;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut inputs: Vec<Vec<u8>> = vec![
            b"HelloWorld".to_vec(),
            b"tcp://127.0.0.1:*".to_vec(),
            b"ipc://x/y".to_vec(),
            b"\x031.0\x011\x00\x00\x00\x04NULL".to_vec(),
            b"curve\n    public-key = \"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\"\n".to_vec(),
            vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, 0],
        ];
        for _ in 0..n {
            let len = (next() % 96) as usize;
            inputs.push((0..len).map(|_| next() as u8).collect());
        }
        inputs
    }

    #[test]
    fn every_target_survives_a_small_corpus() {
        for (name, target) in TARGETS {
            for input in corpus(0x5EED_0000 + name.len() as u64, 200) {
                target(&input);
            }
        }
    }
}
