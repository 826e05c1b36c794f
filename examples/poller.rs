//! A `Poller` reading from two sockets in one thread: a PULL socket with tasks and a SUB
//! socket with control messages, whichever has something first — the pattern of pyzmq's
//! `zmq.Poller` from the reference programs (docs/architecture.md, "Reference programs").
//!
//! ```sh
//! cargo run --example poller
//! ```

use std::thread;
use std::time::Duration;

use zmq::poller::Poller;

fn main() -> zmq::Result<()> {
    let ctx = zmq::Context::new();
    let tasks = ctx.socket(zmq::PULL)?;
    tasks.bind("inproc://tasks")?;
    let control = ctx.socket(zmq::SUB)?;
    control.bind("inproc://control")?;
    control.set_subscribe(b"")?;

    // Two producers in other threads: tasks now and then, and a final "stop".
    let producer = {
        let ctx = ctx.clone();
        thread::spawn(move || -> zmq::Result<()> {
            let push = ctx.socket(zmq::PUSH)?;
            push.connect("inproc://tasks")?;
            let publish = ctx.socket(zmq::PUB)?;
            publish.connect("inproc://control")?;
            for i in 1..=5 {
                push.send(format!("task {i}"), 0)?;
                thread::sleep(Duration::from_millis(20));
            }
            publish.send("stop", 0)
        })
    };

    let mut poller = Poller::new();
    let tasks_token = poller.add(&tasks, zmq::POLLIN);
    let control_token = poller.add(&control, zmq::POLLIN);
    'serve: loop {
        // Wait for either socket (at most 5 s, so the example can never hang).
        if poller.poll(Some(Duration::from_secs(5)))? == 0 {
            println!("nothing for 5 s, giving up");
            break;
        }
        for (token, _events) in poller.ready() {
            if token == tasks_token {
                let task = tasks.recv_string(0)?.unwrap_or_default();
                println!("tasks socket:   {task}");
            } else if token == control_token {
                let command = control.recv_string(0)?.unwrap_or_default();
                println!("control socket: {command}");
                if command == "stop" {
                    break 'serve;
                }
            }
        }
    }
    producer.join().expect("producer thread")
}
