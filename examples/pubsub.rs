//! PUB/SUB with topic filters: one publisher, two subscribers that each subscribe to a
//! topic prefix and receive only what matches. Also shows the slow-joiner effect
//! (messages published before a subscription reaches the publisher are dropped) and one
//! cure: an XPUB publisher, which receives the subscriptions, waits for them.
//!
//! ```sh
//! cargo run --example pubsub
//! ```

use std::thread;

fn subscriber(
    ctx: zmq::Context,
    endpoint: String,
    topic: &'static str,
) -> zmq::Result<Vec<String>> {
    let sub = ctx.socket(zmq::SUB)?;
    sub.connect(&endpoint)?;
    // A SUB socket receives nothing until it subscribes; a prefix of "" means everything.
    sub.set_subscribe(topic.as_bytes())?;
    sub.set_rcvtimeo(5000)?; // never wait forever in an example
    let mut received = Vec::new();
    loop {
        let [topic, body]: [Vec<u8>; 2] = match sub.recv_multipart(0)?.try_into() {
            Ok(parts) => parts,
            Err(_) => continue,
        };
        let body = String::from_utf8_lossy(&body).into_owned();
        if body == "END" {
            return Ok(received);
        }
        received.push(format!("{}: {body}", String::from_utf8_lossy(&topic)));
    }
}

fn main() -> zmq::Result<()> {
    let ctx = zmq::Context::new();
    // XPUB is a PUB that also receives its subscribers' subscriptions.
    let publisher = ctx.socket(zmq::XPUB)?;
    publisher.bind("tcp://127.0.0.1:*")?;
    let endpoint = publisher.get_last_endpoint()?.unwrap();
    println!("publisher bound to {endpoint}");

    let weather = {
        let (ctx, endpoint) = (ctx.clone(), endpoint.clone());
        thread::spawn(move || subscriber(ctx, endpoint, "weather."))
    };
    let sports = {
        let (ctx, endpoint) = (ctx.clone(), endpoint.clone());
        thread::spawn(move || subscriber(ctx, endpoint, "sports."))
    };

    // Slow joiner: subscriptions travel to the publisher asynchronously, and a publisher
    // drops messages nobody is subscribed to yet. Wait until both subscriptions arrived:
    // each is a message of 0x01 followed by the topic prefix.
    publisher.set_rcvtimeo(5000)?;
    for _ in 0..2 {
        let subscription = publisher.recv_bytes(0)?;
        println!(
            "publisher sees a subscription to {:?}",
            String::from_utf8_lossy(&subscription[1..])
        );
    }

    let updates = [
        ("weather.paris", "sunny, 24°C"),
        ("sports.tennis", "match point"),
        ("weather.oslo", "snow, -3°C"),
        ("traffic.a1", "jammed"), // nobody subscribed: dropped by the publisher
        ("sports.chess", "checkmate"),
    ];
    for (topic, body) in updates {
        println!("publish  {topic:<14} {body}");
        // The first frame is the topic: subscriptions match its prefix.
        publisher.send_multipart([topic, body], 0)?;
    }
    for topic in ["weather.", "sports."] {
        publisher.send_multipart([topic, "END"], 0)?;
    }

    for (name, handle) in [("weather.", weather), ("sports.", sports)] {
        let received = handle.join().expect("subscriber thread")?;
        println!("subscriber to {name:<9} got {received:?}");
    }
    Ok(())
}
