//! cargo-fuzz target `socket_option`: see `zmq_fuzz::socket_option`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zmq_fuzz::socket_option(data));
