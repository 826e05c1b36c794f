//! Draft socket types of libzmq 4.3.5 (SERVER/CLIENT, RADIO/DISH, SCATTER/GATHER,
//! PEER/CHANNEL), behind the `draft` feature.
//!
//! Work in progress.
