//! Security: a ZAP authenticator ([`Authenticator`]) and CURVE certificates ([`cert`]).
//!
//! libzmq asks a ZAP handler (ZeroMQ RFC 27) bound at `inproc://zeromq.zap.01` in the
//! same context whether to accept each peer of a PLAIN or CURVE server socket (and of a
//! NULL one that sets a ZAP domain). [`Authenticator`] is such a handler, running on its
//! own thread, configured with the method names of pyzmq's `zmq.auth` (see
//! [`AuthConfig`]). With the `tokio` feature, `AsyncAuthenticator` is the same handler as
//! a task on the current tokio runtime (pyzmq's `AsyncioAuthenticator`).
//!
//! # What happens without an authenticator
//! | server mechanism | no ZAP handler in the context |
//! |---|---|
//! | NULL, no ZAP domain | accepted (ZAP is not asked) |
//! | NULL with a ZAP domain | accepted (libzmq's legacy behaviour) |
//! | PLAIN | **refused**: PLAIN cannot work without a handler |
//! | CURVE | **accepted: any client that knows the server's public key gets in** |
//!
//! The last row is the one that bites, also once an authenticator stops or is dropped.
//! With an [`Authenticator`] running, CURVE clients are refused unless their key is
//! configured ([`AuthConfig::configure_curve`]) or the domain explicitly lets anyone in
//! ([`AuthConfig::configure_curve_allow_any`]). A CURVE server with a ZAP domain and
//! `set_zap_enforce_domain(true)` (draft) refuses clients while no handler runs; with
//! that option and no domain, libzmq 4.3.5 skips ZAP for CURVE altogether.
//!
//! # Certificates
//! [`cert::Certificate`] reads and writes the certificate files of czmq and pyzmq, and
//! [`AuthConfig::configure_curve`] accepts a directory of public certificates:
//!
//! ```
//! use zmq::auth::cert::{create_certificates, Certificate};
//! use zmq::auth::Authenticator;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let public_dir = dir.path().join("public");
//! std::fs::create_dir(&public_dir).unwrap();
//! let (client_public, client_secret) =
//!     create_certificates(dir.path(), "client", [("name", "client one")]).unwrap();
//! std::fs::copy(&client_public, public_dir.join("client.key")).unwrap();
//!
//! let ctx = zmq::Context::new();
//! let auth = Authenticator::start(&ctx).unwrap();
//! auth.configure_curve("*", &public_dir).unwrap();
//!
//! let server_cert = Certificate::new().unwrap();
//! let server = ctx.socket(zmq::PULL).unwrap();
//! server_cert.apply(&server).unwrap();
//! server.set_curve_server(true).unwrap();
//! server.bind("tcp://127.0.0.1:*").unwrap();
//!
//! let client = ctx.socket(zmq::PUSH).unwrap();
//! Certificate::load(&client_secret).unwrap().apply(&client).unwrap();
//! client.set_curve_serverkey(server_cert.public_key()).unwrap();
//! client.connect(&server.get_last_endpoint().unwrap().unwrap()).unwrap();
//! client.send("hi", 0).unwrap();
//! assert_eq!(server.recv_bytes(0).unwrap(), b"hi");
//! ```

#[cfg(all(feature = "tokio", unix))]
mod async_authenticator;
mod authenticator;
pub mod cert;
mod config;
mod policy;
pub mod zap;

#[cfg(all(feature = "tokio", unix))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "tokio", unix))))]
pub use async_authenticator::AsyncAuthenticator;
pub use authenticator::Authenticator;
pub use cert::{Certificate, SecretKey};
pub use config::{AuthConfig, AuthError, CurveKeys};
pub use policy::Decision;
pub use zap::ZAP_ENDPOINT;
