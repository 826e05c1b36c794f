//! cargo-fuzz target `zap_request`: see `zmq_fuzz::zap_request`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zmq_fuzz::zap_request(data));
