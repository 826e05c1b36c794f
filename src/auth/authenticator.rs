//! [`Authenticator`]: a ZAP handler on its own thread, configured like pyzmq's
//! `ThreadAuthenticator`.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;

use super::cert::{load_public_keys, CertError};
use super::policy::{reply_frames, AddressRule, CurveRule, Decision, Policy};
use super::zap::{ZapRequest, ZAP_ENDPOINT};
use crate::error::EndpointError;
use crate::{Context, Error, Socket, PAIR, REP};

/// What went wrong configuring or starting an [`Authenticator`].
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthError {
    /// `allow` and `deny` were both used: the address rule would be ambiguous.
    MixedAddressRules,
    /// The ZAP endpoint could not be bound; `EADDRINUSE` means another handler already
    /// runs in this context.
    Bind(EndpointError),
    /// Loading certificates failed.
    Cert(CertError),
    /// A key that is not 32 bytes or 40 Z85 characters.
    BadKey(String),
    /// A libzmq call failed.
    Zmq(Error),
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::MixedAddressRules => f.write_str(
                "allow() and deny() cannot both be used on one authenticator: use one of them",
            ),
            AuthError::Bind(err) if err.error() == Error::EADDRINUSE => {
                write!(f, "{err}: another ZAP handler already runs in this context")
            }
            AuthError::Bind(err) => write!(f, "{err}"),
            AuthError::Cert(err) => write!(f, "{err}"),
            AuthError::BadKey(why) => write!(f, "bad CURVE key: {why}"),
            AuthError::Zmq(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AuthError::Bind(err) => Some(err),
            AuthError::Cert(err) => Some(err),
            AuthError::Zmq(err) => Some(err),
            _ => None,
        }
    }
}

impl From<Error> for AuthError {
    fn from(err: Error) -> AuthError {
        AuthError::Zmq(err)
    }
}

impl From<CertError> for AuthError {
    fn from(err: CertError) -> AuthError {
        AuthError::Cert(err)
    }
}

/// The CURVE clients a domain lets in: the public certificates in a directory, or a set
/// of keys. (Letting in any client is [`Authenticator::configure_curve_allow_any`].)
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CurveKeys {
    /// Every public certificate in this directory (see [`load_public_keys`]), read when
    /// configured.
    Directory(PathBuf),
    /// These public keys.
    Keys(Vec<[u8; 32]>),
}

impl CurveKeys {
    /// Keys given as 40 Z85 characters each.
    ///
    /// # Errors
    /// [`AuthError::BadKey`] for text that is not a Z85 key.
    pub fn from_z85<I, S>(keys: I) -> Result<CurveKeys, AuthError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        keys.into_iter()
            .map(|key| {
                let key = key.as_ref();
                crate::curve::decode_key(key)
                    .ok_or_else(|| AuthError::BadKey(format!("{key:?} is not 40 Z85 characters")))
            })
            .collect::<Result<_, _>>()
            .map(CurveKeys::Keys)
    }
}

impl From<&Path> for CurveKeys {
    fn from(dir: &Path) -> CurveKeys {
        CurveKeys::Directory(dir.to_owned())
    }
}

impl From<PathBuf> for CurveKeys {
    fn from(dir: PathBuf) -> CurveKeys {
        CurveKeys::Directory(dir)
    }
}

impl From<&PathBuf> for CurveKeys {
    fn from(dir: &PathBuf) -> CurveKeys {
        CurveKeys::Directory(dir.clone())
    }
}

impl From<Vec<[u8; 32]>> for CurveKeys {
    fn from(keys: Vec<[u8; 32]>) -> CurveKeys {
        CurveKeys::Keys(keys)
    }
}

impl From<&[[u8; 32]]> for CurveKeys {
    fn from(keys: &[[u8; 32]]) -> CurveKeys {
        CurveKeys::Keys(keys.to_vec())
    }
}

impl<const N: usize> From<[[u8; 32]; N]> for CurveKeys {
    fn from(keys: [[u8; 32]; N]) -> CurveKeys {
        CurveKeys::Keys(keys.to_vec())
    }
}

/// A ZAP authenticator (ZeroMQ RFC 27) running on its own thread: it binds
/// `inproc://zeromq.zap.01` in a context, and libzmq asks it about every PLAIN and CURVE
/// handshake of that context's sockets (and NULL ones whose socket sets a ZAP domain).
///
/// It fails closed: a mechanism with nothing configured is refused. Configure it with
/// the names pyzmq's `ThreadAuthenticator` uses:
/// - [`allow`](Self::allow) or [`deny`](Self::deny) addresses (not both);
/// - [`configure_plain`](Self::configure_plain) with user names and passwords;
/// - [`configure_curve`](Self::configure_curve) with a directory of public certificates
///   or a set of keys, [`configure_curve_callback`](Self::configure_curve_callback), or
///   explicitly [`configure_curve_allow_any`](Self::configure_curve_allow_any);
/// - [`configure_callback`](Self::configure_callback) to decide every request of a domain
///   yourself, with a user id and metadata for the peer's messages.
///
/// Domains are matched exactly; a server socket that sets no ZAP domain
/// ([`Socket::set_zap_domain`]) is looked up as `"*"`, the default domain.
///
/// The thread stops on [`stop`](Self::stop), when the `Authenticator` is dropped, or
/// when the context is shut down. Its sockets keep the context alive until then.
///
/// **Without any authenticator, a CURVE server lets in every client that knows its
/// public key** (libzmq's default). Run an authenticator in the server's context to
/// restrict clients; it lets in any CURVE client only after `configure_curve_allow_any`.
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
    policy: Arc<RwLock<Policy>>,
    requests: Arc<AtomicU64>,
    /// Our end of the control pair and the thread; `None` once stopped.
    running: Mutex<Option<(Socket, JoinHandle<()>)>>,
}

static NEXT_CONTROL: AtomicU64 = AtomicU64::new(0);

impl Authenticator {
    /// Binds the ZAP endpoint in `ctx` and starts the handler thread. Until configured it
    /// refuses PLAIN and CURVE peers and lets NULL ones in (subject to
    /// [`allow`](Self::allow)/[`deny`](Self::deny)).
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

        let policy = Arc::new(RwLock::new(Policy::default()));
        let requests = Arc::new(AtomicU64::new(0));
        let thread = {
            let policy = policy.clone();
            let requests = requests.clone();
            std::thread::Builder::new()
                .name("zmq-auth".into())
                .spawn(move || serve(&zap, &thread_end, &policy, &requests))
                .map_err(|_| AuthError::Zmq(Error::EMTHREAD))?
        };
        Ok(Authenticator {
            policy,
            requests,
            running: Mutex::new(Some((our_end, thread))),
        })
    }

    fn update(&self, change: impl FnOnce(&mut Policy)) {
        let mut policy = self
            .policy
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        change(&mut policy);
    }

    /// Lets in only these addresses (for tcp, the client's IP as text, e.g.
    /// `"127.0.0.1"`). With NULL they are accepted at once; with PLAIN and CURVE they
    /// still authenticate. May be called several times; the sets add up.
    ///
    /// # Errors
    /// [`AuthError::MixedAddressRules`] after [`deny`](Self::deny).
    pub fn allow<I, S>(&self, addresses: I) -> Result<(), AuthError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.add_addresses(true, addresses.into_iter().map(Into::into))
    }

    /// Refuses these addresses; others go on to authentication.
    ///
    /// # Errors
    /// [`AuthError::MixedAddressRules`] after [`allow`](Self::allow).
    pub fn deny<I, S>(&self, addresses: I) -> Result<(), AuthError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.add_addresses(false, addresses.into_iter().map(Into::into))
    }

    /// Adds to the allow (or deny) set; the other kind of rule must not exist.
    fn add_addresses(
        &self,
        allow: bool,
        addresses: impl Iterator<Item = String>,
    ) -> Result<(), AuthError> {
        let mut policy = self
            .policy
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match (&mut policy.addresses, allow) {
            (AddressRule::Allow(set), true) | (AddressRule::Deny(set), false) => {
                set.extend(addresses);
                Ok(())
            }
            (rule @ AddressRule::Any, _) => {
                let set = addresses.collect();
                *rule = if allow {
                    AddressRule::Allow(set)
                } else {
                    AddressRule::Deny(set)
                };
                Ok(())
            }
            _ => Err(AuthError::MixedAddressRules),
        }
    }

    /// Sets the PLAIN users of `domain` (`"*"` for sockets without a ZAP domain),
    /// replacing earlier ones. Passwords are compared in constant time.
    pub fn configure_plain<I, U, P>(&self, domain: &str, passwords: I)
    where
        I: IntoIterator<Item = (U, P)>,
        U: Into<String>,
        P: Into<String>,
    {
        let users: HashMap<String, String> = passwords
            .into_iter()
            .map(|(user, password)| (user.into(), password.into()))
            .collect();
        self.update(|policy| {
            policy.plain.insert(domain.to_owned(), users);
        });
    }

    /// Lets in the CURVE clients of `domain` whose public key is in `keys`: a directory
    /// of public certificates (read now; call again to reload), or a set of keys.
    /// Replaces the domain's earlier CURVE rule.
    ///
    /// Unlike pyzmq, `"*"` as a location is not "anyone": it is a directory name. Use
    /// [`configure_curve_allow_any`](Self::configure_curve_allow_any) for that.
    ///
    /// # Errors
    /// [`AuthError::Cert`] when the directory cannot be read or holds a malformed
    /// certificate.
    pub fn configure_curve(
        &self,
        domain: &str,
        keys: impl Into<CurveKeys>,
    ) -> Result<(), AuthError> {
        let keys: HashSet<[u8; 32]> = match keys.into() {
            CurveKeys::Directory(dir) => load_public_keys(dir)?.into_iter().collect(),
            CurveKeys::Keys(keys) => keys.into_iter().collect(),
        };
        self.update(|policy| {
            policy
                .curve
                .insert(domain.to_owned(), CurveRule::Keys(keys));
        });
        Ok(())
    }

    /// Lets in **every** CURVE client of `domain`, whatever its key: the clients still
    /// need the server's public key, and traffic is still encrypted, but anyone who knows
    /// that key gets in. This is what a CURVE server does with no ZAP handler at all;
    /// here it has to be asked for.
    pub fn configure_curve_allow_any(&self, domain: &str) {
        self.update(|policy| {
            policy.curve.insert(domain.to_owned(), CurveRule::AllowAny);
        });
    }

    /// Decides the CURVE clients of `domain` with `callback(domain, client_key_z85)`, like
    /// pyzmq's `configure_curve_callback`: `true` lets the client in. The callback runs
    /// on the authenticator's thread; a panic in it refuses the client (ZAP 500).
    pub fn configure_curve_callback<F>(&self, domain: &str, callback: F)
    where
        F: Fn(&str, &str) -> bool + Send + Sync + 'static,
    {
        let callback = Arc::new(callback);
        self.update(|policy| {
            policy
                .curve
                .insert(domain.to_owned(), CurveRule::Callback(callback));
        });
    }

    /// Decides every request of `domain` (NULL, PLAIN and CURVE) with `callback`, after
    /// the address rule and instead of the PLAIN and CURVE rules. The [`Decision`] can
    /// name the user (`Message::user_id`) and add metadata (`Message::property`). The
    /// callback runs on the authenticator's thread; a panic in it refuses the peer
    /// (ZAP 500).
    ///
    /// ```
    /// use zmq::auth::zap::Credentials;
    /// use zmq::auth::{Authenticator, Decision};
    ///
    /// let ctx = zmq::Context::new();
    /// let auth = Authenticator::start(&ctx).unwrap();
    /// auth.configure_callback("*", |request| match &request.credentials {
    ///     Credentials::Plain { username, password } if password == b"letmein" => {
    ///         Decision::allow_as(username.clone()).with_metadata("Role", "operator")
    ///     }
    ///     _ => Decision::deny("no"),
    /// });
    /// ```
    pub fn configure_callback<F>(&self, domain: &str, callback: F)
    where
        F: Fn(&ZapRequest) -> Decision + Send + Sync + 'static,
    {
        let callback = Arc::new(callback);
        self.update(|policy| {
            policy.callbacks.insert(domain.to_owned(), callback);
        });
    }

    /// The reply this authenticator gives to the frames of a ZAP request (without the
    /// empty delimiter), without going through libzmq: six frames, always well-formed.
    /// For tests and for handlers that forward requests.
    pub fn reply_to<F: AsRef<[u8]>>(&self, request: &[F]) -> Vec<Vec<u8>> {
        reply_frames(&self.policy, request)
    }

    /// How many ZAP requests the thread has answered.
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Whether the handler thread is still running.
    pub fn is_running(&self) -> bool {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        running
            .as_ref()
            .is_some_and(|(_, thread)| !thread.is_finished())
    }

    /// Stops the handler thread and unbinds the ZAP endpoint; waits for the thread.
    /// Handshakes that need ZAP afterwards fail (PLAIN) or, for CURVE, fall back to
    /// libzmq's let-anyone-in default. Calling it again does nothing.
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
fn serve(zap: &Socket, control: &Socket, policy: &RwLock<Policy>, requests: &AtomicU64) {
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
        let reply = reply_frames(policy, &frames);
        requests.fetch_add(1, Ordering::Relaxed);
        match zap.send_multipart(reply, 0) {
            Ok(()) | Err(Error::EAGAIN | Error::EINTR | Error::EHOSTUNREACH) => {}
            Err(_) => return,
        }
    }
}
