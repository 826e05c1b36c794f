//! cargo-fuzz target `certificate`: see `zmq_fuzz::certificate`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zmq_fuzz::certificate(data));
