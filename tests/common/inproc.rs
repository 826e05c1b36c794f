//! Two bounded sockets connected over a fresh inproc endpoint.

use super::{Endpoints, socket};

/// A socket of `bound` kind bound to a new inproc endpoint, and one of `connecting` kind
/// connected to it (both bounded as by [`socket`]).
pub fn connected(
    ctx: &zmq::Context,
    bound: zmq::SocketType,
    connecting: zmq::SocketType,
) -> (zmq::Socket, zmq::Socket) {
    let endpoint = Endpoints::inproc_name();
    let a = socket(ctx, bound);
    a.bind(&endpoint).expect("bind inproc");
    let b = socket(ctx, connecting);
    b.connect(&endpoint).expect("connect inproc");
    (a, b)
}
