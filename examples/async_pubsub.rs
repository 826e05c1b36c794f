//! Async PUB/SUB: one publisher task, three subscriber tasks with different topic
//! prefixes. The publisher waits until every subscription has reached it (an XPUB reports
//! them), so no message is lost to the "slow joiner" effect, then publishes and ends with
//! a message on every topic.
//!
//! Run with `cargo run --example async_pubsub --features tokio`.

use futures::StreamExt;
use zmq::rt::tokio::AsyncSocket;

const TOPICS: [&str; 3] = ["weather", "sports", "news"];

#[tokio::main]
async fn main() -> zmq::Result<()> {
    let context = zmq::Context::new();
    let publisher = context.socket(zmq::XPUB)?;
    publisher.bind("tcp://127.0.0.1:*")?;
    let endpoint = publisher.get_last_endpoint()?.unwrap_or_default();
    let mut publisher = AsyncSocket::new(publisher)?;

    let mut subscribers = Vec::new();
    for topic in TOPICS {
        let socket = context.socket(zmq::SUB)?;
        socket.connect(&endpoint)?;
        socket.set_subscribe(topic.as_bytes())?;
        let mut socket = AsyncSocket::new(socket)?;
        subscribers.push(tokio::spawn(async move {
            let mut received = 0;
            // The socket is a Stream of whole messages: [topic, body].
            while let Some(message) = socket.next().await {
                let message = message?;
                let body = String::from_utf8_lossy(&message[1]).into_owned();
                if body == "END" {
                    break;
                }
                received += 1;
            }
            println!("subscriber {topic:>7}: {received} messages");
            Ok::<_, zmq::Error>(received)
        }));
    }

    // Each subscription arrives as a message: 1 followed by the topic.
    for _ in TOPICS {
        let subscription = publisher.recv_bytes().await?;
        println!(
            "publisher: subscription to {:?}",
            String::from_utf8_lossy(&subscription[1..])
        );
    }
    for i in 0..30 {
        let topic = TOPICS[i % TOPICS.len()];
        publisher
            .send_multipart([topic.to_owned(), format!("update {i}")])
            .await?;
    }
    for topic in TOPICS {
        publisher.send_multipart([topic, "END"]).await?;
    }
    for subscriber in subscribers {
        assert_eq!(subscriber.await.expect("subscriber panicked")?, 10);
    }
    println!("done");
    Ok(())
}
