//! [`MonitorStream`]: a socket's monitor events as a typed async `Stream`.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::monitor::{Event, Events, Monitor, MonitorEvent};
use crate::rt::{AsyncSocket, Runtime};
use crate::{Error, Result, Socket};

/// The monitor events of a socket, as a [`Stream`] of [`MonitorEvent`]s (decoded by
/// [`MonitorEvent::decode`]). It ends after `MonitorStopped` or when the context ends.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> zmq::Result<()> {
/// use futures::StreamExt;
/// use zmq::monitor::{Event, Events};
///
/// let ctx = zmq::Context::new();
/// let server = ctx.socket(zmq::REP)?;
/// let mut events = zmq::rt::tokio::MonitorStream::new(&server, Events::LISTENING)?;
/// server.bind("tcp://127.0.0.1:*")?;
/// let event = events.next().await.unwrap()?;
/// assert!(matches!(event.event, Event::Listening { .. }));
/// # Ok(())
/// # }
/// ```
pub struct MonitorStream<R: Runtime> {
    socket: AsyncSocket<R>,
    endpoint: String,
    stopped: bool,
}

impl<R: Runtime> MonitorStream<R> {
    /// Starts monitoring `target` for `events` (see [`Monitor::new`]).
    ///
    /// # Errors
    /// Those of [`Monitor::new`].
    pub fn new(target: &Socket, events: Events) -> Result<MonitorStream<R>> {
        let monitor = Monitor::new(target, events)?;
        let endpoint = monitor.endpoint().to_owned();
        Ok(MonitorStream {
            socket: AsyncSocket::new(monitor.into_socket())?,
            endpoint,
            stopped: false,
        })
    }

    /// The inproc endpoint libzmq publishes the events on.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The next event. Cancel safe.
    ///
    /// # Errors
    /// `EPROTO` for a message that is not a monitor event; `ETERM` once the stream ended.
    pub async fn recv(&mut self) -> Result<MonitorEvent> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Result<MonitorEvent>> {
        if self.stopped {
            return Poll::Ready(Err(Error::ETERM));
        }
        let parts = match self.socket.poll_recv(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(err)) => {
                self.stopped = err == Error::ETERM;
                return Poll::Ready(Err(err));
            }
            Poll::Ready(Ok(parts)) => parts,
        };
        let event = match parts.as_slice() {
            [event, endpoint] => MonitorEvent::decode(event, endpoint),
            _ => Err(Error::EPROTO),
        };
        if let Ok(MonitorEvent {
            event: Event::MonitorStopped,
            ..
        }) = &event
        {
            self.stopped = true;
        }
        Poll::Ready(event)
    }
}

impl<R: Runtime> Stream for MonitorStream<R> {
    type Item = Result<MonitorEvent>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.stopped {
            return Poll::Ready(None);
        }
        match this.poll_event(cx) {
            Poll::Ready(Err(Error::ETERM)) => Poll::Ready(None),
            other => other.map(Some),
        }
    }
}

impl<R: Runtime> std::fmt::Debug for MonitorStream<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonitorStream")
            .field("socket", &self.socket)
            .field("endpoint", &self.endpoint)
            .field("stopped", &self.stopped)
            .finish()
    }
}
