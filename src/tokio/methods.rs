//! The receive and send methods, written once for [`AsyncSocket`](crate::tokio::AsyncSocket)
//! and for the halves of a split socket. Each type that uses them has an
//! `owner(&mut self) -> Owner<'_>` method giving access to the socket's state.

/// `recv_msg`, `recv_bytes`, `recv_string`, `recv_multipart`, `recv_multipart_msgs` and
/// `poll_recv`.
macro_rules! recv_methods {
    () => {
        /// Receives one frame, like [`Socket::recv_msg`](crate::Socket::recv_msg).
        ///
        /// Cancel safe: a dropped future has received nothing.
        ///
        /// # Errors
        /// `EAGAIN` after `RCVTIMEO`; `EFSM` when the socket type does not allow a receive
        /// now; `ETERM` when the context (or the tokio runtime) is gone.
        pub fn recv_msg(&mut self) -> $crate::tokio::RecvMsg<'_> {
            $crate::tokio::RecvMsg::new(self.owner())
        }

        /// Receives one frame as bytes, like [`Socket::recv_bytes`](crate::Socket::recv_bytes).
        /// Cancel safe.
        pub async fn recv_bytes(&mut self) -> $crate::Result<Vec<u8>> {
            $crate::tokio::future::bytes(self.recv_msg()).await
        }

        /// Receives one frame as text, like
        /// [`Socket::recv_string`](crate::Socket::recv_string): `Ok(Err(bytes))` when it
        /// is not UTF-8. Cancel safe.
        pub async fn recv_string(
            &mut self,
        ) -> $crate::Result<std::result::Result<String, Vec<u8>>> {
            $crate::tokio::future::string(self.recv_msg()).await
        }

        /// Receives every frame of one message, like
        /// [`Socket::recv_multipart`](crate::Socket::recv_multipart).
        ///
        /// Cancel safe: the message is read whole within one poll, or left in libzmq.
        pub async fn recv_multipart(&mut self) -> $crate::Result<Vec<Vec<u8>>> {
            $crate::tokio::future::multipart(self.recv_multipart_msgs()).await
        }

        /// Receives every frame of one message without copying them, like
        /// [`Socket::recv_multipart_msgs`](crate::Socket::recv_multipart_msgs). Cancel safe.
        pub fn recv_multipart_msgs(&mut self) -> $crate::tokio::RecvMultipart<'_> {
            $crate::tokio::RecvMultipart::new(self.owner())
        }

        /// Polls for one whole message (what the `Stream` yields). Cancel safe; ignores
        /// `RCVTIMEO`.
        pub fn poll_recv(
            &mut self,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<$crate::Result<$crate::tokio::Multipart>> {
            self.owner().with(|core| core.poll_recv_multipart(cx))
        }
    };
}

/// `send`, `send_multipart`, `poll_send_ready` and `try_send`.
macro_rules! send_methods {
    () => {
        /// Sends one frame (without `SNDMORE`), like [`Socket::send`](crate::Socket::send).
        ///
        /// All or nothing: dropped before it completes, the future has sent nothing (the
        /// message is dropped with it). Use [`try_send`](Self::try_send) to get a message
        /// back.
        ///
        /// # Errors
        /// `EAGAIN` after `SNDTIMEO`; `EFSM`; `EHOSTUNREACH` (ROUTER with `ROUTER_MANDATORY`);
        /// `ETERM`.
        pub fn send<T: Into<$crate::Message>>(
            &mut self,
            data: T,
        ) -> $crate::tokio::SendMessage<'_> {
            $crate::tokio::SendMessage::frames(self.owner(), data.into(), Vec::new())
        }

        /// Sends the parts as one multipart message, like
        /// [`Socket::send_multipart`](crate::Socket::send_multipart); sends
        /// nothing for no parts.
        ///
        /// All or nothing: no frame is sent before libzmq accepts the first, and then all
        /// are sent in the same poll (libzmq counts its high-water mark in whole messages). A
        /// future dropped before that has sent nothing.
        pub fn send_multipart<I, T>(&mut self, parts: I) -> $crate::tokio::SendMessage<'_>
        where
            I: IntoIterator<Item = T>,
            T: Into<$crate::Message>,
        {
            let message = $crate::tokio::core::outgoing(parts);
            $crate::tokio::SendMessage::new(self.owner(), message)
        }

        /// `Ready` when a send will probably not block: at once while sends succeed, and after
        /// a send hit `EAGAIN`, when libzmq reports room (`POLLOUT`, a hint: a ROUTER may have
        /// room for some peers only). Also flushes what the `Sink` buffered.
        pub fn poll_send_ready(
            &mut self,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<$crate::Result<()>> {
            self.owner().with(|core| core.poll_send_ready(cx))
        }

        /// Sends one message if libzmq accepts it now, else hands it back (in
        /// [`TrySendError`](crate::tokio::TrySendError), with `EAGAIN` when there is no room).
        /// Pair it with
        /// [`poll_send_ready`](Self::poll_send_ready).
        pub fn try_send<I, T>(
            &mut self,
            parts: I,
        ) -> std::result::Result<(), $crate::tokio::TrySendError>
        where
            I: IntoIterator<Item = T>,
            T: Into<$crate::Message>,
        {
            let Some(message) = $crate::tokio::core::outgoing(parts) else {
                return Ok(());
            };
            self.owner()
                .with(|core| core.try_send(message))
                .map_err($crate::tokio::TrySendError::new)
        }
    };
}

pub(crate) use {recv_methods, send_methods};
