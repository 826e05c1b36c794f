//! JSON messages (feature `serde`): [`Socket::send_json`] and [`Socket::recv_json`], and
//! the same on the async socket. The wire format is pyzmq's `send_json`/`recv_json`: one
//! frame of UTF-8 JSON.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Error, Message, Socket};

/// Why [`Socket::send_json`] or [`Socket::recv_json`] failed.
///
/// A transport error ([`JsonError::Transport`]) is the socket's; the others are about the
/// message, which has been consumed whole: the socket keeps working and the next receive
/// gets the next message.
#[derive(Debug)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
pub enum JsonError {
    /// Sending or receiving failed (e.g. `EAGAIN` after a timeout or with `DONTWAIT`,
    /// `ETERM`). Nothing was sent, or nothing was received.
    Transport(Error),
    /// The value could not be written as JSON (e.g. a map with non-string keys, or a
    /// `Serialize` impl that failed). Nothing was sent.
    Encode(serde_json::Error),
    /// The frame is not valid UTF-8 JSON, or not JSON of the type asked for. `bytes` is
    /// the frame.
    Decode {
        /// What serde_json said (line and column in `bytes`).
        error: serde_json::Error,
        /// The raw frame.
        bytes: Vec<u8>,
    },
    /// The message has more than one frame; a JSON message has one. Every frame has
    /// been received (they are here), so the next receive gets the next message.
    Multipart {
        /// All the frames of the message.
        frames: Vec<Vec<u8>>,
    },
}

impl JsonError {
    /// The transport error, if it is one.
    pub fn transport(&self) -> Option<Error> {
        match self {
            JsonError::Transport(err) => Some(*err),
            _ => None,
        }
    }

    /// Whether a message arrived but was not what was expected (not JSON, not the type,
    /// several frames).
    pub fn is_decode(&self) -> bool {
        matches!(self, JsonError::Decode { .. } | JsonError::Multipart { .. })
    }

    /// The received bytes of a decode error (the first frame of a multipart message).
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            JsonError::Decode { bytes, .. } => Some(bytes),
            JsonError::Multipart { frames } => frames.first().map(Vec::as_slice),
            _ => None,
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Transport(err) => write!(f, "JSON message not transferred: {err}"),
            JsonError::Encode(err) => write!(f, "cannot write the value as JSON: {err}"),
            JsonError::Decode { error, bytes } => write!(
                f,
                "received a frame of {} bytes that is not the JSON expected: {error}",
                bytes.len()
            ),
            JsonError::Multipart { frames } => write!(
                f,
                "received a message of {} frames where one JSON frame was expected",
                frames.len()
            ),
        }
    }
}

impl std::error::Error for JsonError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            JsonError::Transport(err) => Some(err),
            JsonError::Encode(err) => Some(err),
            JsonError::Decode { error, .. } => Some(error),
            JsonError::Multipart { .. } => None,
        }
    }
}

impl From<Error> for JsonError {
    fn from(err: Error) -> JsonError {
        JsonError::Transport(err)
    }
}

/// The frame to send for `value`.
pub(crate) fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, JsonError> {
    serde_json::to_vec(value).map_err(JsonError::Encode)
}

/// Decodes a whole received message (its frames).
pub(crate) fn decode<T: DeserializeOwned>(frames: Vec<Message>) -> Result<T, JsonError> {
    match <[Message; 1]>::try_from(frames) {
        Ok([frame]) => serde_json::from_slice(&frame).map_err(|error| JsonError::Decode {
            error,
            bytes: frame.to_vec(),
        }),
        Err(frames) => Err(JsonError::Multipart {
            frames: frames.iter().map(|f| f.to_vec()).collect(),
        }),
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl Socket {
    /// Sends `value` as one frame of JSON, like pyzmq's `send_json` (feature `serde`).
    ///
    /// `flags` as for [`Socket::send`] (`0`, [`DONTWAIT`](crate::DONTWAIT),
    /// [`SNDMORE`](crate::SNDMORE)).
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let ctx = zmq::Context::new();
    /// let (a, b) = (ctx.socket(zmq::PAIR)?, ctx.socket(zmq::PAIR)?);
    /// a.bind("inproc://json-doc")?;
    /// b.connect("inproc://json-doc")?;
    ///
    /// a.send_json(&json!({"op": "add", "args": [1, 2]}), 0)?;
    /// let request: serde_json::Value = b.recv_json(0)?;
    /// assert_eq!(request["args"][1], 2);
    ///
    /// // Any Serialize/Deserialize type; a frame that is not one is a decode error.
    /// a.send_json(&(1u8, "two"), 0)?;
    /// let err = b.recv_json::<Vec<u32>>(0).unwrap_err();
    /// assert!(err.is_decode());
    /// assert_eq!(err.bytes(), Some(&b"[1,\"two\"]"[..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`JsonError::Encode`] when serde_json cannot write the value (nothing is sent);
    /// [`JsonError::Transport`] as for [`Socket::send`].
    pub fn send_json<T: Serialize + ?Sized>(&self, value: &T, flags: i32) -> Result<(), JsonError> {
        let frame = encode(value)?;
        self.send(frame, flags).map_err(JsonError::Transport)
    }

    /// Receives one message and decodes it from JSON, like pyzmq's `recv_json` (feature
    /// `serde`). `flags`: `0` or [`DONTWAIT`](crate::DONTWAIT).
    ///
    /// # Errors
    /// - [`JsonError::Transport`]: nothing was received (`EAGAIN`, `ETERM`, ...).
    /// - [`JsonError::Decode`]: the frame is not UTF-8 JSON of type `T`; it carries the
    ///   bytes.
    /// - [`JsonError::Multipart`]: the message has several frames; all were received
    ///   (the error carries them), so the next call gets the next message.
    ///
    /// See [`send_json`](Self::send_json) for an example.
    pub fn recv_json<T: DeserializeOwned>(&self, flags: i32) -> Result<T, JsonError> {
        let first = self.recv_msg(flags)?;
        if !first.get_more() {
            return decode(vec![first]);
        }
        // The rest of a multipart message is already here (libzmq delivers messages
        // whole): take it all, so that the socket stays at a message boundary.
        let mut frames = vec![first];
        self.recv_multipart_into(&mut frames, flags & !crate::DONTWAIT)?;
        decode(frames)
    }
}

#[cfg(all(any(feature = "tokio", feature = "async-io"), unix))]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<R: crate::rt::Runtime> crate::rt::AsyncSocket<R> {
    /// Sends `value` as one frame of JSON; see [`Socket::send_json`] (features `serde` and
    /// `tokio`). All or nothing, like [`send`](Self::send).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), zmq::JsonError> {
    /// use zmq::rt::tokio::AsyncSocket;
    ///
    /// let ctx = zmq::Context::new();
    /// let mut server = AsyncSocket::new(ctx.socket(zmq::REP)?)?;
    /// server.get_ref().bind("inproc://json-async")?;
    /// let mut client = AsyncSocket::new(ctx.socket(zmq::REQ)?)?;
    /// client.get_ref().connect("inproc://json-async")?;
    ///
    /// client.send_json(&serde_json::json!({"n": 41})).await?;
    /// let request: serde_json::Value = server.recv_json().await?;
    /// server.send_json(&(request["n"].as_i64().unwrap() + 1)).await?;
    /// assert_eq!(client.recv_json::<i64>().await?, 42);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send_json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), JsonError> {
        let frame = encode(value)?;
        self.send(frame).await.map_err(JsonError::Transport)
    }

    /// Receives one whole message and decodes it from JSON; see [`Socket::recv_json`].
    /// Cancel safe: the message is read whole within one poll, or left in libzmq.
    pub async fn recv_json<T: DeserializeOwned>(&mut self) -> Result<T, JsonError> {
        let frames = self.recv_multipart_msgs().await?;
        decode(frames)
    }
}

#[cfg(all(any(feature = "tokio", feature = "async-io"), unix))]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<R: crate::rt::Runtime> crate::rt::SendHalf<R> {
    /// Sends `value` as one frame of JSON, from the sending half of a split socket; see
    /// [`AsyncSocket::send_json`](crate::rt::AsyncSocket::send_json).
    pub async fn send_json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), JsonError> {
        let frame = encode(value)?;
        self.send(frame).await.map_err(JsonError::Transport)
    }
}

#[cfg(all(any(feature = "tokio", feature = "async-io"), unix))]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<R: crate::rt::Runtime> crate::rt::RecvHalf<R> {
    /// Receives one whole message and decodes it from JSON, on the receiving half of a
    /// split socket; see [`AsyncSocket::recv_json`](crate::rt::AsyncSocket::recv_json).
    /// Cancel safe.
    pub async fn recv_json<T: DeserializeOwned>(&mut self) -> Result<T, JsonError> {
        let frames = self.recv_multipart_msgs().await?;
        decode(frames)
    }
}
