//! What the authenticator allows: the rules set through [`Authenticator`]'s `allow`,
//! `deny` and `configure_*` methods, and the decision for one ZAP request.
//!
//! [`Authenticator`]: super::Authenticator

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use super::zap::{Credentials, StatusCode, ZapReply, ZapRequest};

/// What a callback decides about a peer.
///
/// ```
/// use zmq::auth::Decision;
/// let allow = Decision::allow_as("alice").with_metadata("Role", "admin");
/// let deny = Decision::deny("unknown key");
/// # let _ = (allow, deny);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub(crate) status: StatusCode,
    pub(crate) text: String,
    pub(crate) user_id: Option<Vec<u8>>,
    pub(crate) metadata: Vec<(String, Vec<u8>)>,
}

impl Decision {
    fn with_status(status: StatusCode, text: &str) -> Decision {
        Decision {
            status,
            text: text.to_owned(),
            user_id: None,
            metadata: Vec::new(),
        }
    }

    /// Let the peer in, with the default user id (the PLAIN user name, or the CURVE
    /// client's public key in Z85; empty for NULL).
    pub fn allow() -> Decision {
        Decision::with_status(StatusCode::Success, "OK")
    }

    /// Let the peer in as `user_id` (what `Message::user_id` returns on its messages).
    pub fn allow_as(user_id: impl Into<Vec<u8>>) -> Decision {
        Decision {
            user_id: Some(user_id.into()),
            ..Decision::allow()
        }
    }

    /// Refuse the peer (ZAP 400).
    pub fn deny(reason: &str) -> Decision {
        Decision::with_status(StatusCode::Denied, reason)
    }

    /// Refuse the peer for now (ZAP 300), e.g. when a credentials store is unreachable.
    pub fn temporary_failure(reason: &str) -> Decision {
        Decision::with_status(StatusCode::TemporaryFailure, reason)
    }

    /// Refuse the peer because the handler failed (ZAP 500).
    pub fn internal_error(reason: &str) -> Decision {
        Decision::with_status(StatusCode::InternalError, reason)
    }

    /// Adds a metadata property that libzmq attaches to the peer's messages (read it with
    /// `Message::property`). Names are 1 to 255 characters of `A-Z a-z 0-9 - _ . +`; an
    /// invalid one turns the decision into a ZAP 500 when it is sent.
    pub fn with_metadata(mut self, name: &str, value: impl Into<Vec<u8>>) -> Decision {
        self.metadata.push((name.to_owned(), value.into()));
        self
    }

    /// The status this decision answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

/// A callback that decides every request of a domain.
pub(crate) type RequestCallback = dyn Fn(&ZapRequest) -> Decision + Send + Sync + 'static;
/// pyzmq's `configure_curve_callback`: `(domain, z85 public key) -> allowed`.
pub(crate) type CurveCallback = dyn Fn(&str, &str) -> bool + Send + Sync + 'static;

/// Which addresses may connect.
#[derive(Clone, Debug, Default)]
pub(crate) enum AddressRule {
    /// No address rule: every address goes on to authentication.
    #[default]
    Any,
    /// Only these addresses (and they still authenticate, except with NULL).
    Allow(HashSet<IpAddr>),
    /// Every address but these.
    Deny(HashSet<IpAddr>),
}

/// A peer address as the rules compare it: an IPv4 client of a dual-stack (IPv6)
/// listener, which libzmq reports as `::ffff:a.b.c.d`, is the IPv4 address, and an IPv6
/// zone (`fe80::1%eth0`) is dropped. `None` for what is not an IP address (ipc and inproc
/// peers have none).
pub(crate) fn canonical_ip(text: &str) -> Option<IpAddr> {
    let text = text.split('%').next().unwrap_or(text);
    text.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

/// How CURVE clients of a domain are checked.
#[derive(Clone)]
pub(crate) enum CurveRule {
    Keys(HashSet<[u8; 32]>),
    AllowAny,
    Callback(Arc<CurveCallback>),
}

/// The rules of an authenticator. Domains are exact; a server socket that sets no ZAP
/// domain is looked up as `*` (pyzmq's convention).
#[derive(Clone, Default)]
pub(crate) struct Policy {
    pub(crate) addresses: AddressRule,
    pub(crate) plain: HashMap<String, HashMap<String, String>>,
    pub(crate) curve: HashMap<String, CurveRule>,
    pub(crate) callbacks: HashMap<String, Arc<RequestCallback>>,
}

/// The configuration key of a request's domain.
pub(crate) fn domain_key(domain: &str) -> &str {
    if domain.is_empty() { "*" } else { domain }
}

/// Compares secrets in time that depends on their lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// What to do with a request once the rules have been read.
enum Plan {
    Decided(Decision),
    Call(Arc<RequestCallback>),
    CallCurve(Arc<CurveCallback>, String),
}

impl Policy {
    fn plan(&self, request: &ZapRequest) -> Plan {
        let address = canonical_ip(&request.address);
        let listed = |set: &HashSet<IpAddr>| address.is_some_and(|ip| set.contains(&ip));
        // An allowed address still authenticates with PLAIN and CURVE (NULL has nothing
        // more to check).
        match &self.addresses {
            AddressRule::Allow(set) if !listed(set) => {
                return Plan::Decided(Decision::deny("address not allowed"));
            }
            AddressRule::Deny(set) if listed(set) => {
                return Plan::Decided(Decision::deny("address denied"));
            }
            _ => {}
        }
        let domain = domain_key(&request.domain);
        if let Some(callback) = self.callbacks.get(domain) {
            return Plan::Call(callback.clone());
        }
        let decision = match &request.credentials {
            Credentials::Null => Decision::allow(),
            Credentials::Plain { username, password } => match self.plain.get(domain) {
                None if self.plain.is_empty() => Decision::deny("no PLAIN passwords configured"),
                None => Decision::deny("unknown domain"),
                Some(users) => {
                    let user = std::str::from_utf8(username)
                        .ok()
                        .and_then(|u| users.get(u));
                    match user {
                        Some(expected) if constant_time_eq(expected.as_bytes(), password) => {
                            Decision::allow()
                        }
                        Some(_) => Decision::deny("invalid password"),
                        None => Decision::deny("invalid user name"),
                    }
                }
            },
            Credentials::Curve { public_key } => match self.curve.get(domain) {
                None if self.curve.is_empty() => Decision::deny("no CURVE keys configured"),
                None => Decision::deny("unknown domain"),
                Some(CurveRule::AllowAny) => Decision::allow(),
                Some(CurveRule::Keys(keys)) if keys.contains(public_key) => Decision::allow(),
                Some(CurveRule::Keys(_)) => Decision::deny("unknown key"),
                Some(CurveRule::Callback(callback)) => {
                    let key = crate::z85::encode(public_key).unwrap_or_default();
                    return Plan::CallCurve(callback.clone(), key);
                }
            },
            Credentials::Gssapi { .. } | Credentials::Other { .. } => {
                Decision::deny("mechanism not supported")
            }
        };
        Plan::Decided(decision)
    }
}

/// The default user id for an accepted peer.
fn default_user_id(request: &ZapRequest) -> Vec<u8> {
    match &request.credentials {
        Credentials::Plain { username, .. } => username.clone(),
        Credentials::Curve { public_key } => crate::z85::encode(public_key)
            .unwrap_or_default()
            .into_bytes(),
        _ => Vec::new(),
    }
}

/// Runs a user callback; a panic becomes a ZAP 500 instead of killing the handler.
fn guarded(call: impl FnOnce() -> Decision) -> Decision {
    catch_unwind(AssertUnwindSafe(call))
        .unwrap_or_else(|_| Decision::internal_error("the authentication callback panicked"))
}

/// The reply to the frames of one ZAP request: always six well-formed frames, with the
/// request id echoed (empty when the request had none).
pub(crate) fn reply_frames<F: AsRef<[u8]>>(
    policy: &std::sync::RwLock<Policy>,
    frames: &[F],
) -> Vec<Vec<u8>> {
    let request = match ZapRequest::parse(frames) {
        Ok(request) => request,
        Err(err) => {
            let request_id = frames.get(1).map(|f| f.as_ref()).unwrap_or_default();
            return reply_or_internal_error(ZapReply::new(
                request_id,
                StatusCode::Denied,
                &err.to_string(),
            ));
        }
    };
    // Read the rules, then run any callback without holding the lock (a callback may
    // reconfigure the authenticator).
    let plan = {
        let rules = policy
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        rules.plan(&request)
    };
    let decision = match plan {
        Plan::Decided(decision) => decision,
        Plan::Call(callback) => guarded(|| callback(&request)),
        Plan::CallCurve(callback, key) => guarded(|| {
            if callback(&request.domain, &key) {
                Decision::allow()
            } else {
                Decision::deny("refused by the CURVE callback")
            }
        }),
    };
    let mut reply = ZapReply::new(&request.request_id, decision.status, &decision.text);
    if decision.status == StatusCode::Success {
        reply.user_id = decision
            .user_id
            .unwrap_or_else(|| default_user_id(&request));
        reply.metadata = decision.metadata;
    }
    reply_or_internal_error(reply)
}

/// A refusal (400, "the authenticator stopped") of the request in `frames`, whatever it
/// holds.
pub(crate) fn refusal_frames<F: AsRef<[u8]>>(frames: &[F]) -> Vec<Vec<u8>> {
    let request_id = frames.get(1).map(|f| f.as_ref()).unwrap_or_default();
    reply_or_internal_error(ZapReply::new(
        request_id,
        StatusCode::Denied,
        "the authenticator stopped",
    ))
}

/// As the handler stops: refuses every request queued at the ZAP socket `zap` (a REP
/// socket between requests), without waiting. A handshake whose request found no answer
/// would wait for its handshake timeout (30 s by default), or for ever without one.
pub(crate) fn refuse_pending(zap: &crate::Socket) {
    // Bounded: requests keep coming only while clients keep connecting.
    for _ in 0..10_000 {
        let Ok(frames) = zap.recv_multipart(crate::DONTWAIT) else {
            return;
        };
        if zap
            .send_multipart(refusal_frames(&frames), crate::DONTWAIT)
            .is_err()
        {
            return;
        }
    }
}

fn reply_or_internal_error(reply: ZapReply) -> Vec<Vec<u8>> {
    match reply.to_frames() {
        Ok(frames) => frames,
        Err(err) => {
            let fallback = ZapReply::new(
                &reply.request_id,
                StatusCode::InternalError,
                &format!("invalid reply: {err}"),
            );
            // No metadata, so encoding cannot fail.
            fallback.to_frames().unwrap_or_default()
        }
    }
}
