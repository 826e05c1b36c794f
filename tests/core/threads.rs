//! Sockets used from other threads: moved (Send), shared behind a Mutex, and inproc
//! between threads.

use crate::common;

use std::sync::{Arc, Mutex};

use common::{POSITIVE_WAIT, socket, watchdog};

#[test]
fn a_socket_moves_to_another_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<zmq::Socket>();

    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let rep = socket(&ctx, zmq::REP);
    rep.bind("inproc://moved").unwrap();
    // Made here, used there.
    let server = std::thread::spawn(move || {
        for _ in 0..3 {
            let request = rep.recv_bytes(0).unwrap();
            rep.send([b"echo: ".as_slice(), &request].concat(), 0)
                .unwrap();
        }
        rep // and handed back
    });
    let req = socket(&ctx, zmq::REQ);
    req.connect("inproc://moved").unwrap();
    for i in 0..3 {
        req.send(format!("{i}").as_str(), 0).unwrap();
        assert_eq!(
            req.recv_bytes(0).unwrap(),
            format!("echo: {i}").into_bytes()
        );
    }
    let rep = server.join().unwrap();
    assert_eq!(rep.get_socket_type().unwrap(), zmq::REP);
}

#[test]
fn a_socket_behind_a_mutex_serves_several_threads() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let pull = socket(&ctx, zmq::PULL);
    pull.bind("inproc://mutex").unwrap();
    let push = Arc::new(Mutex::new(socket(&ctx, zmq::PUSH)));
    push.lock().unwrap().connect("inproc://mutex").unwrap();
    let senders: Vec<_> = (0..4)
        .map(|t| {
            let push = Arc::clone(&push);
            std::thread::spawn(move || {
                for i in 0..50 {
                    push.lock().unwrap().send(format!("{t}-{i}"), 0).unwrap();
                }
            })
        })
        .collect();
    for sender in senders {
        sender.join().unwrap();
    }
    let mut received = std::collections::HashSet::new();
    for _ in 0..200 {
        received.insert(pull.recv_string(0).unwrap().unwrap());
    }
    assert_eq!(received.len(), 200);
}

#[test]
fn pair_between_threads() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let main_end = socket(&ctx, zmq::PAIR);
    main_end.bind("inproc://pair-threads").unwrap();
    let worker_ctx = ctx.clone();
    let worker = std::thread::spawn(move || {
        let end = socket(&worker_ctx, zmq::PAIR);
        end.connect("inproc://pair-threads").unwrap();
        end.send("ready", 0).unwrap();
        let mut total = 0;
        loop {
            let msg = end.recv_msg(0).unwrap();
            if msg.is_empty() {
                break;
            }
            total += msg.as_str().unwrap().parse::<u32>().unwrap();
        }
        end.send(total.to_string().as_str(), 0).unwrap();
    });
    assert_eq!(main_end.recv_bytes(0).unwrap(), b"ready");
    for n in 1..=10u32 {
        main_end.send(n.to_string().as_str(), 0).unwrap();
    }
    main_end.send("", 0).unwrap();
    assert_eq!(main_end.recv_string(0).unwrap().unwrap(), "55");
    worker.join().unwrap();
}
