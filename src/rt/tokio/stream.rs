//! `Stream` of whole messages and `Sink` of them, for [`AsyncSocket`] and its halves.
//!
//! The stream yields one whole multipart message per item and ends (`None`) only when the
//! context is terminated (`ETERM`), never on `EAGAIN`. It is cancel safe. The sink keeps
//! one message in the socket (not in a future): `poll_ready` and `poll_flush` push it,
//! and a flush that was dropped leaves it for the next one. `poll_close` flushes but does
//! not close the socket; dropping it does.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_sink::Sink;

use crate::rt::core::outgoing;
use crate::rt::tokio::future::Owner;
use crate::rt::tokio::{AsyncSocket, Core, Multipart, RecvHalf, SendHalf};
use crate::{Error, Message, Result};

fn poll_next(mut owner: Owner<'_>, cx: &mut Context<'_>) -> Poll<Option<Result<Multipart>>> {
    match owner.with(|core| core.poll_recv_multipart(cx)) {
        Poll::Pending => Poll::Pending,
        Poll::Ready(Err(Error::ETERM)) => Poll::Ready(None),
        Poll::Ready(res) => Poll::Ready(Some(res)),
    }
}

fn start_send<I>(mut owner: Owner<'_>, item: I) -> Result<()>
where
    I: IntoIterator,
    I::Item: Into<Message>,
{
    let message = outgoing(item);
    owner.with(|core| core.start_send(message));
    Ok(())
}

fn poll_flush(mut owner: Owner<'_>, cx: &mut Context<'_>) -> Poll<Result<()>> {
    owner.with(|core: &mut Core| core.poll_flush(cx))
}

impl Stream for AsyncSocket {
    type Item = Result<Multipart>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        poll_next(Owner::Owned(&mut self.get_mut().core), cx)
    }
}

impl Stream for RecvHalf {
    type Item = Result<Multipart>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        poll_next(Owner::Shared(&self.shared), cx)
    }
}

/// Any multipart message: `Vec<Message>`, `Vec<Vec<u8>>`, `[&str; 2]`, ...
impl<I> Sink<I> for AsyncSocket
where
    I: IntoIterator,
    I::Item: Into<Message>,
{
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        poll_flush(Owner::Owned(&mut self.get_mut().core), cx)
    }

    fn start_send(self: Pin<&mut Self>, item: I) -> Result<()> {
        start_send(Owner::Owned(&mut self.get_mut().core), item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        poll_flush(Owner::Owned(&mut self.get_mut().core), cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        poll_flush(Owner::Owned(&mut self.get_mut().core), cx)
    }
}

/// Any multipart message: `Vec<Message>`, `Vec<Vec<u8>>`, `[&str; 2]`, ...
impl<I> Sink<I> for SendHalf
where
    I: IntoIterator,
    I::Item: Into<Message>,
{
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        poll_flush(Owner::Shared(&self.shared), cx)
    }

    fn start_send(self: Pin<&mut Self>, item: I) -> Result<()> {
        start_send(Owner::Shared(&self.shared), item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        poll_flush(Owner::Shared(&self.shared), cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        poll_flush(Owner::Shared(&self.shared), cx)
    }
}
