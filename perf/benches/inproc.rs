//! Send + receive over inproc, in one thread: what the binding and libzmq's pipes cost
//! per message, without any network or thread hand-off.
//!
//! `cargo bench -p zmq-perf --bench inproc`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn pair(ctx: &zmq::Context, name: &str) -> (zmq::Socket, zmq::Socket) {
    let a = ctx.socket(zmq::PAIR).unwrap();
    a.bind(name).unwrap();
    let b = ctx.socket(zmq::PAIR).unwrap();
    b.connect(name).unwrap();
    (a, b)
}

fn send_recv(c: &mut Criterion) {
    let ctx = zmq::Context::new();
    let mut group = c.benchmark_group("inproc send+recv");
    group.throughput(Throughput::Elements(1));
    for size in [64usize, 1024] {
        let (a, b) = pair(&ctx, &format!("inproc://bench-1-{size}"));
        let payload = vec![1u8; size];
        let mut msg = zmq::Message::new();
        group.bench_function(format!("1 frame, {size} B, copied in"), |bench| {
            bench.iter(|| {
                a.send(&payload[..], 0).unwrap();
                b.recv(&mut msg, 0).unwrap();
            })
        });
        group.bench_function(format!("1 frame, {size} B, one message reused"), |bench| {
            let mut out = zmq::Message::from(&payload[..]);
            bench.iter(|| {
                a.send(&mut out, 0).unwrap();
                b.recv(&mut out, 0).unwrap();
            })
        });
        group.bench_function(
            format!("3 frames, {size} B each, send_multipart"),
            |bench| {
                let parts = [&payload[..], &payload[..], &payload[..]];
                bench.iter(|| {
                    a.send_multipart(parts, 0).unwrap();
                    for _ in 0..3 {
                        b.recv(&mut msg, 0).unwrap();
                    }
                })
            },
        );
        group.bench_function(
            format!("3 frames, {size} B each, recv_multipart"),
            |bench| {
                let parts = [&payload[..], &payload[..], &payload[..]];
                bench.iter(|| {
                    a.send_multipart(parts, 0).unwrap();
                    b.recv_multipart(0).unwrap()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, send_recv);
criterion_main!(benches);
