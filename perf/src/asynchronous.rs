//! The tools on the tokio adapter (`zmq::tokio`).

use crate::{fail, Args, Tool};

/// Runs `tool` on the tokio adapter.
pub fn run(tool: Tool, args: &Args) {
    let _ = args;
    fail(
        tool.name(),
        "--async: the tokio adapter has not landed on this branch yet",
    );
}
