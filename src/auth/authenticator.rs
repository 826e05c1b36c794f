//! [`Authenticator`]: a ZAP handler on its own thread, configured like pyzmq's
//! `ThreadAuthenticator`.

use std::fmt;
use std::ops::Deref;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use super::config::{AuthConfig, AuthError};
use super::policy::refuse_pending;
use super::zap::ZAP_ENDPOINT;
use crate::{Context, Error, PAIR, REP, Socket};

/// A ZAP authenticator (ZeroMQ RFC 27) running on its own thread: it binds
/// `inproc://zeromq.zap.01` in a context, and libzmq asks it about every PLAIN and CURVE
/// handshake of that context's sockets (and NULL ones whose socket sets a ZAP domain).
///
/// It fails closed: a mechanism with nothing configured is refused. Configure it with
/// the names pyzmq's `ThreadAuthenticator` uses:
/// - [`allow`](AuthConfig::allow) or [`deny`](AuthConfig::deny) addresses (not both);
/// - [`configure_plain`](AuthConfig::configure_plain) with user names and passwords;
/// - [`configure_curve`](AuthConfig::configure_curve) with a directory of public certificates
///   or a set of keys, [`configure_curve_callback`](AuthConfig::configure_curve_callback), or
///   explicitly [`configure_curve_allow_any`](AuthConfig::configure_curve_allow_any);
/// - [`configure_callback`](AuthConfig::configure_callback) to decide every request of a domain
///   yourself, with a user id and metadata for the peer's messages.
///
/// Domains are matched exactly; a server socket that sets no ZAP domain
/// ([`Socket::set_zap_domain`]) is looked up as `"*"`, the default domain.
///
/// The thread stops on [`stop`](Self::stop), when the `Authenticator` is dropped, or
/// when the context is shut down. Its sockets keep the context alive until then. As it
/// stops, it refuses the requests still queued at it.
///
/// **Without any authenticator, a CURVE server lets in every client that knows its
/// public key** (libzmq's default), and that includes the time after this one stops or
/// is dropped. Run an authenticator in the server's context to restrict clients; it lets
/// in any CURVE client only after `configure_curve_allow_any`. To fail closed when no
/// authenticator runs, give the CURVE server socket a ZAP domain
/// ([`Socket::set_zap_domain`]) and, with the `draft` feature,
/// `set_zap_enforce_domain(true)`: then a client is refused while no handler runs.
/// (Enforcing without a domain does the opposite, see that option.)
///
/// ```
/// use zmq::auth::{Authenticator, CurveKeys};
///
/// let ctx = zmq::Context::new();
/// let auth = Authenticator::start(&ctx).unwrap();
/// let client_keys = zmq::CurveKeyPair::new().unwrap();
/// auth.configure_curve("*", CurveKeys::Keys(vec![client_keys.public_key])).unwrap();
///
/// let server_keys = zmq::CurveKeyPair::new().unwrap();
/// let server = ctx.socket(zmq::REP).unwrap();
/// server.set_curve_server(true).unwrap();
/// server.set_curve_secretkey(&server_keys.secret_key).unwrap();
/// server.bind("tcp://127.0.0.1:*").unwrap();
///
/// let client = ctx.socket(zmq::REQ).unwrap();
/// client.set_curve_serverkey(&server_keys.public_key).unwrap();
/// client.set_curve_publickey(&client_keys.public_key).unwrap();
/// client.set_curve_secretkey(&client_keys.secret_key).unwrap();
/// client.connect(&server.get_last_endpoint().unwrap().unwrap()).unwrap();
/// client.send("hello", 0).unwrap();
///
/// let msg = server.recv_msg(0).unwrap();
/// assert_eq!(&msg[..], b"hello");
/// assert_eq!(msg.user_id(), Some(client_keys.public_key_z85().as_bytes()));
/// ```
pub struct Authenticator {
    config: AuthConfig,
    /// Our end of the control pair and the thread; `None` once stopped.
    running: Mutex<Option<(Socket, JoinHandle<()>)>>,
}

static NEXT_CONTROL: AtomicU64 = AtomicU64::new(0);

impl Authenticator {
    /// Binds the ZAP endpoint in `ctx` and starts the handler thread. Until configured it
    /// refuses PLAIN and CURVE peers and lets NULL ones in (subject to
    /// [`allow`](AuthConfig::allow)/[`deny`](AuthConfig::deny)).
    ///
    /// # Errors
    /// [`AuthError::Bind`] with `EADDRINUSE` when another handler runs in the context;
    /// `ETERM` after the context was shut down.
    pub fn start(ctx: &Context) -> Result<Authenticator, AuthError> {
        let zap = ctx.socket(REP)?;
        zap.set_linger(0)?;
        zap.set_sndtimeo(1000)?;
        zap.bind_endpoint(ZAP_ENDPOINT).map_err(AuthError::Bind)?;

        let control_endpoint = format!(
            "inproc://zmq-rs-auth-control-{}-{}",
            std::process::id(),
            NEXT_CONTROL.fetch_add(1, Ordering::Relaxed)
        );
        let thread_end = ctx.socket(PAIR)?;
        thread_end.set_linger(0)?;
        thread_end.bind(&control_endpoint)?;
        let our_end = ctx.socket(PAIR)?;
        our_end.set_linger(0)?;
        our_end.connect(&control_endpoint)?;

        let config = AuthConfig::default();
        let thread = {
            let config = config.clone();
            std::thread::Builder::new()
                .name("zmq-auth".into())
                .spawn(move || {
                    serve(&zap, &thread_end, &config);
                    // Closing alone frees the endpoint only once libzmq's reaper gets
                    // to it; unbinding frees it now, so a new handler can start at once.
                    let _ = zap.unbind(ZAP_ENDPOINT);
                })
                .map_err(|_| AuthError::Zmq(Error::EMTHREAD))?
        };
        Ok(Authenticator {
            config,
            running: Mutex::new(Some((our_end, thread))),
        })
    }

    /// Whether the handler thread is still running.
    pub fn is_running(&self) -> bool {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        running
            .as_ref()
            .is_some_and(|(_, thread)| !thread.is_finished())
    }

    /// Stops the handler thread and unbinds the ZAP endpoint (another handler may bind
    /// it as soon as this returns); waits for the thread. Requests queued when it stops
    /// are refused (their handshakes would otherwise wait for their timeout).
    /// Handshakes that need ZAP afterwards fail (PLAIN) or, for CURVE, fall back to
    /// libzmq's let-anyone-in default unless the server fails closed (a ZAP domain and
    /// `set_zap_enforce_domain(true)`, see [`Authenticator`]). Dropping the
    /// `Authenticator` does the same. Calling it again does nothing.
    pub fn stop(&self) {
        let running = self
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some((control, thread)) = running {
            // If the context is shut down the thread is already leaving; either way it
            // ends, and only then is our end of the pair closed.
            let _ = control.send("STOP", crate::DONTWAIT);
            let _ = thread.join();
            drop(control);
        }
    }
}

impl Deref for Authenticator {
    type Target = AuthConfig;

    /// The configuration methods (`allow`, `configure_curve`, ...).
    fn deref(&self) -> &AuthConfig {
        &self.config
    }
}

impl Drop for Authenticator {
    fn drop(&mut self) {
        self.stop();
    }
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("running", &self.is_running())
            .field("requests", &self.request_count())
            .finish()
    }
}

/// The handler loop: answer ZAP requests until told to stop or the context ends.
fn serve(zap: &Socket, control: &Socket, config: &AuthConfig) {
    loop {
        let mut items = [
            zap.as_poll_item(crate::POLLIN),
            control.as_poll_item(crate::POLLIN),
        ];
        match crate::poll(&mut items, -1) {
            Ok(_) => {}
            Err(Error::EINTR) => continue,
            Err(_) => return, // ETERM: the context is going away
        }
        if items[1].is_readable() {
            refuse_pending(zap);
            return;
        }
        if !items[0].is_readable() {
            continue;
        }
        let frames = match zap.recv_multipart(crate::DONTWAIT) {
            Ok(frames) => frames,
            Err(Error::EAGAIN | Error::EINTR) => continue,
            Err(_) => return,
        };
        let reply = config.answer(&frames);
        match zap.send_multipart(reply, 0) {
            Ok(()) | Err(Error::EAGAIN | Error::EINTR | Error::EHOSTUNREACH) => {}
            Err(_) => return,
        }
    }
}
