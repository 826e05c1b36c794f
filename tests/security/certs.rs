//! S12 (key hygiene) of docs/design/reliability.md, and the certificates and the
//! authenticator against pyzmq 27.3.0: its `zmq.auth` files load here, ours load there,
//! and a pyzmq client is allowed or refused by our authenticator; the `curve_cert`
//! example's command line. (czmq: `cargo xtask czmq-certs`, in CI.)

use crate::common;

use std::mem::ManuallyDrop;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::cases::Gen;
use common::scenario::*;
use common::{python, socket, watchdog};
use zmq::auth::cert::{Certificate, create_certificates, load_public_keys, secret_path};
use zmq::auth::{Authenticator, SecretKey};

const LIMIT: Duration = Duration::from_secs(20);

/// S12: wrong key lengths are typed errors; Z85 decode of random input errs without UB;
/// keypairs and Z85 round-trip; secrets are hidden from `Debug`, zeroed on drop, and
/// written mode 0600.
#[test]
fn s12_key_hygiene() {
    let _dog = watchdog(LIMIT);
    let ctx = zmq::Context::new();
    let sock = socket(&ctx, zmq::DEALER);
    let bad_len = [
        sock.set_curve_publickey(&[1; 31]),
        sock.set_curve_secretkey(&[1; 33]),
        sock.set_curve_serverkey(b"too short for z85"),
    ];
    assert!(
        bad_len.iter().all(|r| *r == Err(zmq::Error::EINVAL)),
        "{bad_len:?}"
    );
    assert!(zmq::curve::decode_key("0123456789012345678901234567890123456789x").is_none());

    // Z85 against random input: never a panic; valid text round-trips; libzmq agrees.
    const SEED: [u8; 32] = *b"zmq-rs S12 z85 decode property..";
    const CASES: u32 = 3000;
    let mut runner = seeded(&SEED, CASES);
    let alphabet: Vec<char> =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
            .chars()
            .collect();
    // Text: 0 to 60 chars but newlines (the regex `.{0,60}`), or 0 to 59 chars of the Z85
    // alphabet; bytes: 0 to 63.
    let text = |g: &mut Gen| -> String {
        g.one_of(&[
            &|g: &mut Gen| g.string_of(0..61, Gen::line_char),
            &|g: &mut Gen| g.string_of(0..60, |g| g.pick(&alphabet)),
        ])
    };
    runner.run(
        |g| (text(g), g.bytes(0..64)),
        |(text, bytes)| {
            if let Ok(decoded) = zmq::z85::decode(text) {
                assert_eq!(text.len() % 5, 0);
                assert_eq!(&zmq::z85::encode(&decoded).unwrap(), text);
            }
            let _ = zmq::z85_decode(text);
            let whole = &bytes[..bytes.len() / 4 * 4];
            let encoded = zmq::z85::encode(whole).unwrap();
            assert_eq!(zmq::z85::decode(&encoded).unwrap(), whole.to_vec());
            assert!(zmq::z85::encode(bytes).is_ok() == (bytes.len() % 4 == 0));
        },
    );

    let pair = zmq::CurveKeyPair::new().unwrap();
    let round = zmq::curve::decode_key(&pair.public_key_z85()).unwrap();
    assert_eq!(round, pair.public_key);
    assert_eq!(
        zmq::curve::public_key_of(&pair.secret_key).unwrap(),
        pair.public_key
    );

    // Debug never shows a secret.
    let secret_z85 = pair.secret_key_z85();
    let cert = Certificate::from_keypair(&pair);
    let printed = format!(
        "{pair:?} {cert:?} {:?} {:#?}",
        cert.secret_key(),
        SecretKey::new(pair.secret_key)
    );
    let leaks =
        printed.contains(&secret_z85) || printed.contains(&format!("{:?}", pair.secret_key));
    assert!(!leaks, "{printed}");

    // Zeroed on drop (SecretKey is repr(transparent) over its 32 bytes).
    let mut key = ManuallyDrop::new(SecretKey::new([0x5A; 32]));
    let key_bytes = (&*key as *const SecretKey).cast::<[u8; 32]>();
    let mut kp = ManuallyDrop::new(zmq::CurveKeyPair::new().unwrap());
    let kp_secret: *const [u8; 32] = &kp.secret_key;
    // SAFETY: each value is dropped once, in place; its storage (these locals) outlives
    // the reads, and [u8; 32] has no invalid bit patterns.
    let zeroed = unsafe {
        ManuallyDrop::drop(&mut key);
        ManuallyDrop::drop(&mut kp);
        std::ptr::read_volatile(key_bytes) == [0; 32]
            && std::ptr::read_volatile(kp_secret) == [0; 32]
    };
    assert!(zeroed);

    // Secret files are 0600.
    let dir = tempfile::tempdir().unwrap();
    let (public, secret) = create_certificates(dir.path(), "server", []).unwrap();
    use std::os::unix::fs::PermissionsExt;
    let secret_mode = std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777;
    let public_mode = std::fs::metadata(&public).unwrap().permissions().mode() & 0o777;
    assert_eq!(secret_mode, 0o600);
    figure(
        "S12",
        format!(
            "bad_len=Err(EINVAL) z85_fuzz_cases={CASES} crashes=0 seed={:?} debug_leaks_secret=no zeroized_on_drop=yes secret_file_mode={secret_mode:04o} public_file_mode={public_mode:04o}",
            std::str::from_utf8(&SEED).unwrap()
        ),
    );
}

/// Kills the child process when dropped (pass or fail).
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run_python(script: &str, args: &[&str]) -> String {
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// pyzmq's `create_certificates` files load here; ours load in pyzmq; keys agree.
#[test]
#[cfg_attr(
    not(feature = "test-pyzmq"),
    ignore = "needs pyzmq: --features test-pyzmq"
)]
fn certificates_round_trip_with_pyzmq() {
    let _dog = watchdog(LIMIT);
    let dir = tempfile::tempdir().unwrap();
    let dir_s = dir.path().to_str().unwrap();
    let out = run_python(
        "import sys, zmq.auth\n\
         pub, sec = zmq.auth.create_certificates(sys.argv[1], 'py', metadata={'name': 'py one'})\n\
         p, s = zmq.auth.load_certificate(sec)\n\
         print(p.decode()); print(s.decode())",
        &[dir_s],
    );
    let mut lines = out.lines();
    let (py_public, py_secret) = (lines.next().unwrap(), lines.next().unwrap());
    let public = Certificate::load(dir.path().join("py.key")).unwrap();
    let secret = Certificate::load(dir.path().join("py.key_secret")).unwrap();
    assert_eq!(public.public_key_z85(), py_public);
    assert!(public.secret_key().is_none());
    assert_eq!(secret.secret_key().unwrap().to_z85(), py_secret);
    assert_eq!(secret.metadata("name"), Some("py one"));

    let (ours, ours_secret) =
        create_certificates(dir.path(), "rs", [("name", "rust one")]).unwrap();
    let cert = Certificate::load(&ours_secret).unwrap();
    let out = run_python(
        "import sys, zmq.auth\n\
         p, s = zmq.auth.load_certificate(sys.argv[1]); print(p.decode(), s)\n\
         p, s = zmq.auth.load_certificate(sys.argv[2]); print(p.decode(), s.decode())\n\
         print(len(zmq.auth.load_certificates(sys.argv[3])))",
        &[ours.to_str().unwrap(), ours_secret.to_str().unwrap(), dir_s],
    );
    let lines: Vec<&str> = out.lines().collect();
    let z85 = cert.public_key_z85();
    assert_eq!(lines[0], format!("{z85} None"));
    assert_eq!(
        lines[1],
        format!("{z85} {}", cert.secret_key().unwrap().to_z85())
    );
    assert_eq!(
        lines[2], "2",
        "pyzmq loads both public certificates of the directory"
    );
    assert_eq!(load_public_keys(dir.path()).unwrap().len(), 2);
    assert_eq!(secret_path(&ours), ours_secret);
}

/// The `curve_cert` example: `new` writes a pair that `show` (and `Certificate::load`)
/// reads back; a missing file exits 1, a bad command line 2, both with a message.
#[test]
fn curve_cert_example_makes_and_shows_certificates() {
    let _dog = watchdog(LIMIT);
    let tool = common::examples::example_binary("curve_cert");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tool.key");
    let run = |args: &[&std::ffi::OsStr]| Command::new(&tool).args(args).output().unwrap();
    let made = run(&[
        "new".as_ref(),
        path.as_os_str(),
        "name=tool one".as_ref(),
        "said=he said \"hi\"".as_ref(),
    ]);
    assert!(made.status.success(), "{made:?}");
    let made = String::from_utf8(made.stdout).unwrap();
    let cert = Certificate::load(secret_path(&path)).unwrap();
    assert_eq!(
        made,
        format!(
            "public-key: {}\nsecret-key: (hidden; matches the public key)\n\
             metadata: name = tool one\nmetadata: said = he said \"hi\"\n",
            cert.public_key_z85(),
        )
    );
    assert!(!made.contains(&cert.secret_key().unwrap().to_z85()));
    let secret_file = secret_path(&path);
    let shown = run(&[
        "show".as_ref(),
        "--secret".as_ref(),
        secret_file.as_os_str(),
    ]);
    assert_eq!(String::from_utf8(shown.stdout).unwrap(), made);
    let shown = run(&["show".as_ref(), path.as_os_str()]);
    let public: String = made
        .lines()
        .filter(|l| !l.starts_with("secret-key"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(String::from_utf8(shown.stdout).unwrap(), public);

    let missing = run(&["show".as_ref(), dir.path().join("nope").as_os_str()]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nope"));
    let bad = run(&["new".as_ref()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("usage"));
}

const PY_CLIENT: &str = r#"
import sys, time, zmq, zmq.auth
endpoint, server_key, mechanism, cred = sys.argv[1:5]
ctx = zmq.Context()
s = ctx.socket(zmq.PUSH)
s.linger = 0
if mechanism == 'CURVE':
    pub, sec = zmq.auth.load_certificate(cred)
    s.curve_publickey, s.curve_secretkey = pub, sec
    s.curve_serverkey = server_key.encode()
else:
    s.plain_username, s.plain_password = b'admin', cred.encode()
s.connect(endpoint)
s.send(b'from pyzmq')
time.sleep(60)
"#;

fn py_client(endpoint: &str, server_key: &str, mechanism: &str, cred: &str) -> Peer {
    let child = Command::new(python())
        .arg("-c")
        .arg(PY_CLIENT)
        .args([endpoint, server_key, mechanism, cred])
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn python");
    Peer(child)
}

/// Our authenticator guards a server against pyzmq clients: a CURVE client whose
/// pyzmq-made certificate is in the allowed directory gets in (with its key as
/// `User-Id`); one that is not is refused; PLAIN with right and wrong passwords.
#[test]
#[cfg_attr(
    not(feature = "test-pyzmq"),
    ignore = "needs pyzmq: --features test-pyzmq"
)]
fn authenticator_against_pyzmq_clients() {
    let _dog = watchdog(Duration::from_secs(120));
    let dir = tempfile::tempdir().unwrap();
    let allowed_dir = dir.path().join("allowed");
    std::fs::create_dir(&allowed_dir).unwrap();
    run_python(
        "import sys, zmq.auth\n\
         zmq.auth.create_certificates(sys.argv[1], 'good')\n\
         zmq.auth.create_certificates(sys.argv[1], 'bad')",
        &[dir.path().to_str().unwrap()],
    );
    std::fs::copy(dir.path().join("good.key"), allowed_dir.join("good.key")).unwrap();
    let good = Certificate::load(dir.path().join("good.key")).unwrap();

    let ctx = zmq::Context::new();
    let auth = Authenticator::start(&ctx).unwrap();
    auth.configure_curve("*", &allowed_dir).unwrap();
    auth.configure_plain("plain", [("admin", "password")]);
    let server_cert = Certificate::new().unwrap();
    let server = socket(&ctx, zmq::PULL);
    server_cert.apply(&server).unwrap();
    server.set_curve_server(true).unwrap();
    let endpoint = common::bind_tcp(&server);
    let server_key = server_cert.public_key_z85();

    let wait = |socket: &zmq::Socket, window: Duration| -> Option<zmq::Message> {
        (socket.poll(zmq::POLLIN, window.as_millis() as i64).unwrap() > 0)
            .then(|| socket.recv_msg(0).unwrap())
    };
    let bad_secret = dir.path().join("bad.key_secret");
    // Refusal is judged once the authenticator has answered the client's handshake.
    // Python start-up on a loaded machine can be slow: generous hang detectors.
    let python_wait = Duration::from_secs(30);
    let zap_answered = |count: u64| {
        let deadline = std::time::Instant::now() + python_wait;
        while auth.request_count() < count && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        auth.request_count() >= count
    };
    let _bad = py_client(
        &endpoint,
        &server_key,
        "CURVE",
        bad_secret.to_str().unwrap(),
    );
    assert!(
        zap_answered(1),
        "the pyzmq client never reached the authenticator"
    );
    let refused = wait(&server, REFUSAL_WINDOW).is_none();
    let good_secret = dir.path().join("good.key_secret");
    let _good = py_client(
        &endpoint,
        &server_key,
        "CURVE",
        good_secret.to_str().unwrap(),
    );
    let msg = wait(&server, python_wait).expect("the allowed pyzmq client got through");
    assert_eq!(&msg[..], b"from pyzmq");
    assert_eq!(msg.user_id(), Some(good.public_key_z85().as_bytes()));
    assert!(refused, "a pyzmq client with an unknown key got through");

    let plain = socket(&ctx, zmq::PULL);
    plain.set_plain_server(true).unwrap();
    plain.set_zap_domain("plain").unwrap();
    let plain_endpoint = common::bind_tcp(&plain);
    let before = auth.request_count();
    let _wrong = py_client(&plain_endpoint, "", "PLAIN", "wrong");
    assert!(
        zap_answered(before + 1),
        "the PLAIN pyzmq client never reached ZAP"
    );
    let plain_refused = wait(&plain, REFUSAL_WINDOW).is_none();
    let _right = py_client(&plain_endpoint, "", "PLAIN", "password");
    let plain_msg = wait(&plain, python_wait).expect("PLAIN pyzmq client with the password");
    assert_eq!(plain_msg.user_id(), Some(&b"admin"[..]));
    assert!(plain_refused);
    figure(
        "SEC-PYZMQ",
        "curve_allowed=1 curve_refused=1 plain_allowed=1 plain_refused=1 user_id_match=yes cert_round_trip=yes",
    );
}

/// `Certificate::save` over an existing pair that cannot be replaced whole (a directory
/// where the secret file goes) changes neither file: the public file was written first
/// and left beside an old secret key.
#[test]
fn a_failed_save_leaves_the_old_pair_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.key");
    let old = Certificate::new().unwrap();
    old.save(&path).unwrap();
    let old_public = std::fs::read(&path).unwrap();
    // The secret file's place taken by a directory: no file can be renamed over it.
    let secret = secret_path(&path);
    std::fs::remove_file(&secret).unwrap();
    std::fs::create_dir(&secret).unwrap();

    let new = Certificate::new().unwrap();
    assert!(new.save(&path).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), old_public);
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

/// `load_public_keys` skips what is not a certificate (other text files, binary files,
/// hidden and `_secret` files) and reports a certificate that is malformed, naming it.
#[test]
fn load_public_keys_skips_other_files_and_names_a_broken_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cert = Certificate::new().unwrap();
    let (public, _) = create_certificates(dir.path(), "server", []).unwrap();
    assert!(public.exists());
    std::fs::write(
        dir.path().join("notes.txt"),
        "    x = 1\nnot a certificate\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("config.zpl"), "main\n    verbose = 1\n").unwrap();
    std::fs::write(dir.path().join("blob.bin"), [0xff, 0xfe, 0x00, 0x80]).unwrap();
    std::fs::write(
        dir.path().join(".hidden"),
        "curve\n    public-key = \"short\"\n",
    )
    .unwrap();
    cert.save_public(dir.path().join("client.key")).unwrap();
    let keys = load_public_keys(dir.path()).unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys.contains(cert.public_key()));

    std::fs::write(
        dir.path().join("broken.key"),
        "curve\n    public-key = \"short\"\n",
    )
    .unwrap();
    let err = load_public_keys(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("broken.key") && err.contains("public-key"),
        "{err}"
    );
}
