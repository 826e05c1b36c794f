//! `zmqcat`: send and receive ZeroMQ messages from the command line, the way `nc` does
//! for TCP. Any socket type, bind and/or connect to several endpoints, messages from
//! `--msg` or stdin lines (split into frames with `--separator`), received frames printed
//! as text or hex, SUB topics, CURVE and PLAIN client security, `--count`/`--timeout` to
//! stop.
//!
//! ```text
//! cargo run --example zmqcat -- sub -c tcp://127.0.0.1:5556 -S weather. -n 10
//! echo hello | cargo run --example zmqcat -- req -c tcp://127.0.0.1:5555
//! cargo run --example zmqcat -- --help
//! ```
//!
//! Exit status: 0 when done (also for `--help`), 1 when something failed while running
//! (including a `--timeout` that passed before `--count` messages came, or a REQ that got
//! no reply), 2 for a bad command line or bad input (endpoints libzmq rejects, a frame
//! with bad hex digits under `--decode-hex`).
//!
//! When it has been blocked for more than a second, zmqcat says on stderr what it is
//! waiting for (a reply, messages, a peer to send to, stdin), once per wait; `-q` hides
//! these notices.

use std::collections::VecDeque;
use std::fmt;
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const HELP: &str = "\
zmqcat - send and receive ZeroMQ messages from the command line

USAGE:
    zmqcat <TYPE> [OPTIONS]

TYPE (case does not matter):
    req rep dealer router pub sub xpub xsub push pull pair stream

ENDPOINTS (at least one; both may repeat):
    -b, --bind <ENDPOINT>        bind, e.g. tcp://*:5555, tcp://127.0.0.1:*, ipc:///tmp/feed
    -c, --connect <ENDPOINT>     connect, e.g. tcp://127.0.0.1:5555

SENDING:
    -m, --msg <TEXT>             send this message (repeat for several); without --msg,
                                 each line of stdin is a message (types that send)
    -s, --separator <SEP>        split each message into frames at SEP (e.g. '|');
                                 received frames are joined with it (default: '|')
    -x, --decode-hex             frames written 0x<hex digits> are sent as those bytes
        --delay <MS>             wait before the first send (PUB subscribers joining)

RECEIVING:
    -S, --subscribe <PREFIX>     SUB: subscribe to PREFIX (repeatable; default: all)
    -n, --count <N>              exit after receiving N messages
    -t, --timeout <SECONDS>      exit when nothing arrives for this long (status 1 if
                                 --count messages had not come yet, or a REQ waits)
        --hex                    print every frame as hex (default: text, or 0x<hex>
                                 for frames that are not printable UTF-8)

SECURITY (client side):
        --curve-serverkey <Z85>  be a CURVE client of the server with this public key;
                                 a new key pair is made unless --curve-secretkey is given,
                                 and the public key is printed on stderr
        --curve-secretkey <Z85>  this client's CURVE secret key
        --plain-user <USER>      PLAIN user name
        --plain-password <PASS>  PLAIN password

OTHER:
    -q, --quiet                  do not say on stderr what zmqcat waits for when it has
                                 been blocked for more than a second
        --identity <TEXT>        routing id of the socket (seen by ROUTER peers)
        --linger <MS>            how long unsent messages are kept at exit (default 1000)
    -h, --help                   this help

What each type does: req sends each message and prints the reply; rep prints each
request and answers with the next --msg (the request itself when there is none); pub and
push send; sub and pull print; dealer, router, pair, xpub, xsub and stream do both.
Sending types stop when the messages run out (req: when the last reply came); the others
run until --count, --timeout or Ctrl-C.

EXIT STATUS: 0 done, 1 failed while running, 2 bad command line or bad input (an endpoint
libzmq rejects, a frame that is not valid hex under --decode-hex).
";

/// A failure, with the exit status it maps to.
#[derive(Debug)]
enum Failure {
    /// A bad command line: status 2.
    Usage(String),
    /// Something failed while running: status 1.
    Runtime(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(m) | Failure::Runtime(m) => f.write_str(m),
        }
    }
}

/// A mistake on the command line.
fn usage(message: impl fmt::Display) -> Failure {
    Failure::Usage(format!("{message} (see zmqcat --help)"))
}

fn runtime(context: &str, err: impl fmt::Display) -> Failure {
    Failure::Runtime(format!("{context}: {err}"))
}

/// The command line.
#[derive(Debug, Default)]
struct Options {
    kind: Option<zmq::SocketType>,
    binds: Vec<String>,
    connects: Vec<String>,
    messages: Vec<String>,
    separator: Option<String>,
    decode_hex: bool,
    delay: Duration,
    subscribe: Vec<String>,
    count: Option<u64>,
    timeout: Option<Duration>,
    hex: bool,
    curve_serverkey: Option<[u8; 32]>,
    curve_secretkey: Option<[u8; 32]>,
    plain_user: Option<String>,
    plain_password: Option<String>,
    identity: Option<String>,
    linger: i32,
    quiet: bool,
    help: bool,
}

fn parse_type(name: &str) -> Option<zmq::SocketType> {
    use zmq::SocketType::*;
    Some(match name.to_ascii_lowercase().as_str() {
        "req" => REQ,
        "rep" => REP,
        "dealer" => DEALER,
        "router" => ROUTER,
        "pub" => PUB,
        "sub" => SUB,
        "xpub" => XPUB,
        "xsub" => XSUB,
        "push" => PUSH,
        "pull" => PULL,
        "pair" => PAIR,
        "stream" => STREAM,
        _ => return None,
    })
}

fn parse_number<T: std::str::FromStr>(option: &str, value: &str) -> Result<T, Failure> {
    value
        .parse()
        .map_err(|_| usage(format!("{option} expects a number, not {value:?}")))
}

fn parse_key(option: &str, value: &str) -> Result<[u8; 32], Failure> {
    zmq::curve::decode_key(value)
        .ok_or_else(|| usage(format!("{option} expects a key of 40 Z85 characters")))
}

impl Options {
    fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, Failure> {
        let mut options = Options {
            linger: 1000,
            ..Options::default()
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            // `--name=value` or `--name value`.
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) if name.starts_with("--") => (name.to_owned(), Some(value)),
                _ => (arg.clone(), None),
            };
            if !name.starts_with('-') {
                if options.kind.is_some() {
                    return Err(usage(format!("unexpected argument {arg:?}")));
                }
                let kind = parse_type(&arg)
                    .ok_or_else(|| usage(format!("unknown socket type {arg:?}")))?;
                options.kind = Some(kind);
                continue;
            }
            let takes_value = match name.as_str() {
                "-h" | "--help" | "-x" | "--decode-hex" | "--hex" | "-q" | "--quiet" => false,
                "-b" | "--bind" | "-c" | "--connect" | "-m" | "--msg" | "-s" | "--separator"
                | "--delay" | "-S" | "--subscribe" | "-n" | "--count" | "-t" | "--timeout"
                | "--curve-serverkey" | "--curve-secretkey" | "--plain-user"
                | "--plain-password" | "--identity" | "--linger" => true,
                _ => return Err(usage(format!("unknown option {name:?}"))),
            };
            let value = if takes_value {
                match inline.map(str::to_owned).or_else(|| args.next()) {
                    Some(value) => value,
                    None => return Err(usage(format!("{name} needs a value"))),
                }
            } else {
                if inline.is_some() {
                    return Err(usage(format!("{name} takes no value")));
                }
                String::new()
            };
            match name.as_str() {
                "-h" | "--help" => options.help = true,
                "-q" | "--quiet" => options.quiet = true,
                "-b" | "--bind" => options.binds.push(value),
                "-c" | "--connect" => options.connects.push(value),
                "-m" | "--msg" => options.messages.push(value),
                "-s" | "--separator" => {
                    if value.is_empty() {
                        return Err(usage("--separator cannot be empty"));
                    }
                    options.separator = Some(value);
                }
                "-x" | "--decode-hex" => options.decode_hex = true,
                "--delay" => {
                    options.delay = Duration::from_millis(parse_number(&name, &value)?);
                    if options.delay > LONGEST_WAIT {
                        return Err(usage("--delay is at most 100 years, in milliseconds"));
                    }
                }
                "-S" | "--subscribe" => options.subscribe.push(value),
                "-n" | "--count" => options.count = Some(parse_number(&name, &value)?),
                "-t" | "--timeout" => {
                    let seconds: f64 = parse_number(&name, &value)?;
                    if !(seconds.is_finite() && seconds >= 0.0) {
                        return Err(usage("--timeout expects a number of seconds >= 0"));
                    }
                    match Duration::try_from_secs_f64(seconds) {
                        Ok(timeout) if timeout <= LONGEST_WAIT => options.timeout = Some(timeout),
                        _ => return Err(usage("--timeout is at most 100 years, in seconds")),
                    }
                }
                "--hex" => options.hex = true,
                "--curve-serverkey" => options.curve_serverkey = Some(parse_key(&name, &value)?),
                "--curve-secretkey" => options.curve_secretkey = Some(parse_key(&name, &value)?),
                "--plain-user" => options.plain_user = Some(value),
                "--plain-password" => options.plain_password = Some(value),
                "--identity" => options.identity = Some(value),
                "--linger" => options.linger = parse_number(&name, &value)?,
                _ => return Err(usage(format!("unknown option {name:?}"))),
            }
        }
        if options.help {
            return Ok(options);
        }
        let kind = options.kind.ok_or_else(|| usage("no socket type given"))?;
        if options.binds.is_empty() && options.connects.is_empty() {
            return Err(usage("give at least one --bind or --connect endpoint"));
        }
        if !options.subscribe.is_empty() && kind != zmq::SUB {
            return Err(usage("--subscribe is for sub sockets"));
        }
        if !sends(kind) && !options.messages.is_empty() {
            return Err(usage(format!("a {kind:?} socket cannot send --msg")));
        }
        if options.curve_secretkey.is_some() && options.curve_serverkey.is_none() {
            return Err(usage("--curve-secretkey needs --curve-serverkey"));
        }
        if options.plain_user.is_some() != options.plain_password.is_some() {
            return Err(usage("--plain-user and --plain-password go together"));
        }
        // Refuse bad hex in --msg before anything is sent.
        for message in &options.messages {
            to_frames(message, &options)?;
        }
        Ok(options)
    }

    fn separator(&self) -> &str {
        self.separator.as_deref().unwrap_or("|")
    }
}

/// Whether the type sends messages of its own (REP only answers).
fn sends(kind: zmq::SocketType) -> bool {
    !matches!(kind, zmq::SUB | zmq::PULL)
}

fn receives(kind: zmq::SocketType) -> bool {
    !matches!(kind, zmq::PUB | zmq::PUSH)
}

/// Frames of one input message: split at the separator (if one was given), `0x..`
/// frames decoded with `--decode-hex`.
fn to_frames(text: &str, options: &Options) -> Result<Vec<Vec<u8>>, Failure> {
    let parts: Vec<&str> = match &options.separator {
        Some(sep) => text.split(sep.as_str()).collect(),
        None => vec![text],
    };
    parts
        .into_iter()
        .map(|part| match part.strip_prefix("0x") {
            Some(digits) if options.decode_hex => decode_hex(digits).ok_or_else(|| {
                Failure::Usage(format!(
                    "bad hex frame {part:?}: --decode-hex expects 0x and an even number \
                         of hex digits"
                ))
            }),
            _ => Ok(part.as_bytes().to_vec()),
        })
        .collect()
}

fn decode_hex(digits: &str) -> Option<Vec<u8>> {
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(digits.get(i..i + 2)?, 16).ok())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A received frame for printing: its text when it is printable UTF-8, else `0x<hex>`.
fn show_frame(frame: &[u8], options: &Options) -> String {
    if options.hex {
        return hex(frame);
    }
    match std::str::from_utf8(frame) {
        Ok(text) if !text.chars().any(|c| c.is_control() && c != '\t') => text.to_owned(),
        _ => format!("0x{}", hex(frame)),
    }
}

fn show_message(frames: &[Vec<u8>], options: &Options) -> String {
    frames
        .iter()
        .map(|f| show_frame(f, options))
        .collect::<Vec<_>>()
        .join(options.separator())
}

/// Where outgoing messages come from.
struct Input {
    queue: VecDeque<String>,
    /// Stdin is read (no --msg) and has not ended yet.
    stdin_open: bool,
    partial: Vec<u8>,
}

impl Input {
    fn new(options: &Options, kind: zmq::SocketType) -> Input {
        let from_stdin = sends(kind) && kind != zmq::REP && options.messages.is_empty();
        Input {
            queue: options.messages.iter().cloned().collect(),
            stdin_open: from_stdin,
            partial: Vec::new(),
        }
    }

    /// Reads what stdin has (called when poll says it is readable).
    fn read_stdin(&mut self) -> Result<(), Failure> {
        let stdin = std::io::stdin();
        let mut lock = stdin.lock();
        let chunk = lock.fill_buf().map_err(|e| runtime("reading stdin", e))?;
        if chunk.is_empty() {
            self.stdin_open = false;
            if !self.partial.is_empty() {
                let line = std::mem::take(&mut self.partial);
                self.queue
                    .push_back(String::from_utf8_lossy(&line).into_owned());
            }
            return Ok(());
        }
        let n = chunk.len();
        self.partial.extend_from_slice(chunk);
        // Take everything buffered, so that polling fd 0 tells the truth next time.
        lock.consume(n);
        while let Some(end) = self.partial.iter().position(|b| *b == b'\n') {
            let mut line: Vec<u8> = self.partial.drain(..=end).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            self.queue
                .push_back(String::from_utf8_lossy(&line).into_owned());
        }
        Ok(())
    }

    fn exhausted(&self) -> bool {
        self.queue.is_empty() && !self.stdin_open
    }
}

/// A stderr line that scripts read (the bound endpoint, the public key), written with one
/// `write` so that a reader never sees half of it (`eprintln!` writes each piece of its
/// format on its own).
fn announce(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(format!("zmqcat: {text}\n").as_bytes());
}

fn make_socket(
    ctx: &zmq::Context,
    kind: zmq::SocketType,
    options: &Options,
) -> Result<zmq::Socket, Failure> {
    let socket = ctx
        .socket(kind)
        .map_err(|e| runtime("cannot create the socket", e))?;
    let set =
        |what: &str, result: zmq::Result<()>| result.map_err(|e| usage(format!("{what}: {e}")));
    set("--linger", socket.set_linger(options.linger))?;
    if let Some(timeout) = options.timeout {
        // A send that no peer takes gives up too.
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        set("--timeout", socket.set_sndtimeo(ms))?;
    }
    if let Some(id) = &options.identity {
        set("--identity", socket.set_identity(id.as_bytes()))?;
    }
    if kind == zmq::SUB {
        if options.subscribe.is_empty() {
            set("--subscribe", socket.set_subscribe(b""))?;
        }
        for prefix in &options.subscribe {
            set("--subscribe", socket.set_subscribe(prefix.as_bytes()))?;
        }
    }
    if let Some(server_key) = &options.curve_serverkey {
        let keys = match options.curve_secretkey {
            Some(secret) => zmq::CurveKeyPair::from_secret_key(secret),
            None => zmq::CurveKeyPair::new(),
        }
        .map_err(|e| runtime("CURVE keys", e))?;
        announce(&format!("CURVE public key {}", keys.public_key_z85()));
        set("--curve-serverkey", socket.set_curve_serverkey(server_key))?;
        set(
            "--curve-secretkey",
            socket.set_curve_publickey(&keys.public_key),
        )?;
        set(
            "--curve-secretkey",
            socket.set_curve_secretkey(&keys.secret_key),
        )?;
    }
    if let (Some(user), Some(password)) = (&options.plain_user, &options.plain_password) {
        set("--plain-user", socket.set_plain_username(Some(user)))?;
        set(
            "--plain-password",
            socket.set_plain_password(Some(password)),
        )?;
    }
    for endpoint in &options.binds {
        socket
            .bind_endpoint(endpoint)
            .map_err(|e| Failure::Usage(e.to_string()))?;
        if (endpoint.contains('*') || endpoint.ends_with(":0"))
            && let Ok(Ok(real)) = socket.get_last_endpoint()
        {
            announce(&format!("bound to {real}"));
        }
    }
    for endpoint in &options.connects {
        socket
            .connect_endpoint(endpoint)
            .map_err(|e| Failure::Usage(e.to_string()))?;
    }
    Ok(socket)
}

fn run(options: &Options) -> Result<(), Failure> {
    let kind = options.kind.expect("checked by parse");
    let ctx = zmq::Context::new();
    let socket = make_socket(&ctx, kind, options)?;
    let result = pump(&socket, kind, options);
    // Linger applies now: close the socket, then the context waits at most --linger.
    drop(socket);
    result
}

/// How long zmqcat may be blocked before it says what it waits for.
const NOTICE_AFTER: Duration = Duration::from_secs(1);
/// The longest `--delay` or `--timeout` (beyond it, deadlines overflow a clock).
const LONGEST_WAIT: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The endpoints, for the waiting notices.
fn endpoints(options: &Options) -> String {
    let mut all: Vec<&str> = options.binds.iter().map(String::as_str).collect();
    all.extend(options.connects.iter().map(String::as_str));
    all.join(", ")
}

/// Says once on stderr what zmqcat waits for, when it has waited for [`NOTICE_AFTER`].
struct Notice<'a> {
    options: &'a Options,
    since: Instant,
    said: bool,
}

impl<'a> Notice<'a> {
    fn new(options: &'a Options) -> Notice<'a> {
        Notice {
            options,
            since: Instant::now(),
            said: false,
        }
    }

    /// Something happened: a new wait starts.
    fn reset(&mut self) {
        self.since = Instant::now();
        self.said = false;
    }

    /// How long a wait may last before [`Notice::check`] has something to say.
    fn left(&self) -> Option<Duration> {
        (!self.options.quiet && !self.said)
            .then(|| NOTICE_AFTER.saturating_sub(self.since.elapsed()))
    }

    fn check(&mut self, what: impl FnOnce() -> String) {
        if !self.options.quiet && !self.said && self.since.elapsed() >= NOTICE_AFTER {
            self.said = true;
            eprintln!("zmqcat: {} (Ctrl-C to stop; -q hides this)", what());
        }
    }
}

/// Sends one message, waiting for a peer to take it (until --timeout, if given).
fn send(socket: &zmq::Socket, frames: Vec<Vec<u8>>, options: &Options) -> Result<(), Failure> {
    let mut notice = Notice::new(options);
    let began = Instant::now();
    loop {
        // Whole or nothing: once the first frame is taken, so are the others.
        match socket.send_multipart(frames.iter(), zmq::DONTWAIT) {
            Ok(()) => return Ok(()),
            Err(zmq::Error::EAGAIN) => {}
            Err(e) => return Err(runtime("send", e)),
        }
        let mut wait = notice.left();
        if let Some(timeout) = options.timeout {
            let left = timeout.saturating_sub(began.elapsed());
            if left.is_zero() {
                return Err(Failure::Runtime(
                    "send: no peer took the message within --timeout".to_owned(),
                ));
            }
            wait = Some(wait.map_or(left, |w| w.min(left)));
        }
        let wait_ms = wait.map_or(-1, |w| w.as_millis() as i64 + 1);
        let mut items = [socket.as_poll_item(zmq::POLLOUT)];
        match zmq::poll(&mut items, wait_ms) {
            Ok(_) | Err(zmq::Error::EINTR) => {}
            Err(e) => return Err(runtime("poll", e)),
        }
        notice.check(|| {
            format!(
                "waiting for a peer to take a message ({})",
                endpoints(options)
            )
        });
    }
}

/// The main loop: send what there is to send, print what comes, until a stop condition.
fn pump(socket: &zmq::Socket, kind: zmq::SocketType, options: &Options) -> Result<(), Failure> {
    let mut input = Input::new(options, kind);
    let mut replies = options.messages.iter().cycle();
    let mut received: u64 = 0;
    let mut awaiting_reply = false;
    let mut last_activity = Instant::now();
    let stdout = std::io::stdout();
    let start = Instant::now() + options.delay;
    let mut notice = Notice::new(options);

    loop {
        if options.count.is_some_and(|n| received >= n) {
            return Ok(());
        }
        let ready_to_send = sends(kind) && kind != zmq::REP && !awaiting_reply;
        if ready_to_send
            && Instant::now() >= start
            && let Some(text) = input.queue.pop_front()
        {
            let frames = to_frames(&text, options)?;
            send(socket, frames, options)?;
            awaiting_reply = kind == zmq::REQ;
            last_activity = Instant::now();
            notice.reset();
            continue;
        }
        // Sending types are done when the input is (REQ: and the last reply came).
        if input.exhausted() && !awaiting_reply && (!receives(kind) || kind == zmq::REQ) {
            return Ok(());
        }

        let mut wait_ms: i64 = -1;
        if let Some(timeout) = options.timeout {
            let left = timeout.saturating_sub(last_activity.elapsed());
            if left.is_zero() {
                if awaiting_reply {
                    return Err(Failure::Runtime(format!("no reply within {timeout:?}")));
                }
                if let Some(n) = options.count {
                    return Err(Failure::Runtime(format!(
                        "timed out after {received} of {n} messages"
                    )));
                }
                return Ok(());
            }
            wait_ms = left.as_millis() as i64 + 1;
        }
        if !input.queue.is_empty() && Instant::now() < start {
            let until_start =
                start.saturating_duration_since(Instant::now()).as_millis() as i64 + 1;
            wait_ms = if wait_ms < 0 {
                until_start
            } else {
                wait_ms.min(until_start)
            };
        }
        let watch_socket = receives(kind);
        let watch_stdin = input.stdin_open && input.queue.is_empty();
        let delaying = !input.queue.is_empty() && Instant::now() < start;
        if let Some(left) = notice.left() {
            let left = left.as_millis() as i64 + 1;
            wait_ms = if wait_ms < 0 { left } else { wait_ms.min(left) };
        }
        let mut items = Vec::new();
        if watch_socket {
            items.push(socket.as_poll_item(zmq::POLLIN));
        }
        if watch_stdin {
            items.push(zmq::PollItem::from_fd(0, zmq::POLLIN));
        }
        if items.is_empty() {
            // Only the --delay to wait out (and the notice to give).
            std::thread::sleep(Duration::from_millis(wait_ms.max(0) as u64));
        } else {
            match zmq::poll(&mut items, wait_ms) {
                Ok(_) | Err(zmq::Error::EINTR) => {}
                Err(e) => return Err(runtime("poll", e)),
            }
        }
        let socket_ready = watch_socket && items[0].is_readable();
        // A pipe whose writer has gone reports only POLLHUP, which libzmq passes on as
        // POLLERR: that is the end of input too, for read_stdin to see.
        let stdin_ready = watch_stdin
            && items[items.len() - 1]
                .get_revents()
                .intersects(zmq::POLLIN | zmq::POLLERR);
        drop(items);

        if stdin_ready || socket_ready {
            notice.reset();
        } else {
            notice.check(|| {
                let eps = endpoints(options);
                if delaying {
                    let left = start.saturating_duration_since(Instant::now());
                    return format!("waiting {left:.0?} more before the first send (--delay)");
                }
                match (awaiting_reply, watch_socket, watch_stdin) {
                    (true, _, _) => format!("waiting for a reply ({eps})"),
                    (false, true, true) => format!("waiting for messages ({eps}) or stdin"),
                    (false, true, false) => format!("waiting for messages ({eps})"),
                    (false, false, _) => "waiting for input on stdin".to_owned(),
                }
            });
        }
        if stdin_ready {
            input.read_stdin()?;
        }
        if socket_ready {
            let frames = socket
                .recv_multipart(zmq::DONTWAIT)
                .map_err(|e| runtime("receive", e))?;
            received += 1;
            awaiting_reply = false;
            last_activity = Instant::now();
            let mut out = stdout.lock();
            writeln!(out, "{}", show_message(&frames, options))
                .and_then(|()| out.flush())
                .map_err(|e| runtime("writing stdout", e))?;
            if kind == zmq::REP {
                let reply = match replies.next() {
                    Some(text) => to_frames(text, options)?,
                    None => frames,
                };
                send(socket, reply, options)?;
            }
        }
    }
}

fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(failure) => {
            eprintln!("zmqcat: {failure}");
            return ExitCode::from(2);
        }
    };
    if options.help {
        print!("{HELP}");
        return ExitCode::SUCCESS;
    }
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("zmqcat: {failure}");
            ExitCode::from(match failure {
                Failure::Usage(_) => 2,
                Failure::Runtime(_) => 1,
            })
        }
    }
}
