//! CURVE key pairs ([`CurveKeyPair`]) and key helpers.
//!
//! A CURVE server needs its secret key and `set_curve_server(true)`; a client needs its
//! own key pair and the server's public key. Keys are 32 bytes, or 40 characters of Z85.
//!
//! ```
//! let server_keys = zmq::CurveKeyPair::new().unwrap();
//! let client_keys = zmq::CurveKeyPair::new().unwrap();
//! let ctx = zmq::Context::new();
//!
//! let server = ctx.socket(zmq::REP).unwrap();
//! server.set_curve_server(true).unwrap();
//! server.set_curve_secretkey(&server_keys.secret_key).unwrap();
//! server.bind("tcp://127.0.0.1:*").unwrap();
//!
//! let client = ctx.socket(zmq::REQ).unwrap();
//! client.set_curve_serverkey(&server_keys.public_key).unwrap();
//! client.set_curve_publickey(&client_keys.public_key).unwrap();
//! client.set_curve_secretkey(&client_keys.secret_key).unwrap();
//! client.connect(&server.get_last_endpoint().unwrap().unwrap()).unwrap();
//!
//! client.send("hello", 0).unwrap();
//! assert_eq!(server.recv_string(0).unwrap().unwrap(), "hello");
//! ```

use std::ffi::CStr;
use std::fmt;

use crate::raw::sys;
use crate::{Error, Result};

/// A CURVE key pair (binary keys). The secret key is not shown by `Debug` and is zeroed
/// when the pair is dropped.
///
/// ```
/// let server_keys = zmq::CurveKeyPair::new()?;
/// let ctx = zmq::Context::new();
/// let server = ctx.socket(zmq::REP)?;
/// server.set_curve_server(true)?;
/// server.set_curve_secretkey(&server_keys.secret_key)?;
/// server.bind("tcp://127.0.0.1:*")?;
///
/// let client_keys = zmq::CurveKeyPair::new()?;
/// let client = ctx.socket(zmq::REQ)?;
/// client.set_curve_serverkey(&server_keys.public_key)?;
/// client.set_curve_publickey(&client_keys.public_key)?;
/// client.set_curve_secretkey(&client_keys.secret_key)?;
/// client.connect(&server.get_last_endpoint()?.unwrap())?;
/// client.send("hello", 0)?;
/// assert_eq!(server.recv_bytes(0)?, b"hello");
/// assert!(!format!("{client_keys:?}").contains(&zmq::z85_encode(&client_keys.secret_key)?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct CurveKeyPair {
    /// The public key, shared with peers.
    pub public_key: [u8; 32],
    /// The secret key; keep it private.
    pub secret_key: [u8; 32],
}

impl CurveKeyPair {
    /// Generates a new key pair (`zmq_curve_keypair`).
    ///
    /// # Errors
    /// `ENOTSUP` when libzmq was built without CURVE (never with the default build).
    #[doc(alias = "zmq_curve_keypair")]
    pub fn new() -> Result<CurveKeyPair> {
        let mut public = [0u8; 41];
        let mut secret = [0u8; 41];
        sys::curve_keypair(&mut public, &mut secret)?;
        let pair = CurveKeyPair {
            public_key: z85_key(&public)?,
            secret_key: z85_key(&secret)?,
        };
        zeroize(&mut secret);
        Ok(pair)
    }

    /// The key pair for a known secret key: derives the public key
    /// (`zmq_curve_public`).
    #[doc(alias = "zmq_curve_public")]
    pub fn from_secret_key(secret_key: [u8; 32]) -> Result<CurveKeyPair> {
        let public_key = public_key_of(&secret_key)?;
        Ok(CurveKeyPair {
            public_key,
            secret_key,
        })
    }

    /// The public key as 40 characters of Z85.
    pub fn public_key_z85(&self) -> String {
        crate::z85::encode(&self.public_key).expect("32 is a multiple of 4")
    }

    /// The secret key as 40 characters of Z85.
    pub fn secret_key_z85(&self) -> String {
        crate::z85::encode(&self.secret_key).expect("32 is a multiple of 4")
    }
}

/// Decodes the 40 Z85 characters (plus NUL) libzmq wrote.
fn z85_key(text: &[u8; 41]) -> Result<[u8; 32]> {
    let text = CStr::from_bytes_until_nul(text).map_err(|_| Error::EPROTO)?;
    let text = text.to_str().map_err(|_| Error::EPROTO)?;
    decode_key(text).ok_or(Error::EPROTO)
}

/// A 32-byte key from 40 Z85 characters, or `None`.
pub fn decode_key(text: &str) -> Option<[u8; 32]> {
    let bytes = crate::z85::decode(text).ok()?;
    bytes.try_into().ok()
}

/// The public key that goes with a secret key (`zmq_curve_public`).
///
/// # Errors
/// `ENOTSUP` without CURVE.
pub fn public_key_of(secret_key: &[u8; 32]) -> Result<[u8; 32]> {
    let secret_z85 = crate::z85::encode(secret_key).expect("32 is a multiple of 4");
    let mut secret_c = [0u8; 41];
    secret_c[..40].copy_from_slice(secret_z85.as_bytes());
    let mut public = [0u8; 41];
    let res = sys::curve_public(&mut public, &secret_c);
    zeroize(&mut secret_c);
    res?;
    z85_key(&public)
}

impl fmt::Debug for CurveKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurveKeyPair")
            .field("public_key", &self.public_key_z85())
            .field("secret_key", &"<hidden>")
            .finish()
    }
}

impl Drop for CurveKeyPair {
    fn drop(&mut self) {
        zeroize(&mut self.secret_key);
    }
}

/// Overwrites secret bytes with zeros in a way the optimiser keeps.
pub(crate) fn zeroize(bytes: &mut [u8]) {
    for byte in bytes.iter_mut() {
        // SAFETY: byte is a valid, aligned, exclusive reference.
        unsafe { std::ptr::write_volatile(byte, 0) };
    }
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
}
