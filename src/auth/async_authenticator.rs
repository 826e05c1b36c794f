//! [`AsyncAuthenticator`]: the ZAP handler as a tokio task, like pyzmq's
//! `AsyncioAuthenticator`.

use std::fmt;
use std::ops::Deref;

use super::config::{AuthConfig, AuthError};
use super::policy::{refusal_frames, refuse_pending};
use super::zap::ZAP_ENDPOINT;
use crate::rt::tokio::AsyncSocket;
use crate::{Context, Error, REP};

/// A ZAP authenticator running as a task on the current tokio runtime, for programs that
/// are async already. It is configured like [`Authenticator`](super::Authenticator)
/// (both dereference to [`AuthConfig`]) and answers the same way.
///
/// Callbacks ([`AuthConfig::configure_callback`]) run on the runtime: keep them quick
/// and non-blocking, or use the thread-based [`Authenticator`](super::Authenticator).
///
/// When it stops ([`stop`](Self::stop), drop, the runtime or the context ending) it
/// refuses the requests still queued at it, and afterwards CURVE servers fall back to
/// libzmq's let-anyone-in default unless they fail closed, as the
/// [`Authenticator`](super::Authenticator) explains.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use zmq::auth::AsyncAuthenticator;
///
/// let ctx = zmq::Context::new();
/// let mut auth = AsyncAuthenticator::start(&ctx).unwrap();
/// auth.configure_plain("*", [("admin", "secret")]);
/// // ... PLAIN servers of `ctx` now check their clients against it ...
/// auth.stop().await;
/// # }
/// ```
pub struct AsyncAuthenticator {
    config: AuthConfig,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl AsyncAuthenticator {
    /// Binds the ZAP endpoint in `ctx` and spawns the handler task on the current tokio
    /// runtime.
    ///
    /// # Panics
    /// When called outside a tokio runtime (as `tokio::spawn` does).
    ///
    /// # Errors
    /// [`AuthError::Bind`] with `EADDRINUSE` when another handler runs in the context;
    /// `ETERM` after the context was shut down.
    pub fn start(ctx: &Context) -> Result<AsyncAuthenticator, AuthError> {
        let zap = ctx.socket(REP)?;
        zap.set_linger(0)?;
        zap.bind_endpoint(ZAP_ENDPOINT).map_err(AuthError::Bind)?;
        let zap = AsyncSocket::new(zap)?;
        let config = AuthConfig::default();
        let task = tokio::spawn(serve(zap, config.clone()));
        Ok(AsyncAuthenticator {
            config,
            task: Some(task),
        })
    }

    /// Whether the handler task is still running.
    pub fn is_running(&self) -> bool {
        self.task.as_ref().is_some_and(|task| !task.is_finished())
    }

    /// Stops the handler task and waits until it has closed the ZAP socket (which
    /// unbinds the endpoint). Calling it again does nothing.
    pub async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Deref for AsyncAuthenticator {
    type Target = AuthConfig;

    /// The configuration methods (`allow`, `configure_curve`, ...).
    fn deref(&self) -> &AuthConfig {
        &self.config
    }
}

impl Drop for AsyncAuthenticator {
    /// Cancels the task; its socket is closed when the runtime drops it.
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl fmt::Debug for AsyncAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncAuthenticator")
            .field("running", &self.is_running())
            .field("requests", &self.request_count())
            .finish()
    }
}

/// When the task ends, even when it is cancelled: refuses the request it was answering,
/// if its reply had not gone yet, and those still queued (their handshakes would wait for
/// their timeout), then unbinds the ZAP endpoint (closing alone frees it only once
/// libzmq's reaper gets to it).
struct Unbind {
    zap: AsyncSocket,
    /// The request being answered (its frames), until its reply is sent.
    answering: Option<Vec<Vec<u8>>>,
}

impl Drop for Unbind {
    fn drop(&mut self) {
        let zap = self.zap.get_ref();
        if let Some(request) = self.answering.take() {
            // Cancelled before the reply went (a send that had to wait): the REP socket
            // owes this reply before it can take the next request.
            let _ = zap.send_multipart(refusal_frames(&request), crate::DONTWAIT);
        }
        refuse_pending(zap);
        let _ = zap.unbind(ZAP_ENDPOINT);
    }
}

/// The handler task: answer ZAP requests until cancelled or the context ends.
async fn serve(zap: AsyncSocket, config: AuthConfig) {
    let mut guard = Unbind {
        zap,
        answering: None,
    };
    loop {
        let frames = match guard.zap.recv_multipart().await {
            Ok(frames) => frames,
            Err(Error::EAGAIN | Error::EINTR) => continue,
            Err(_) => return, // ETERM: the context is going away
        };
        let reply = config.answer(&frames);
        guard.answering = Some(frames);
        let sent = guard.zap.send_multipart(reply).await;
        guard.answering = None;
        match sent {
            Ok(()) | Err(Error::EAGAIN | Error::EINTR | Error::EHOSTUNREACH) => {}
            Err(_) => return,
        }
    }
}
