//! cargo-fuzz target `z85`: see `zmq_fuzz::z85`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zmq_fuzz::z85(data));
