//! cargo-fuzz target `zmtp_bytes`: see `zmq_fuzz::zmtp_bytes`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zmq_fuzz::zmtp_bytes(data));
