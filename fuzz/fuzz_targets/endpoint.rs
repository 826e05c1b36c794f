//! cargo-fuzz target `endpoint`: see `zmq_fuzz::endpoint`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zmq_fuzz::endpoint(data));
