//! [`Socket::send_serialized`] and [`Socket::recv_serialized`]: messages written and read
//! by the caller's own serialiser (pyzmq's methods of the same names).

use crate::{Error, Message, Socket};

impl Socket {
    /// Sends `value` as the frames `serialize` makes of it (one message: every frame but
    /// the last with `SNDMORE`), like pyzmq's `send_serialized`. Sends nothing for no
    /// frames.
    ///
    /// `serialize` returns anything that iterates over things that convert into a
    /// [`Message`] (`Vec<Vec<u8>>`, `[String; 2]`, `Vec<bytes::Bytes>`, ...), or its own
    /// error, which must be able to hold a [`zmq::Error`](Error) for the send.
    ///
    /// ```
    /// let ctx = zmq::Context::new();
    /// let (a, b) = (ctx.socket(zmq::PAIR)?, ctx.socket(zmq::PAIR)?);
    /// a.bind("inproc://serialized")?;
    /// b.connect("inproc://serialized")?;
    ///
    /// // A two-frame format: a header with the length, then the text.
    /// let encode = |text: &str| -> zmq::Result<[Vec<u8>; 2]> {
    ///     Ok([text.len().to_string().into_bytes(), text.as_bytes().to_vec()])
    /// };
    /// let decode = |frames: Vec<zmq::Message>| -> zmq::Result<String> {
    ///     match &frames[..] {
    ///         [len, text] if len.as_str() == Some(&text.len().to_string()) => {
    ///             text.as_str().map(str::to_owned).ok_or(zmq::Error::EPROTO)
    ///         }
    ///         _ => Err(zmq::Error::EPROTO),
    ///     }
    /// };
    /// a.send_serialized("hello", 0, encode)?;
    /// assert_eq!(b.recv_serialized(0, decode)?, "hello");
    /// # Ok::<(), zmq::Error>(())
    /// ```
    ///
    /// # Errors
    /// What `serialize` returns (nothing is sent), or the send's error converted into `E`.
    pub fn send_serialized<T, F, I, E>(&self, value: &T, flags: i32, serialize: F) -> Result<(), E>
    where
        T: ?Sized,
        F: FnOnce(&T) -> Result<I, E>,
        I: IntoIterator,
        I::Item: Into<Message>,
        E: From<Error>,
    {
        let frames = serialize(value)?;
        self.send_multipart(frames, flags).map_err(E::from)
    }

    /// Receives one whole message and hands its frames to `deserialize`, like pyzmq's
    /// `recv_serialized`. The frames are not copied. See
    /// [`send_serialized`](Self::send_serialized) for an example.
    ///
    /// # Errors
    /// The receive's error converted into `E` (nothing was received), or what
    /// `deserialize` returns (the message was received whole, so the socket stays at a
    /// message boundary).
    pub fn recv_serialized<T, F, E>(&self, flags: i32, deserialize: F) -> Result<T, E>
    where
        F: FnOnce(Vec<Message>) -> Result<T, E>,
        E: From<Error>,
    {
        let frames = self.recv_multipart_msgs(flags)?;
        deserialize(frames)
    }
}
