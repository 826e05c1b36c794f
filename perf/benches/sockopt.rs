//! Socket option get/set: the cost of the option table's encoding on top of
//! `zmq_getsockopt`/`zmq_setsockopt`.
//!
//! `cargo bench -p zmq-perf --bench sockopt`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};

fn options(c: &mut Criterion) {
    let ctx = zmq::Context::new();
    let socket = ctx.socket(zmq::DEALER).unwrap();
    socket.bind("inproc://bench-sockopt").unwrap();
    let mut group = c.benchmark_group("sockopt");
    group.bench_function("get_sndhwm (i32)", |b| {
        b.iter(|| socket.get_sndhwm().unwrap())
    });
    group.bench_function("set_sndhwm (i32)", |b| {
        b.iter(|| socket.set_sndhwm(black_box(1000)).unwrap())
    });
    group.bench_function("get_events", |b| b.iter(|| socket.get_events().unwrap()));
    group.bench_function("get_rcvmore", |b| b.iter(|| socket.get_rcvmore().unwrap()));
    group.bench_function("get_rcvtimeo_duration (timeout)", |b| {
        b.iter(|| socket.get_rcvtimeo_duration().unwrap())
    });
    group.bench_function("get_identity (bytes)", |b| {
        b.iter(|| socket.get_identity().unwrap())
    });
    group.bench_function("set_identity (bytes)", |b| {
        b.iter(|| socket.set_identity(black_box(b"bench-id")).unwrap())
    });
    group.bench_function("get_last_endpoint (string)", |b| {
        b.iter(|| socket.get_last_endpoint().unwrap())
    });
    group.finish();
}

criterion_group!(benches, options);
criterion_main!(benches);
