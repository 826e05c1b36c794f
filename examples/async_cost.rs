//! Instructions per message of the tokio adapter against the sync API, for callgrind (a
//! deterministic yardstick on a busy machine, where wall-clock figures wander).
//!
//! One thread, one inproc PUSH -> PULL pair with unlimited high-water marks, so no
//! operation ever waits: each loop below is the pure per-message path (`send` of a 64 B
//! message, `recv_msg`), sync and async (tokio `current_thread`, cooperative budget
//! included). They run in chunks of 1000 messages, sent then received, so the heap is in
//! the same state for all four. Each loop is its own non-inlined function, so callgrind's
//! inclusive cost of the function divided by the count is the cost per message:
//!
//! ```text
//! cargo build --release --example async_cost --features tokio
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cost.cg \
//!     target/release/examples/async_cost 200000
//! callgrind_annotate --inclusive=yes /tmp/cost.cg | grep 'async_cost::'
//! ```
//! Without valgrind it prints wall-clock nanoseconds per message for each loop.

use std::hint::black_box;
use std::time::Instant;

use zmq::rt::tokio::AsyncSocket;

const SIZE: usize = 64;

#[inline(never)]
fn send_sync(push: &zmq::Socket, count: usize) {
    let payload = [7u8; SIZE];
    for _ in 0..count {
        push.send(&payload[..], 0).unwrap();
    }
}

#[inline(never)]
fn recv_sync(pull: &zmq::Socket, count: usize) {
    for _ in 0..count {
        black_box(pull.recv_msg(0).unwrap());
    }
}

#[inline(never)]
fn send_async(rt: &tokio::runtime::Runtime, push: &mut AsyncSocket, count: usize) {
    let payload = [7u8; SIZE];
    rt.block_on(async {
        for _ in 0..count {
            push.send(&payload[..]).await.unwrap();
        }
    });
}

#[inline(never)]
fn recv_async(rt: &tokio::runtime::Runtime, pull: &mut AsyncSocket, count: usize) {
    rt.block_on(async {
        for _ in 0..count {
            black_box(pull.recv_msg().await.unwrap());
        }
    });
}

const CHUNK: usize = 1000;

/// Runs `send` then `recv` on chunks of [`CHUNK`] messages; returns the time each took.
fn chunks(count: usize, mut send: impl FnMut(usize), mut recv: impl FnMut(usize)) -> [f64; 2] {
    let mut spent = [0.0; 2];
    for _ in 0..count / CHUNK {
        let start = Instant::now();
        send(CHUNK);
        spent[0] += start.elapsed().as_secs_f64();
        let start = Instant::now();
        recv(CHUNK);
        spent[1] += start.elapsed().as_secs_f64();
    }
    spent
}

fn main() {
    let count: usize = match std::env::args().nth(1).as_deref() {
        None => 200_000,
        Some("--help" | "-h") => {
            println!("usage: async_cost [COUNT]   (messages per loop, default 200000)");
            return;
        }
        Some(n) => n.parse().unwrap_or_else(|_| {
            eprintln!("async_cost: COUNT must be a number, not {n:?}");
            std::process::exit(2);
        }),
    };
    let ctx = zmq::Context::new();
    let pull = ctx.socket(zmq::PULL).unwrap();
    pull.set_rcvhwm(0).unwrap();
    pull.bind("inproc://async-cost").unwrap();
    let push = ctx.socket(zmq::PUSH).unwrap();
    push.set_sndhwm(0).unwrap();
    push.connect("inproc://async-cost").unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // Warm up (first pipe allocations), then measure.
    chunks(10 * CHUNK, |n| send_sync(&push, n), |n| recv_sync(&pull, n));
    let sync = chunks(count, |n| send_sync(&push, n), |n| recv_sync(&pull, n));
    let mut push = AsyncSocket::new(push).unwrap();
    let mut pull = AsyncSocket::new(pull).unwrap();
    let asyn = chunks(
        count,
        |n| send_async(&rt, &mut push, n),
        |n| recv_async(&rt, &mut pull, n),
    );
    let ns = |secs: f64| secs * 1e9 / (count / CHUNK * CHUNK) as f64;
    println!("ns/message  sync  async  (wall clock; use callgrind for a steady figure)");
    println!("send      {:>6.1} {:>6.1}", ns(sync[0]), ns(asyn[0]));
    println!("recv      {:>6.1} {:>6.1}", ns(sync[1]), ns(asyn[1]));
}
