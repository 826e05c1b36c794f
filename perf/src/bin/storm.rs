//! `storm`: a connection storm. N async DEALERs connect at once to one async ROUTER over
//! tcp on 127.0.0.1 and each does K round trips; prints the wall time from the first
//! connect to the last reply.
//!
//! ```text
//! storm [--clients N] [--round-trips K] [--backlog B] [--curve] [--limit SECONDS]
//! ```
//! Without `--backlog` the ROUTER keeps the backlog this crate gives new sockets (see
//! docs/scale-limits.md); `--backlog 100` is libzmq's own default, the "before" figure.
//! Output, one line: `storm clients=2000 round_trips=5 backlog=4096 curve=no wall_s=0.61
//! round_trips_per_s=16393`. Exits non-zero when the run does not finish within
//! `--limit` seconds (default 120).

use std::time::{Duration, Instant};

use zmq::rt::tokio::AsyncSocket;

struct Args {
    clients: usize,
    round_trips: usize,
    backlog: Option<i32>,
    curve: bool,
    limit: Duration,
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "storm: {problem}\nusage: storm [--clients N] [--round-trips K] [--backlog B] \
         [--curve] [--limit SECONDS]"
    );
    std::process::exit(2);
}

fn parse_args() -> Args {
    let mut args = Args {
        clients: 2000,
        round_trips: 5,
        backlog: None,
        curve: false,
        limit: Duration::from_secs(120),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| -> u64 {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| usage(&format!("{name} needs a number")))
        };
        match flag.as_str() {
            "--clients" => args.clients = value("--clients") as usize,
            "--round-trips" => args.round_trips = value("--round-trips") as usize,
            "--backlog" => {
                args.backlog = Some(
                    i32::try_from(value("--backlog"))
                        .unwrap_or_else(|_| usage("--backlog is too large")),
                )
            }
            "--limit" => args.limit = Duration::from_secs(value("--limit")),
            "--curve" => args.curve = true,
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    args
}

fn or_die<T>(what: &str, result: zmq::Result<T>) -> T {
    result.unwrap_or_else(|err| {
        eprintln!("storm: {what}: {err}");
        std::process::exit(1)
    })
}

async fn serve(mut router: AsyncSocket) {
    loop {
        match router.recv_multipart().await {
            Ok(message) => {
                if router.send_multipart(message).await.is_err() {
                    return;
                }
            }
            Err(_) => return,
        }
    }
}

async fn client(mut dealer: AsyncSocket, round_trips: usize) -> zmq::Result<()> {
    for n in 0..round_trips {
        dealer.send(n.to_string()).await?;
        let reply = dealer.recv_string().await?;
        if reply.as_deref() != Ok(n.to_string().as_str()) {
            return Err(zmq::Error::EPROTO);
        }
    }
    Ok(())
}

fn main() {
    let args = parse_args();
    let ctx = zmq::Context::new();
    // Each client is one socket; the ROUTER and the spare make two more.
    let wanted = i32::try_from(args.clients + 16).unwrap_or(i32::MAX);
    or_die(
        "set_max_sockets",
        ctx.set_max_sockets(wanted.max(ctx.get_max_sockets().unwrap_or(1023))),
    );
    let router = or_die("socket", ctx.socket(zmq::ROUTER));
    or_die("set_linger", router.set_linger(0));
    if let Some(backlog) = args.backlog {
        or_die("set_backlog", router.set_backlog(backlog));
    }
    let backlog = or_die("get_backlog", router.get_backlog());
    let keys = args
        .curve
        .then(|| or_die("curve keypair", zmq::CurveKeyPair::new()));
    if let Some(keys) = &keys {
        or_die("set_curve_server", router.set_curve_server(true));
        or_die(
            "set_curve_secretkey",
            router.set_curve_secretkey(&keys.secret_key),
        );
    }
    or_die("bind", router.bind("tcp://127.0.0.1:*"));
    let endpoint = or_die("last endpoint", router.get_last_endpoint())
        .unwrap_or_else(|_| usage("endpoint not UTF-8"));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|err| {
            eprintln!("storm: tokio runtime: {err}");
            std::process::exit(1)
        });
    let outcome = runtime.block_on(async {
        let router = or_die("AsyncSocket", AsyncSocket::new(router));
        tokio::spawn(serve(router));
        let mut dealers = Vec::with_capacity(args.clients);
        for _ in 0..args.clients {
            let dealer = or_die("socket", ctx.socket(zmq::DEALER));
            or_die("set_linger", dealer.set_linger(0));
            if let Some(keys) = &keys {
                let client_keys = or_die("curve keypair", zmq::CurveKeyPair::new());
                or_die("curve", dealer.set_curve_serverkey(&keys.public_key));
                or_die("curve", dealer.set_curve_publickey(&client_keys.public_key));
                or_die("curve", dealer.set_curve_secretkey(&client_keys.secret_key));
            }
            dealers.push(dealer);
        }
        // The storm: every client connects at once, then all do their round trips.
        let start = Instant::now();
        let mut tasks = Vec::with_capacity(args.clients);
        for dealer in dealers {
            or_die("connect", dealer.connect(&endpoint));
            let dealer = or_die("AsyncSocket", AsyncSocket::new(dealer));
            tasks.push(tokio::spawn(client(dealer, args.round_trips)));
        }
        let all = async {
            for task in tasks {
                match task.await {
                    Ok(Ok(())) => {}
                    Ok(Err(err)) => return Err(format!("a client failed: {err}")),
                    Err(err) => return Err(format!("a client task failed: {err}")),
                }
            }
            Ok(start.elapsed())
        };
        match tokio::time::timeout(args.limit, all).await {
            Ok(result) => result,
            Err(_) => Err(format!("not finished within {:?}", args.limit)),
        }
    });
    match outcome {
        Ok(wall) => {
            let total = (args.clients * args.round_trips) as f64;
            println!(
                "storm clients={} round_trips={} backlog={} curve={} wall_s={:.2} \
                 round_trips_per_s={:.0}",
                args.clients,
                args.round_trips,
                backlog,
                if args.curve { "yes" } else { "no" },
                wall.as_secs_f64(),
                total / wall.as_secs_f64()
            );
            // The runtime's tasks hold sockets; drop them before the context.
            drop(runtime);
        }
        Err(problem) => {
            eprintln!("storm: {problem}");
            std::process::exit(1);
        }
    }
}
