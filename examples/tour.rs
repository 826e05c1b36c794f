//! A tour of ZeroMQ: the patterns of the reference programs ("ZeroMQ Practice", see
//! docs/architecture.md) — request/reply, publish/subscribe, push/pull, pair, dealer/router,
//! a proxy between them, the poller, and (with `--features draft`) the thread-safe
//! client/server — over tcp, ipc and inproc, in one process, in a few seconds, printing
//! what happens. Then the document's in-process client/worker program, with threads
//! instead of asyncio.
//!
//! ```sh
//! cargo run --example tour
//! ```

use std::fmt::Display;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use zmq::poller::Poller;

/// The three transports, and how to make an endpoint on each.
#[derive(Clone, Copy)]
enum Transport {
    Tcp,
    Ipc,
    Inproc,
}

const TRANSPORTS: [Transport; 3] = [Transport::Tcp, Transport::Ipc, Transport::Inproc];

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Ipc => "ipc",
            Transport::Inproc => "inproc",
        }
    }
}

/// Makes endpoints: a free TCP port, an ipc path in a private directory, an inproc name.
struct Endpoints {
    ipc_dir: PathBuf,
}

impl Endpoints {
    fn new() -> std::io::Result<Endpoints> {
        let ipc_dir = std::env::temp_dir().join(format!("zmq-tour-{}", std::process::id()));
        std::fs::create_dir_all(&ipc_dir)?;
        Ok(Endpoints { ipc_dir })
    }

    /// Binds `socket` on `transport` and returns the endpoint peers connect to.
    fn bind(&self, socket: &zmq::Socket, transport: Transport, name: &str) -> zmq::Result<String> {
        let endpoint = match transport {
            // Port `*`: the OS picks a free one; `get_last_endpoint` says which.
            Transport::Tcp => "tcp://127.0.0.1:*".to_owned(),
            Transport::Ipc => format!("ipc://{}/{name}.ipc", self.ipc_dir.display()),
            Transport::Inproc => format!("inproc://tour-{name}"),
        };
        socket.bind(&endpoint)?;
        Ok(socket.get_last_endpoint()?.unwrap_or(endpoint))
    }
}

impl Drop for Endpoints {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.ipc_dir);
    }
}

/// A socket whose blocking calls give up after 5 s, so the tour can never hang.
fn socket(ctx: &zmq::Context, kind: zmq::SocketType) -> zmq::Result<zmq::Socket> {
    let socket = ctx.socket(kind)?;
    socket.set_rcvtimeo(5000)?;
    socket.set_sndtimeo(5000)?;
    Ok(socket)
}

fn recv_text(socket: &zmq::Socket) -> zmq::Result<String> {
    Ok(match socket.recv_string(0)? {
        Ok(text) => text,
        Err(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
    })
}

fn heading(number: u32, title: &str, what: &str) {
    println!("\n{number} · {title}");
    println!("    {what}");
}

/// One line per transport: `    tcp     <text>`, continuation lines indented to match.
fn row(transport: Transport, lines: &[impl Display]) {
    for (i, line) in lines.iter().enumerate() {
        let label = if i == 0 { transport.name() } else { "" };
        println!("    {label:<7} {line}");
    }
}

fn request_reply(ctx: &zmq::Context, eps: &Endpoints, transport: Transport) -> zmq::Result<()> {
    let server = socket(ctx, zmq::REP)?;
    let endpoint = eps.bind(&server, transport, "reqrep")?;
    let client = socket(ctx, zmq::REQ)?;
    client.connect(&endpoint)?;

    let request = format!("Hello over {}", transport.name());
    client.send(request.as_str(), 0)?;
    let received = recv_text(&server)?;
    server.send(format!("Server received your message: '{received}'"), 0)?;
    let reply = recv_text(&client)?;
    row(
        transport,
        &[
            endpoint,
            format!("REQ sends    '{request}'"),
            format!("REP replies  '{reply}'"),
        ],
    );
    Ok(())
}

fn publish_subscribe(ctx: &zmq::Context, eps: &Endpoints, transport: Transport) -> zmq::Result<()> {
    // An XPUB is a PUB that also sees subscriptions: it lets the publisher wait until the
    // subscriber's filter has arrived (otherwise the first messages could be dropped:
    // the "slow joiner").
    let publisher = socket(ctx, zmq::XPUB)?;
    let endpoint = eps.bind(&publisher, transport, "pubsub")?;
    let subscriber = socket(ctx, zmq::SUB)?;
    subscriber.connect(&endpoint)?;
    subscriber.set_subscribe(b"weather.")?;
    let subscription = publisher.recv_bytes(0)?; // 0x01 + "weather."

    let updates = [
        "weather.paris sunny",
        "sports.tennis 15-0",
        "weather.oslo snow",
    ];
    for update in updates {
        publisher.send(update, 0)?;
    }
    publisher.send("weather.end", 0)?;
    let mut received = Vec::new();
    loop {
        let update = recv_text(&subscriber)?;
        if update == "weather.end" {
            break;
        }
        received.push(format!("'{update}'"));
    }
    row(
        transport,
        &[
            format!(
                "SUB subscribes to '{}'",
                String::from_utf8_lossy(&subscription[1..])
            ),
            format!("PUB publishes  {}", quoted(&updates)),
            format!("SUB receives   {}", received.join(", ")),
        ],
    );
    Ok(())
}

fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|item| format!("'{item}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn push_pull(ctx: &zmq::Context, eps: &Endpoints, transport: Transport) -> zmq::Result<()> {
    const TASKS: usize = 6;
    let ventilator = socket(ctx, zmq::PUSH)?;
    let tasks_endpoint = eps.bind(&ventilator, transport, "tasks")?;
    let sink = socket(ctx, zmq::PULL)?;
    let results_endpoint = eps.bind(&sink, transport, "results")?;

    let workers: Vec<_> = ["A", "B"]
        .into_iter()
        .map(|name| {
            let (ctx, tasks_endpoint, results_endpoint) = (
                ctx.clone(),
                tasks_endpoint.clone(),
                results_endpoint.clone(),
            );
            thread::spawn(move || -> zmq::Result<()> {
                let tasks = socket(&ctx, zmq::PULL)?;
                tasks.connect(&tasks_endpoint)?;
                let results = socket(&ctx, zmq::PUSH)?;
                results.connect(&results_endpoint)?;
                results.send("ready", 0)?;
                for _ in 0..TASKS / 2 {
                    let task: u64 = recv_text(&tasks)?.parse().unwrap_or(0);
                    results.send(format!("{name}:{}", task * task), 0)?;
                }
                Ok(())
            })
        })
        .collect();
    // Both workers are connected once they said so: the PUSH then deals tasks round robin.
    for _ in 0..workers.len() {
        sink.recv_bytes(0)?;
    }
    for task in 1..=TASKS {
        ventilator.send(task.to_string().as_str(), 0)?;
    }
    let mut done = [0, 0];
    let mut total = 0;
    for _ in 0..TASKS {
        let result = recv_text(&sink)?;
        let (worker, square) = result.split_once(':').unwrap_or(("?", "0"));
        done[usize::from(worker == "B")] += 1;
        total += square.parse::<u64>().unwrap_or(0);
    }
    for worker in workers {
        worker.join().expect("worker thread")?;
    }
    row(
        transport,
        &[format!(
            "{TASKS} tasks → worker A did {}, worker B did {} → sink summed the squares: {total}",
            done[0], done[1]
        )],
    );
    Ok(())
}

fn pair(ctx: &zmq::Context, eps: &Endpoints, transport: Transport) -> zmq::Result<()> {
    let left = socket(ctx, zmq::PAIR)?;
    let endpoint = eps.bind(&left, transport, "pair")?;
    let right = socket(ctx, zmq::PAIR)?;
    right.connect(&endpoint)?;
    left.send("ping", 0)?;
    let ping = recv_text(&right)?;
    right.send("pong", 0)?;
    let pong = recv_text(&left)?;
    row(
        transport,
        &[format!("left → right '{ping}', right → left '{pong}'")],
    );
    Ok(())
}

fn dealer_router(ctx: &zmq::Context, eps: &Endpoints, transport: Transport) -> zmq::Result<()> {
    // A ROUTER sees who sent each message (the first frame) and answers that peer only.
    let router = socket(ctx, zmq::ROUTER)?;
    let endpoint = eps.bind(&router, transport, "router")?;
    let mut dealers = Vec::new();
    for id in ["worker-a", "worker-b"] {
        let dealer = socket(ctx, zmq::DEALER)?;
        dealer.set_identity(id.as_bytes())?; // before connect
        dealer.connect(&endpoint)?;
        dealer.send(format!("job for {id}"), 0)?;
        dealers.push((id, dealer));
    }
    let mut heard = Vec::new();
    for _ in 0..dealers.len() {
        let frames = router.recv_multipart(0)?; // [identity, body]
        let (identity, body) = (&frames[0], &frames[frames.len() - 1]);
        let reply = format!("done: {}", String::from_utf8_lossy(body));
        router.send_multipart([&identity[..], reply.as_bytes()], 0)?;
        heard.push(String::from_utf8_lossy(identity).into_owned());
    }
    heard.sort();
    let mut replies = Vec::new();
    for (id, dealer) in &dealers {
        replies.push(format!("{id} got '{}'", recv_text(dealer)?));
    }
    row(
        transport,
        &[
            format!("ROUTER heard from {}", heard.join(" and ")),
            replies.join(", "),
        ],
    );
    Ok(())
}

fn proxy(ctx: &zmq::Context, eps: &Endpoints, transport: Transport) -> zmq::Result<()> {
    // A broker: clients connect to a ROUTER, workers to a DEALER, and a proxy on its own
    // thread shuttles messages between the two until it is told to stop.
    let frontend = ctx.socket(zmq::ROUTER)?;
    let clients_endpoint = eps.bind(&frontend, transport, "proxy-clients")?;
    let backend = ctx.socket(zmq::DEALER)?;
    let workers_endpoint = eps.bind(&backend, transport, "proxy-workers")?;
    let proxy = zmq::proxy::spawn(frontend, backend, None)?;

    let worker = socket(ctx, zmq::REP)?;
    worker.connect(&workers_endpoint)?;
    let client = socket(ctx, zmq::REQ)?;
    client.connect(&clients_endpoint)?;
    client.send("what does a proxy do?", 0)?;
    let request = recv_text(&worker)?;
    worker.send("it forwards", 0)?;
    let reply = recv_text(&client)?;
    let statistics = proxy.statistics()?;
    proxy.terminate()?;
    row(
        transport,
        &[
            format!("REQ → ROUTER ⇄ proxy ⇄ DEALER → REP '{request}' → '{reply}'"),
            format!(
                "the proxy forwarded {} frames, then stopped",
                statistics.frontend_received_frames + statistics.backend_received_frames
            ),
        ],
    );
    Ok(())
}

#[cfg(feature = "draft")]
fn client_server(ctx: &zmq::Context, eps: &Endpoints, transport: Transport) -> zmq::Result<()> {
    use zmq::draft::DraftSocketType::{CLIENT, SERVER};
    // Thread-safe sockets of the draft API: single frames, and the SERVER answers a
    // CLIENT by the routing id each message carries.
    let server = ctx.draft_socket(SERVER)?;
    let endpoint = match transport {
        Transport::Tcp => "tcp://127.0.0.1:*".to_owned(),
        Transport::Ipc => format!("ipc://{}/server.ipc", eps.ipc_dir.display()),
        Transport::Inproc => "inproc://tour-server".to_owned(),
    };
    server.bind(&endpoint)?;
    let endpoint = server.get_last_endpoint()?.unwrap_or(endpoint);
    let client = ctx.draft_socket(CLIENT)?;
    client.connect(&endpoint)?;
    let wait = |socket: &zmq::draft::DraftSocket| match socket.poll(zmq::POLLIN, 5000)? {
        0 => Err(zmq::Error::EAGAIN),
        _ => Ok(()),
    };
    client.send("ping", 0)?;
    wait(&server)?;
    let request = server.recv_msg(0)?;
    let routing_id = request.routing_id().unwrap_or(0);
    server.send_to(routing_id, "pong", 0)?;
    wait(&client)?;
    let reply = client.recv_msg(0)?;
    row(
        transport,
        &[format!(
            "CLIENT sends '{}', SERVER answers routing id {routing_id} with '{}'",
            request.as_str().unwrap_or("?"),
            reply.as_str().unwrap_or("?")
        )],
    );
    Ok(())
}

#[cfg(not(feature = "draft"))]
fn client_server(_: &zmq::Context, _: &Endpoints, transport: Transport) -> zmq::Result<()> {
    row(
        transport,
        &["not in this build: `cargo run --example tour --features draft` runs it"],
    );
    Ok(())
}

fn poller(ctx: &zmq::Context, eps: &Endpoints, transport: Transport) -> zmq::Result<()> {
    let tasks = socket(ctx, zmq::PULL)?;
    let tasks_endpoint = eps.bind(&tasks, transport, "poll-tasks")?;
    let control = socket(ctx, zmq::PULL)?;
    let control_endpoint = eps.bind(&control, transport, "poll-control")?;
    let task_sender = socket(ctx, zmq::PUSH)?;
    task_sender.connect(&tasks_endpoint)?;
    let control_sender = socket(ctx, zmq::PUSH)?;
    control_sender.connect(&control_endpoint)?;

    let mut poller = Poller::new();
    let tasks_token = poller.add(&tasks, zmq::POLLIN);
    let control_token = poller.add(&control, zmq::POLLIN);
    task_sender.send("task 1", 0)?;
    control_sender.send("stop", 0)?;

    let mut seen = Vec::new();
    while seen.len() < 2 {
        if poller.poll(Some(Duration::from_secs(5)))? == 0 {
            return Err(zmq::Error::EAGAIN);
        }
        if poller.is_readable(tasks_token) {
            seen.push(format!("tasks socket had '{}'", recv_text(&tasks)?));
        }
        if poller.is_readable(control_token) {
            seen.push(format!("control socket had '{}'", recv_text(&control)?));
        }
    }
    row(transport, &[seen.join(", ")]);
    Ok(())
}

/// The reference programs' `inproc_asyncio_example.py`, with a thread instead of each
/// coroutine (and without its sleeps).
fn in_process_example(ctx: &zmq::Context) -> zmq::Result<()> {
    const ADDRESS: &str = "inproc://my_async_channel";
    let worker_socket = socket(ctx, zmq::REP)?;
    worker_socket.bind(ADDRESS)?;
    println!("    REP Worker (in-process) started, bound to {ADDRESS}");
    let worker = thread::spawn(move || -> zmq::Result<()> {
        for _ in 0..3 {
            let message = recv_text(&worker_socket)?;
            println!("    REP Worker (in-process) received request: '{message}'");
            let reply = format!("REP Worker (in-process) received and processed: '{message}'");
            worker_socket.send(reply.as_str(), 0)?;
            println!("    REP Worker (in-process) sent reply: '{reply}'");
        }
        Ok(())
    });

    let client = socket(ctx, zmq::REQ)?;
    client.connect(ADDRESS)?;
    println!("    REQ Client (in-process) started, connected to {ADDRESS}");
    for i in 1..=3 {
        let request = format!("In-process request {i}");
        println!("    REQ Client (in-process) sending request: '{request}'");
        client.send(request.as_str(), 0)?;
        let reply = recv_text(&client)?;
        println!("    REQ Client (in-process) received reply: '{reply}'");
    }
    worker.join().expect("worker thread")
}

type Pattern = fn(&zmq::Context, &Endpoints, Transport) -> zmq::Result<()>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let (major, minor, patch) = zmq::version();
    let yes_no = |capability| {
        if zmq::has_capability(capability) {
            "yes"
        } else {
            "no"
        }
    };
    // The draft socket types need libzmq's draft API and this crate's `draft` feature.
    let draft = if !zmq::has_capability("draft") {
        "no"
    } else if cfg!(feature = "draft") {
        "yes"
    } else {
        "in libzmq, not in this build (--features draft)"
    };
    println!(
        "ZeroMQ tour · libzmq {major}.{minor}.{patch} · CURVE {} · draft API {draft}",
        yes_no("curve"),
    );
    println!("The patterns of \"ZeroMQ Practice\" and a few more, each over tcp, ipc and inproc.");

    // One context for the whole program; it runs libzmq's I/O threads. Sockets made after
    // `set_blocky(false)` do not keep the program waiting at exit for undelivered messages.
    let ctx = zmq::Context::new();
    ctx.set_blocky(false)?;
    let eps = Endpoints::new()?;

    let patterns: [(&str, &str, Pattern); 8] = [
        (
            "Request/Reply (REQ/REP)",
            "the classic client/server: REQ sends a request, REP answers it, in lock step",
            request_reply,
        ),
        (
            "Publish/Subscribe (PUB/SUB)",
            "one-to-many: subscribers receive what matches their topic prefixes",
            publish_subscribe,
        ),
        (
            "Push/Pull (PUSH/PULL)",
            "a pipeline: a ventilator deals tasks to workers, a sink collects the results",
            push_pull,
        ),
        (
            "Pair (PAIR)",
            "one exclusive peer, both directions, no pattern logic",
            pair,
        ),
        (
            "Dealer/Router (DEALER/ROUTER)",
            "asynchronous request/reply: the ROUTER knows each peer by its identity",
            dealer_router,
        ),
        (
            "Proxy (ROUTER ⇄ DEALER)",
            "a broker between clients and workers, on a thread of its own, stopped at the end",
            proxy,
        ),
        (
            "Poller",
            "one thread waits on several sockets and learns which are ready",
            poller,
        ),
        (
            "Client/Server (CLIENT/SERVER, draft API)",
            "thread-safe sockets: the SERVER answers each CLIENT by its routing id",
            client_server,
        ),
    ];
    for (number, (title, what, run)) in (1..).zip(patterns) {
        heading(number, title, what);
        for transport in TRANSPORTS {
            run(&ctx, &eps, transport)?;
        }
    }

    heading(
        9,
        "The reference programs' in-process client and worker",
        "its asyncio program, with a thread per coroutine: REQ/REP over inproc",
    );
    in_process_example(&ctx)?;

    println!(
        "\nEvery pattern ran over tcp, ipc and inproc in {} ms.",
        start.elapsed().as_millis()
    );
    println!(
        "Next: `cargo run --example zmq_server`, and `cargo run --example zmq_client` in another terminal."
    );
    Ok(())
}
