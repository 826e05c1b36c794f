//! `Stream` of whole messages and `Sink` of them, for [`AsyncSocket`] and its halves.
//!
//! The stream yields one whole multipart message per item and ends (`None`) only when the
//! context is terminated (`ETERM`), never on `EAGAIN`. It is cancel safe. The sink keeps
//! one message in the socket (not in a future): `poll_ready` and `poll_flush` push it,
//! and a flush that was dropped leaves it for the next one. `poll_close` flushes but does
//! not close the socket; dropping it does. A buffered message that libzmq refuses (say
//! `EHOSTUNREACH` from a ROUTER with `set_router_mandatory`) is dropped, and its error
//! comes from `poll_ready`, `poll_flush` or `poll_close`, even when an inherent `send` of
//! another message pushed it first (that send goes on with its own message).

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_sink::Sink;

use crate::rt::core::outgoing;
use crate::rt::future::Owner;
use crate::rt::{AsyncSocket, CoreOf, Multipart, RecvHalf, Runtime, SendHalf};
use crate::{Error, Message, Result};

fn poll_next<R: Runtime>(
    mut owner: Owner<'_, R>,
    cx: &mut Context<'_>,
) -> Poll<Option<Result<Multipart>>> {
    match owner.with(|core| core.poll_recv_multipart(cx, false)) {
        Poll::Pending => Poll::Pending,
        Poll::Ready(Err(Error::ETERM)) => Poll::Ready(None),
        Poll::Ready(res) => Poll::Ready(Some(res)),
    }
}

fn start_send<R: Runtime, I>(mut owner: Owner<'_, R>, item: I) -> Result<()>
where
    I: IntoIterator,
    I::Item: Into<Message>,
{
    let message = outgoing(item);
    owner.with(|core| core.start_send(message))
}

fn poll_flush<R: Runtime>(mut owner: Owner<'_, R>, cx: &mut Context<'_>) -> Poll<Result<()>> {
    owner.with(|core: &mut CoreOf<R>| core.poll_flush(cx))
}

impl<R: Runtime> Stream for AsyncSocket<R> {
    type Item = Result<Multipart>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        poll_next(Owner::<R>::Owned(&mut self.get_mut().core), cx)
    }
}

impl<R: Runtime> Stream for RecvHalf<R> {
    type Item = Result<Multipart>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        poll_next(Owner::Shared(&self.shared), cx)
    }
}

/// Any multipart message: `Vec<Message>`, `Vec<Vec<u8>>`, `[&str; 2]`, ... The Sink holds
/// one message: a `start_send` while it still holds one (without `poll_ready` first) is
/// `EFSM`, and that new message is dropped.
impl<R: Runtime, I> Sink<I> for AsyncSocket<R>
where
    I: IntoIterator,
    I::Item: Into<Message>,
{
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        poll_flush(Owner::<R>::Owned(&mut self.get_mut().core), cx)
    }

    fn start_send(self: Pin<&mut Self>, item: I) -> Result<()> {
        start_send(Owner::<R>::Owned(&mut self.get_mut().core), item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        poll_flush(Owner::<R>::Owned(&mut self.get_mut().core), cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        poll_flush(Owner::<R>::Owned(&mut self.get_mut().core), cx)
    }
}

/// Any multipart message: `Vec<Message>`, `Vec<Vec<u8>>`, `[&str; 2]`, ...
impl<R: Runtime, I> Sink<I> for SendHalf<R>
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
