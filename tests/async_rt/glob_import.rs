//! `use zmq::*;` leaves the tokio crate's name alone: `tokio::spawn`, `#[tokio::main]` and
//! `#[tokio::test]` compile next to the glob (the adapter lives at `zmq::rt::tokio`, and the
//! glob brings in `rt`, not `tokio`). This file compiling is most of the test.

use std::time::Duration;

use zmq::*;

/// The hang detector of every await here (never a verdict).
const LIMIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn spawn_next_to_the_glob() -> Result<()> {
    let ctx = Context::new();
    let mut pull = rt::tokio::AsyncSocket::new(ctx.socket(PULL)?)?;
    pull.get_ref().bind("inproc://glob-import")?;
    let push = ctx.socket(PUSH)?;
    push.connect("inproc://glob-import")?;
    let task = tokio::spawn(async move { push.send("hi", 0) });
    tokio::time::timeout(LIMIT, task).await.unwrap().unwrap()?;
    let text = tokio::time::timeout(LIMIT, pull.recv_string())
        .await
        .unwrap()?;
    assert_eq!(text.unwrap(), "hi");
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn a_main_next_to_the_glob() -> Result<()> {
    let ctx = Context::new();
    let mut pair = rt::tokio::AsyncSocket::new(ctx.socket(PAIR)?)?;
    pair.get_ref().bind("inproc://glob-main")?;
    let peer = ctx.socket(PAIR)?;
    peer.connect("inproc://glob-main")?;
    tokio::spawn(async move { peer.send("from main", 0) })
        .await
        .unwrap()?;
    let text = tokio::time::timeout(LIMIT, pair.recv_string())
        .await
        .unwrap()?;
    assert_eq!(text.unwrap(), "from main");
    Ok(())
}

#[test]
fn tokio_main_next_to_the_glob() {
    a_main_next_to_the_glob().unwrap();
}

/// The same for async-io: `async_io::block_on` and `smol::spawn` next to the glob (it
/// brings in `rt`, not `async_io`).
#[cfg(feature = "async-io")]
#[test]
fn async_io_next_to_the_glob() -> Result<()> {
    async_io::block_on(async {
        let ctx = Context::new();
        let mut pull = rt::async_io::AsyncSocket::new(ctx.socket(PULL)?)?;
        pull.get_ref().bind("inproc://glob-async-io")?;
        let mut push = rt::async_io::AsyncSocket::new(ctx.socket(PUSH)?)?;
        push.get_ref().connect("inproc://glob-async-io")?;
        let task = smol::spawn(async move { push.send("hi").await });
        let text = smol::future::or(async { Some(pull.recv_string().await) }, async {
            async_io::Timer::after(LIMIT).await;
            None
        })
        .await
        .expect("hang: nothing received")?;
        assert_eq!(text.unwrap(), "hi");
        task.await
    })
}
