//! Message construction: copying a borrowed payload vs handing over an owned buffer.
//!
//! `cargo bench -p zmq-perf --bench message`. The owned buffers are made in the untimed
//! setup, so `zero-copy` times only the hand-over (and the free when the message is
//! dropped).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

const SIZES: [usize; 4] = [64, 1024, 65536, 1 << 20];

fn construction(c: &mut Criterion) {
    for size in SIZES {
        let mut group = c.benchmark_group(format!("message/{size}B"));
        group.throughput(Throughput::Bytes(size as u64));
        let payload = vec![0xA5u8; size];
        group.bench_function("copy from &[u8]", |b| {
            b.iter(|| zmq::Message::from(black_box(&payload[..])))
        });
        group.bench_function("zero-copy from Vec<u8>", |b| {
            b.iter_batched(
                || payload.clone(),
                zmq::Message::from,
                BatchSize::SmallInput,
            )
        });
        group.bench_function("with_size (zeroed)", |b| {
            b.iter(|| zmq::Message::with_size(black_box(size)))
        });
        group.finish();
    }
    c.bench_function("message/new (empty)", |b| b.iter(zmq::Message::new));
}

criterion_group!(benches, construction);
criterion_main!(benches);
