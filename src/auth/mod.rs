//! Security helpers: a ZAP authenticator and CURVE certificates.
//!
//! Work in progress (issue #6).
