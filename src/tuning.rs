//! Presets of libzmq settings for throughput (work in progress).

use crate::{Context, Result, Socket};

/// Tunes a context (before its first socket).
pub fn tune_context(ctx: &Context) -> Result<()> {
    let _ = ctx;
    Ok(())
}

/// Tunes a socket (before bind/connect).
pub fn tune_socket(socket: &Socket) -> Result<()> {
    let _ = socket;
    Ok(())
}
