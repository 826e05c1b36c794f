//! The ZAP protocol (ZeroMQ RFC 27): the requests libzmq sends to an authentication
//! handler on [`ZAP_ENDPOINT`] and the replies it accepts.
//!
//! [`Authenticator`](super::Authenticator) speaks it for you; these types are for reading
//! what it decides, for writing a handler of your own, and for tests.
//!
//! A request has at least six frames: version `1.0`, request id, domain, peer address,
//! routing id, mechanism, then the mechanism's credentials (none for NULL; user name and
//! password for PLAIN; the client's 32-byte public key for CURVE). A reply has exactly six:
//! version `1.0`, the request id echoed, a status code (`200`, `300`, `400` or `500`), a
//! status text, a user id and encoded metadata. libzmq refuses the connection for any
//! other shape.
//!
//! ```
//! use zmq::auth::zap::{StatusCode, ZapReply, ZapRequest};
//!
//! let frames: Vec<&[u8]> = vec![b"1.0", b"7", b"global", b"127.0.0.1", b"", b"PLAIN", b"admin", b"secret"];
//! let request = ZapRequest::parse(&frames).unwrap();
//! assert_eq!(request.mechanism(), "PLAIN");
//!
//! let reply = ZapReply::new(&request.request_id, StatusCode::Success, "OK").with_user_id("admin");
//! let reply_frames = reply.to_frames().unwrap();
//! assert_eq!(reply_frames.len(), 6);
//! assert_eq!(ZapReply::parse(&reply_frames).unwrap(), reply);
//! ```

use std::fmt;

/// The inproc endpoint libzmq sends ZAP requests to. One handler per context binds it.
pub const ZAP_ENDPOINT: &str = "inproc://zeromq.zap.01";

/// The only protocol version: `1.0`.
pub const ZAP_VERSION: &[u8] = b"1.0";

/// A ZAP status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusCode {
    /// 200: the peer is authenticated and may connect.
    Success,
    /// 300: a temporary failure (e.g. an unreachable credentials store); refused.
    TemporaryFailure,
    /// 400: authentication failed; refused.
    Denied,
    /// 500: the handler failed (e.g. a panicking callback); refused.
    InternalError,
}

impl StatusCode {
    /// The number: 200, 300, 400 or 500.
    pub fn code(self) -> u16 {
        match self {
            StatusCode::Success => 200,
            StatusCode::TemporaryFailure => 300,
            StatusCode::Denied => 400,
            StatusCode::InternalError => 500,
        }
    }

    /// The three ASCII digits sent on the wire.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            StatusCode::Success => b"200",
            StatusCode::TemporaryFailure => b"300",
            StatusCode::Denied => b"400",
            StatusCode::InternalError => b"500",
        }
    }

    /// The status for the wire form, or `None` for anything else.
    pub fn from_bytes(bytes: &[u8]) -> Option<StatusCode> {
        Some(match bytes {
            b"200" => StatusCode::Success,
            b"300" => StatusCode::TemporaryFailure,
            b"400" => StatusCode::Denied,
            b"500" => StatusCode::InternalError,
            _ => return None,
        })
    }
}

/// The credentials of a ZAP request, by mechanism.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// NULL: no credentials.
    Null,
    /// PLAIN: user name and password, as the client sent them.
    Plain {
        /// The user name.
        username: Vec<u8>,
        /// The password (hidden from `Debug`).
        password: Vec<u8>,
    },
    /// CURVE: the client's long-term public key.
    Curve {
        /// The client's public key.
        public_key: [u8; 32],
    },
    /// GSSAPI: the client's principal.
    Gssapi {
        /// The principal name.
        principal: Vec<u8>,
    },
    /// A mechanism this crate does not know, with its credential frames.
    Other {
        /// The mechanism name.
        mechanism: Vec<u8>,
        /// The credential frames.
        frames: Vec<Vec<u8>>,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Null => f.write_str("Null"),
            Credentials::Plain { username, .. } => f
                .debug_struct("Plain")
                .field("username", &String::from_utf8_lossy(username))
                .field("password", &"<hidden>")
                .finish(),
            Credentials::Curve { public_key } => f
                .debug_struct("Curve")
                .field(
                    "public_key",
                    &crate::z85::encode(public_key).unwrap_or_default(),
                )
                .finish(),
            Credentials::Gssapi { principal } => f
                .debug_struct("Gssapi")
                .field("principal", &String::from_utf8_lossy(principal))
                .finish(),
            Credentials::Other { mechanism, frames } => f
                .debug_struct("Other")
                .field("mechanism", &String::from_utf8_lossy(mechanism))
                .field("frames", &frames.len())
                .finish(),
        }
    }
}

impl Drop for Credentials {
    fn drop(&mut self) {
        if let Credentials::Plain { password, .. } = self {
            crate::curve::zeroize(password);
        }
    }
}

/// Why a ZAP request could not be parsed; the handler answers 400.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// Fewer than the six frames every request has.
    TooFewFrames(usize),
    /// A version other than `1.0`.
    BadVersion(Vec<u8>),
    /// The credentials do not match the mechanism (e.g. a CURVE key that is not 32 bytes).
    BadCredentials(&'static str),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::TooFewFrames(n) => {
                write!(f, "a ZAP request has 6 or more frames, not {n}")
            }
            RequestError::BadVersion(v) => {
                write!(
                    f,
                    "unsupported ZAP version {:?}",
                    String::from_utf8_lossy(v)
                )
            }
            RequestError::BadCredentials(why) => write!(f, "malformed credentials: {why}"),
        }
    }
}

impl std::error::Error for RequestError {}

/// A parsed ZAP request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZapRequest {
    /// The request id, echoed in the reply.
    pub request_id: Vec<u8>,
    /// The server socket's ZAP domain (`ZMQ_ZAP_DOMAIN`; empty when it set none).
    pub domain: String,
    /// The peer's address (the IP for tcp).
    pub address: String,
    /// The server socket's routing id.
    pub routing_id: Vec<u8>,
    /// The mechanism and its credentials.
    pub credentials: Credentials,
}

impl ZapRequest {
    /// Parses the frames of a request (without the empty delimiter a REP socket strips).
    ///
    /// # Errors
    /// See [`RequestError`].
    pub fn parse<F: AsRef<[u8]>>(frames: &[F]) -> Result<ZapRequest, RequestError> {
        if frames.len() < 6 {
            return Err(RequestError::TooFewFrames(frames.len()));
        }
        let frame = |i: usize| frames[i].as_ref();
        if frame(0) != ZAP_VERSION {
            return Err(RequestError::BadVersion(frame(0).to_vec()));
        }
        let extra: Vec<&[u8]> = frames[6..].iter().map(AsRef::as_ref).collect();
        let credentials = match (frame(5), extra.as_slice()) {
            (b"NULL", []) => Credentials::Null,
            (b"NULL", _) => return Err(RequestError::BadCredentials("NULL takes no credentials")),
            (b"PLAIN", [username, password]) => Credentials::Plain {
                username: username.to_vec(),
                password: password.to_vec(),
            },
            (b"PLAIN", _) => {
                return Err(RequestError::BadCredentials(
                    "PLAIN takes a user name and a password",
                ));
            }
            (b"CURVE", [key]) => Credentials::Curve {
                public_key: <[u8; 32]>::try_from(*key)
                    .map_err(|_| RequestError::BadCredentials("a CURVE key is 32 bytes"))?,
            },
            (b"CURVE", _) => {
                return Err(RequestError::BadCredentials("CURVE takes one public key"));
            }
            (b"GSSAPI", [principal]) => Credentials::Gssapi {
                principal: principal.to_vec(),
            },
            (b"GSSAPI", _) => {
                return Err(RequestError::BadCredentials("GSSAPI takes one principal"));
            }
            (mechanism, frames) => Credentials::Other {
                mechanism: mechanism.to_vec(),
                frames: frames.iter().map(|f| f.to_vec()).collect(),
            },
        };
        Ok(ZapRequest {
            request_id: frame(1).to_vec(),
            domain: String::from_utf8_lossy(frame(2)).into_owned(),
            address: String::from_utf8_lossy(frame(3)).into_owned(),
            routing_id: frame(4).to_vec(),
            credentials,
        })
    }

    /// The mechanism's name: `NULL`, `PLAIN`, `CURVE`, `GSSAPI` or what the request said.
    pub fn mechanism(&self) -> String {
        match &self.credentials {
            Credentials::Null => "NULL".into(),
            Credentials::Plain { .. } => "PLAIN".into(),
            Credentials::Curve { .. } => "CURVE".into(),
            Credentials::Gssapi { .. } => "GSSAPI".into(),
            Credentials::Other { mechanism, .. } => String::from_utf8_lossy(mechanism).into_owned(),
        }
    }
}

/// Why metadata or a reply could not be encoded or decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplyError {
    /// A metadata name that is empty, longer than 255 bytes, or has characters outside
    /// `A-Z a-z 0-9 - _ . +` (ZMTP's rule).
    BadMetadataName(String),
    /// A metadata value longer than 2³¹ - 1 bytes.
    MetadataValueTooLong(String),
    /// Metadata bytes that do not decode.
    BadMetadata,
    /// A reply without exactly six frames.
    FrameCount(usize),
    /// A reply whose version is not `1.0`.
    BadVersion,
    /// A reply whose status is not 200, 300, 400 or 500.
    BadStatus(Vec<u8>),
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplyError::BadMetadataName(name) => write!(
                f,
                "metadata name {name:?} must be 1 to 255 characters of A-Z a-z 0-9 - _ . +"
            ),
            ReplyError::MetadataValueTooLong(name) => {
                write!(f, "the value of metadata {name:?} is too long")
            }
            ReplyError::BadMetadata => f.write_str("malformed ZMTP metadata"),
            ReplyError::FrameCount(n) => write!(f, "a ZAP reply has 6 frames, not {n}"),
            ReplyError::BadVersion => f.write_str("a ZAP reply's version must be 1.0"),
            ReplyError::BadStatus(s) => write!(
                f,
                "ZAP status {:?} is not 200, 300, 400 or 500",
                String::from_utf8_lossy(s)
            ),
        }
    }
}

impl std::error::Error for ReplyError {}

/// Whether `name` is a valid ZMTP metadata property name.
pub fn is_valid_metadata_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'+'))
}

/// Encodes metadata properties the way ZMTP does (name length in one byte, name, value
/// length in four bytes big-endian, value), for the last frame of a ZAP reply.
///
/// # Errors
/// [`ReplyError::BadMetadataName`] or [`ReplyError::MetadataValueTooLong`].
pub fn encode_metadata<N, V>(properties: &[(N, V)]) -> Result<Vec<u8>, ReplyError>
where
    N: AsRef<str>,
    V: AsRef<[u8]>,
{
    let mut out = Vec::new();
    for (name, value) in properties {
        let (name, value) = (name.as_ref(), value.as_ref());
        if !is_valid_metadata_name(name) {
            return Err(ReplyError::BadMetadataName(name.to_owned()));
        }
        let len = u32::try_from(value.len())
            .ok()
            .filter(|&len| len <= i32::MAX as u32)
            .ok_or_else(|| ReplyError::MetadataValueTooLong(name.to_owned()))?;
        out.push(name.len() as u8);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(value);
    }
    Ok(out)
}

/// Decodes ZMTP metadata (see [`encode_metadata`]).
///
/// # Errors
/// [`ReplyError::BadMetadata`] for truncated input or a name that is not valid.
pub fn decode_metadata(mut bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, ReplyError> {
    let mut properties = Vec::new();
    while let Some((&name_len, rest)) = bytes.split_first() {
        let name_len = usize::from(name_len);
        if rest.len() < name_len + 4 {
            return Err(ReplyError::BadMetadata);
        }
        let (name, rest) = rest.split_at(name_len);
        let name = std::str::from_utf8(name).map_err(|_| ReplyError::BadMetadata)?;
        if !is_valid_metadata_name(name) {
            return Err(ReplyError::BadMetadata);
        }
        let (len, rest) = rest.split_at(4);
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        if rest.len() < len {
            return Err(ReplyError::BadMetadata);
        }
        let (value, rest) = rest.split_at(len);
        properties.push((name.to_owned(), value.to_vec()));
        bytes = rest;
    }
    Ok(properties)
}

/// A ZAP reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZapReply {
    /// The request id being answered.
    pub request_id: Vec<u8>,
    /// The verdict.
    pub status: StatusCode,
    /// Why (for logs; libzmq does not pass it on).
    pub status_text: String,
    /// The user id libzmq attaches to the peer's messages (`User-Id`), for a success.
    pub user_id: Vec<u8>,
    /// Properties libzmq attaches to the peer's messages (see `Message::property`).
    pub metadata: Vec<(String, Vec<u8>)>,
}

impl ZapReply {
    /// A reply with no user id and no metadata.
    pub fn new(request_id: &[u8], status: StatusCode, status_text: &str) -> ZapReply {
        ZapReply {
            request_id: request_id.to_vec(),
            status,
            status_text: status_text.to_owned(),
            user_id: Vec::new(),
            metadata: Vec::new(),
        }
    }

    /// Sets the user id.
    pub fn with_user_id(mut self, user_id: impl Into<Vec<u8>>) -> ZapReply {
        self.user_id = user_id.into();
        self
    }

    /// The six frames to send.
    ///
    /// # Errors
    /// When the metadata cannot be encoded (see [`encode_metadata`]).
    pub fn to_frames(&self) -> Result<Vec<Vec<u8>>, ReplyError> {
        Ok(vec![
            ZAP_VERSION.to_vec(),
            self.request_id.clone(),
            self.status.as_bytes().to_vec(),
            self.status_text.as_bytes().to_vec(),
            self.user_id.clone(),
            encode_metadata(&self.metadata)?,
        ])
    }

    /// Parses and checks a reply as libzmq does: exactly six frames, version `1.0`, a
    /// known status code, decodable metadata.
    ///
    /// # Errors
    /// See [`ReplyError`].
    pub fn parse<F: AsRef<[u8]>>(frames: &[F]) -> Result<ZapReply, ReplyError> {
        if frames.len() != 6 {
            return Err(ReplyError::FrameCount(frames.len()));
        }
        let frame = |i: usize| frames[i].as_ref();
        if frame(0) != ZAP_VERSION {
            return Err(ReplyError::BadVersion);
        }
        let status = StatusCode::from_bytes(frame(2))
            .ok_or_else(|| ReplyError::BadStatus(frame(2).to_vec()))?;
        Ok(ZapReply {
            request_id: frame(1).to_vec(),
            status,
            status_text: String::from_utf8_lossy(frame(3)).into_owned(),
            user_id: frame(4).to_vec(),
            metadata: decode_metadata(frame(5))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_round_trips() {
        let props = vec![
            ("Role".to_string(), b"admin".to_vec()),
            ("X-n".into(), vec![]),
        ];
        let bytes = encode_metadata(&props).unwrap();
        assert_eq!(decode_metadata(&bytes).unwrap(), props);
        assert!(encode_metadata(&[("", b"x")]).is_err());
        assert!(encode_metadata(&[("a b", b"x")]).is_err());
        assert!(decode_metadata(&[5, b'a']).is_err());
    }

    #[test]
    fn requests_are_checked() {
        let short: [&[u8]; 2] = [b"1.0", b"1"];
        assert_eq!(
            ZapRequest::parse(&short),
            Err(RequestError::TooFewFrames(2))
        );
        let bad_version: [&[u8]; 6] = [b"2.0", b"1", b"", b"", b"", b"NULL"];
        assert!(matches!(
            ZapRequest::parse(&bad_version),
            Err(RequestError::BadVersion(_))
        ));
        let short_key: [&[u8]; 7] = [b"1.0", b"1", b"", b"", b"", b"CURVE", b"abc"];
        assert!(matches!(
            ZapRequest::parse(&short_key),
            Err(RequestError::BadCredentials(_))
        ));
        let plain: [&[u8]; 8] = [b"1.0", b"1", b"d", b"1.2.3.4", b"", b"PLAIN", b"u", b"pw"];
        let request = ZapRequest::parse(&plain).unwrap();
        assert!(!format!("{request:?}").contains("pw"));
    }
}
