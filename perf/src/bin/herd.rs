//! `herd`: a reconnect herd. N DEALER clients are connected to a ROUTER broker over tcp;
//! the broker closes, stays down for `--down-ms`, and binds the same port again. Prints
//! how the clients' reconnections are spread in time, as the broker accepts them.
//!
//! ```text
//! herd [--clients N] [--down-ms MS] [--ivl-max MS] [--jitter SPREAD_MS] [--limit SECONDS]
//! ```
//! `--ivl-max` sets `ZMQ_RECONNECT_IVL_MAX` on the clients (a back-off; 0, libzmq's
//! default, is none); `--jitter` applies `zmq::tuning::reconnect_jitter(socket, 100 ms,
//! SPREAD)`. Output, one line:
//! `herd clients=500 ivl_max=5000 jitter=0 first_ms=.. p50_ms=.. last_ms=.. spread_ms=..
//! peak_per_10ms=..` (times after the new bind).

use std::time::{Duration, Instant};

use zmq::monitor::{Event, Events, Monitor};

fn usage(problem: &str) -> ! {
    eprintln!(
        "herd: {problem}\nusage: herd [--clients N] [--down-ms MS] [--ivl-max MS] \
         [--jitter SPREAD_MS] [--limit SECONDS]"
    );
    std::process::exit(2);
}

fn or_die<T>(what: &str, result: zmq::Result<T>) -> T {
    result.unwrap_or_else(|err| {
        eprintln!("herd: {what}: {err}");
        std::process::exit(1)
    })
}

/// Binds a ROUTER at `endpoint` with a monitor on its accepts, retrying while the port
/// is still being released.
fn broker(ctx: &zmq::Context, endpoint: &str) -> (zmq::Socket, Monitor) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let router = or_die("socket", ctx.socket(zmq::ROUTER));
        or_die("set_linger", router.set_linger(0));
        let monitor = or_die("monitor", Monitor::new(&router, Events::ACCEPTED));
        match router.bind(endpoint) {
            Ok(()) => return (router, monitor),
            Err(zmq::Error::EADDRINUSE) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5))
            }
            Err(err) => or_die("bind", Err(err)),
        }
    }
}

/// Waits for `count` accepts; returns their times after `since`, in ms.
fn accepts(monitor: &Monitor, count: usize, since: Instant, limit: Duration) -> Vec<f64> {
    let mut times = Vec::with_capacity(count);
    let deadline = Instant::now() + limit;
    while times.len() < count {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            eprintln!("herd: only {} of {count} clients came back", times.len());
            std::process::exit(1);
        }
        if let Some(event) = or_die("monitor recv", monitor.recv_timeout(left)) {
            if matches!(event.event, Event::Accepted { .. }) {
                times.push(since.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    times
}

fn main() {
    let (mut clients, mut down_ms, mut ivl_max, mut jitter, mut limit) = (500, 1000, 0, 0, 60);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value: u64 = it
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| usage(&format!("{flag} needs a number")));
        match flag.as_str() {
            "--clients" => clients = value as usize,
            "--down-ms" => down_ms = value,
            "--ivl-max" => ivl_max = value as i32,
            "--jitter" => jitter = value,
            "--limit" => limit = value,
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    if clients == 0 {
        usage("--clients must be at least 1");
    }
    let limit = Duration::from_secs(limit);
    let broker_ctx = zmq::Context::new();
    let client_ctx = zmq::Context::new();
    let room = i32::try_from(clients + 16).unwrap_or(i32::MAX).max(1023);
    or_die("set_max_sockets", broker_ctx.set_max_sockets(room));
    or_die("set_max_sockets", client_ctx.set_max_sockets(room));

    let (router, monitor) = broker(&broker_ctx, "tcp://127.0.0.1:*");
    let endpoint = or_die("last endpoint", router.get_last_endpoint())
        .unwrap_or_else(|_| usage("endpoint not UTF-8"));
    let mut sockets = Vec::with_capacity(clients);
    for _ in 0..clients {
        let dealer = or_die("socket", client_ctx.socket(zmq::DEALER));
        or_die("set_linger", dealer.set_linger(0));
        if ivl_max > 0 {
            or_die(
                "set_reconnect_ivl_max",
                dealer.set_reconnect_ivl_max(ivl_max),
            );
        }
        if jitter > 0 {
            or_die(
                "reconnect_jitter",
                zmq::tuning::reconnect_jitter(
                    &dealer,
                    Duration::from_millis(100),
                    Duration::from_millis(jitter),
                ),
            );
        }
        or_die("connect", dealer.connect(&endpoint));
        sockets.push(dealer);
    }
    accepts(&monitor, clients, Instant::now(), limit);

    // The restart.
    drop(monitor);
    drop(router);
    std::thread::sleep(Duration::from_millis(down_ms));
    let (_router, monitor) = broker(&broker_ctx, &endpoint);
    let mut times = accepts(&monitor, clients, Instant::now(), limit);
    times.sort_by(f64::total_cmp);
    let peak = times
        .iter()
        .enumerate()
        .map(|(i, &t)| times[i..].iter().take_while(|&&u| u < t + 10.0).count())
        .max()
        .unwrap_or(0);
    println!(
        "herd clients={clients} down_ms={down_ms} ivl_max={ivl_max} jitter={jitter} \
         first_ms={:.0} p50_ms={:.0} last_ms={:.0} spread_ms={:.0} peak_per_10ms={peak}",
        times[0],
        times[times.len() / 2],
        times[times.len() - 1],
        times[times.len() - 1] - times[0]
    );
}
