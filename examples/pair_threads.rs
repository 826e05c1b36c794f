//! PAIR over inproc between threads: the simplest one-to-one channel, here used to signal
//! between the stages of a three-step computation, each stage a thread.
//!
//! ```text
//! step 1 ──PAIR──▶ step 2 ──PAIR──▶ main
//! ```
//!
//! ```sh
//! cargo run --example pair_threads
//! ```

use std::thread;

fn main() -> zmq::Result<()> {
    // One context for every thread: inproc endpoints are visible only within a context.
    let ctx = zmq::Context::new();

    let receiver = ctx.socket(zmq::PAIR)?;
    receiver.bind("inproc://step2-to-main")?;

    let step2 = {
        let ctx = ctx.clone();
        thread::spawn(move || -> zmq::Result<()> {
            let from_step1 = ctx.socket(zmq::PAIR)?;
            from_step1.bind("inproc://step1-to-step2")?;

            let step1 = {
                let ctx = ctx.clone();
                thread::spawn(move || -> zmq::Result<()> {
                    let to_step2 = ctx.socket(zmq::PAIR)?;
                    to_step2.connect("inproc://step1-to-step2")?;
                    println!("step 1: ready, signalling step 2");
                    to_step2.send("step 1 done", 0)
                })
            };

            let signal = from_step1.recv_string(0)?.unwrap_or_default();
            println!("step 2: got '{signal}', signalling main");
            let to_main = ctx.socket(zmq::PAIR)?;
            to_main.connect("inproc://step2-to-main")?;
            to_main.send("step 2 done", 0)?;
            step1.join().expect("step 1 thread")
        })
    };

    let signal = receiver.recv_string(0)?.unwrap_or_default();
    println!("main: got '{signal}', all steps finished");
    step2.join().expect("step 2 thread")
}
