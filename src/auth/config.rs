//! [`AuthConfig`]: the rules of an authenticator, set with pyzmq's method names, and
//! the errors of configuring one.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use super::cert::{CertError, load_public_keys};
use super::policy::{AddressRule, CurveRule, Decision, Policy, reply_frames};
use super::zap::ZapRequest;
use crate::Error;
use crate::error::EndpointError;

/// An `allow`/`deny` entry as an IP: plain IPv4 or IPv6 text, no zone, and not the
/// deprecated IPv4-compatible form (`::127.0.0.1`), which no peer address ever takes.
fn rule_ip(entry: &str) -> Option<IpAddr> {
    let ip: IpAddr = entry.parse().ok()?;
    match ip {
        IpAddr::V6(v6) if entry.contains('.') && v6.to_ipv4_mapped().is_none() => None,
        _ => Some(ip.to_canonical()),
    }
}

/// What went wrong configuring or starting an [`Authenticator`](super::Authenticator).
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthError {
    /// `allow` and `deny` were both used: the address rule would be ambiguous.
    MixedAddressRules,
    /// An `allow`/`deny` entry that is not an IP address (host names and ranges are not
    /// read: they would never match).
    BadAddress(String),
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
            AuthError::BadAddress(entry) => write!(
                f,
                "{entry:?} is not an IP address: allow() and deny() take IPv4 or IPv6 \
                 addresses, e.g. \"127.0.0.1\" or \"::1\" (no host names or ranges)"
            ),
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
/// of keys. (Letting in any client is [`AuthConfig::configure_curve_allow_any`].)
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

/// The rules of an authenticator: which addresses, users and keys it lets in.
///
/// [`Authenticator`](super::Authenticator) (and the async one) dereference to it, so its
/// methods are called on the authenticator: `auth.allow(["127.0.0.1"])`. Changes apply to
/// the next handshake. It fails closed: a PLAIN or CURVE peer of a domain with nothing
/// configured is refused.
///
/// Domains are matched exactly; a server socket that sets no ZAP domain
/// ([`Socket::set_zap_domain`](crate::Socket::set_zap_domain)) is looked up as `"*"`,
/// the default domain.
#[derive(Clone, Default)]
pub struct AuthConfig {
    policy: Arc<RwLock<Policy>>,
    requests: Arc<AtomicU64>,
}

impl AuthConfig {
    fn update(&self, change: impl FnOnce(&mut Policy)) {
        let mut policy = self
            .policy
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        change(&mut policy);
    }

    /// Lets in only these addresses (for tcp and ws, the client's IP as text, e.g.
    /// `"127.0.0.1"`, `"::1"`); other peers are refused, ipc peers too (they have no IP
    /// address; inproc peers make no handshake and never reach the authenticator).
    /// Addresses are compared as IPs: `"::1"` and `"0:0:0:0:0:0:0:1"` are one, and an
    /// IPv4 client of an IPv6 listener (`::ffff:127.0.0.1`) is its IPv4 address. An entry
    /// has no IPv6 zone (`%eth0`): a link-local entry matches that address on any link.
    /// With NULL, an allowed peer is accepted at once (libzmq asks the authenticator about
    /// NULL peers only on sockets with a ZAP domain); with PLAIN and CURVE it still
    /// authenticates. May be called several times; the sets add up.
    ///
    /// # Errors
    /// [`AuthError::MixedAddressRules`] after [`deny`](Self::deny);
    /// [`AuthError::BadAddress`] for an entry that is not an IP address (nothing of the
    /// call is kept).
    pub fn allow<I, S>(&self, addresses: I) -> Result<(), AuthError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.add_addresses(true, addresses.into_iter().map(Into::into))
    }

    /// Refuses these addresses (compared as IPs, as in [`allow`](Self::allow)); others go
    /// on to authentication. libzmq asks nothing about NULL peers of a socket without a
    /// ZAP domain ([`Socket::set_zap_domain`](crate::Socket::set_zap_domain)): a deny
    /// rule needs one there.
    ///
    /// # Errors
    /// [`AuthError::MixedAddressRules`] after [`allow`](Self::allow);
    /// [`AuthError::BadAddress`] for an entry that is not an IP address (nothing of the
    /// call is kept).
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
        let addresses: Vec<IpAddr> = addresses
            .map(|entry| rule_ip(entry.trim()).ok_or(AuthError::BadAddress(entry)))
            .collect::<Result<_, _>>()?;
        let addresses = addresses.into_iter();
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

    /// How many ZAP requests the handler has answered.
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Answers one request from libzmq and counts it.
    pub(crate) fn answer<F: AsRef<[u8]>>(&self, request: &[F]) -> Vec<Vec<u8>> {
        let reply = reply_frames(&self.policy, request);
        self.requests.fetch_add(1, Ordering::Relaxed);
        reply
    }
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field("requests", &self.request_count())
            .finish_non_exhaustive()
    }
}
