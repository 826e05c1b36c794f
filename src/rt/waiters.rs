//! Our own waiter slots (one per direction) and the fan-out waker the reactor holds.
//!
//! The bottom of the async adapters: no reactor and no socket here. Kept apart from the
//! reactor code so that a loom model can check the protocol: a waiter
//! registers *before* it reads `ZMQ_EVENTS`, and whoever makes progress possible for it
//! (the reactor's edge, or an operation of the other direction) wakes it afterwards, so a
//! wakeup is never lost (I1-I3). Run the models with `cargo xtask loom` (xtask/src/loom.rs;
//! docs/design/async.md §4); they cover this core once, for every reactor binding.

#[cfg(loom)]
use loom::sync::atomic::{AtomicBool, Ordering};
#[cfg(loom)]
use loom::sync::{Mutex, MutexGuard};
use std::sync::Arc;
#[cfg(not(loom))]
use std::sync::atomic::{AtomicBool, Ordering};
#[cfg(not(loom))]
use std::sync::{Mutex, MutexGuard};
use std::task::{Wake, Waker};

use crate::PollEvents;

/// A direction of traffic, and the waiter slot that belongs to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dir {
    /// Receiving: waits for `POLLIN`.
    Recv = 0,
    /// Sending: waits for `POLLOUT`.
    Send = 1,
}

impl Dir {
    pub(crate) const BOTH: [Dir; 2] = [Dir::Recv, Dir::Send];

    pub(crate) fn other(self) -> Dir {
        match self {
            Dir::Recv => Dir::Send,
            Dir::Send => Dir::Recv,
        }
    }

    /// The `ZMQ_EVENTS` bit that says this direction can make progress.
    pub(crate) fn event(self) -> PollEvents {
        match self {
            Dir::Recv => PollEvents::POLLIN,
            Dir::Send => PollEvents::POLLOUT,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding these locks; if something did, the data (an optional
    // waker) is still consistent.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One parked waiter: the waker of the task waiting in one direction.
///
/// "Parked" means "a waker is registered". `registered` mirrors that so the hot path can
/// ask without taking the lock (one atomic load per operation). It is sequentially
/// consistent: a waiter stores it and then reads the socket's state, while a waker
/// changes that state and then loads it; with weaker orderings both could read stale
/// values and the wakeup would be lost (the loom model below found exactly that).
pub(crate) struct WakerSlot {
    registered: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Default for WakerSlot {
    fn default() -> Self {
        WakerSlot {
            registered: AtomicBool::new(false),
            waker: Mutex::new(None),
        }
    }
}

impl WakerSlot {
    /// Parks `waker` here, replacing an older one (no clone when it is the same task).
    pub(crate) fn register(&self, waker: &Waker) {
        let mut slot = lock(&self.waker);
        match &*slot {
            Some(old) if old.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
        self.registered.store(true, Ordering::SeqCst);
    }

    /// Whether a waiter is parked here.
    #[inline]
    pub(crate) fn is_registered(&self) -> bool {
        self.registered.load(Ordering::SeqCst)
    }

    /// Unparks: removes and returns the waker.
    pub(crate) fn take(&self) -> Option<Waker> {
        let mut slot = lock(&self.waker);
        self.registered.store(false, Ordering::SeqCst);
        slot.take()
    }

    /// Wakes the parked waiter, if any (it is unparked).
    pub(crate) fn wake(&self) {
        if let Some(waker) = self.take() {
            waker.wake();
        }
    }

    /// Forgets the parked waiter without waking it (its future completed or was dropped).
    #[inline]
    pub(crate) fn clear(&self) {
        if self.is_registered() {
            self.clear_slow();
        }
    }

    #[cold]
    fn clear_slow(&self) {
        drop(self.take());
    }
}

/// The waker the reactor holds: it wakes both of our slots.
#[derive(Default)]
pub(crate) struct FanOut {
    slots: [WakerSlot; 2],
}

impl FanOut {
    #[inline]
    pub(crate) fn slot(&self, dir: Dir) -> &WakerSlot {
        &self.slots[dir.index()]
    }

    /// Wakes the slots whose flag is set.
    pub(crate) fn wake_dirs(&self, dirs: [bool; 2]) {
        for dir in Dir::BOTH {
            if dirs[dir.index()] {
                self.slot(dir).wake();
            }
        }
    }

    /// Wakes every parked waiter (they re-check the socket themselves).
    pub(crate) fn wake_all(&self) {
        for slot in &self.slots {
            if slot.is_registered() {
                slot.wake();
            }
        }
    }

    /// How many wakers are parked (for tests and diagnostics).
    pub(crate) fn parked(&self) -> usize {
        self.slots.iter().filter(|s| s.is_registered()).count()
    }
}

impl Wake for FanOut {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        for slot in &self.slots {
            slot.wake();
        }
    }
}

#[cfg(all(test, loom))]
mod loom_model {
    //! The waiter protocol under every interleaving loom can find. The "socket" is one
    //! atomic flag, `ready`, standing for what `ZMQ_EVENTS` would report.

    use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use loom::thread;
    use std::sync::Arc;
    use std::task::{Wake, Waker};

    use super::{Dir, FanOut};

    #[derive(Default)]
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// `Core::after_op` for the send half, under the socket's lock: `maybe_parked` is the
    /// core's `Slow::MAYBE_PARKED` bit (set by poll_wait before it registers), `dispatch`
    /// is I2's re-check. The hot path (`Core::fast_op`) runs only while the bit is clear,
    /// i.e. where this function does nothing.
    fn after_send_op(maybe_parked: &mut bool, fanout: &FanOut, dispatch: impl FnOnce()) {
        if *maybe_parked {
            fanout.slot(Dir::Send).clear();
            if fanout.slot(Dir::Recv).is_registered() {
                dispatch();
            } else if !fanout.slot(Dir::Send).is_registered() {
                *maybe_parked = false;
            }
        }
    }

    /// The parking side (poll_wait): register first, then check the state.
    fn park(fanout: &FanOut, dir: Dir, waker: &Waker, ready: &AtomicBool) -> bool {
        fanout.slot(dir).register(waker);
        if ready.load(Ordering::SeqCst) {
            fanout.slot(dir).clear();
            return true;
        }
        false
    }

    /// I2 as the real code does it: the receiver registers and checks the state under the
    /// socket's lock; the send half changes the state (its op processed libzmq's commands)
    /// and then, under the same lock, wakes the receiver if it is parked. The lock guards
    /// the core's `Slow::MAYBE_PARKED` bit.
    #[test]
    fn other_direction_dispatches() {
        loom::model(|| {
            let fanout = Arc::new(FanOut::default());
            let ready = Arc::new(AtomicBool::new(false));
            let core = Arc::new(loom::sync::Mutex::new(false));
            let counter = Arc::new(Counter::default());
            let waker = Waker::from(counter.clone());
            let sender = thread::spawn({
                let (fanout, ready, core) = (fanout.clone(), ready.clone(), core.clone());
                move || {
                    let mut maybe_parked = core.lock().unwrap();
                    ready.store(true, Ordering::SeqCst);
                    after_send_op(&mut maybe_parked, &fanout, || {
                        if ready.load(Ordering::SeqCst) {
                            fanout.slot(Dir::Recv).wake();
                        }
                    });
                }
            });
            let got = {
                let mut maybe_parked = core.lock().unwrap();
                *maybe_parked = true;
                park(&fanout, Dir::Recv, &waker, &ready)
            };
            sender.join().unwrap();
            assert!(got || counter.0.load(Ordering::SeqCst) >= 1, "lost wakeup");
        });
    }

    /// I2 with the sender on the hot path (`Core::fast_op`): under the socket's lock it
    /// tests the core's bit *before* its op and, while the bit is clear, does the op alone
    /// (no re-check afterwards); otherwise the op and then `after_op`. The receiver
    /// registers and checks as in `other_direction_dispatches`. Testing the bit before the
    /// op instead of after it is the same, since only a holder of the lock changes it.
    #[test]
    fn fast_path_sender_dispatches() {
        loom::model(|| {
            let fanout = Arc::new(FanOut::default());
            let ready = Arc::new(AtomicBool::new(false));
            let core = Arc::new(loom::sync::Mutex::new(false));
            let counter = Arc::new(Counter::default());
            let waker = Waker::from(counter.clone());
            let sender = thread::spawn({
                let (fanout, ready, core) = (fanout.clone(), ready.clone(), core.clone());
                move || {
                    let mut maybe_parked = core.lock().unwrap();
                    if !*maybe_parked {
                        ready.store(true, Ordering::SeqCst); // the op alone
                        return;
                    }
                    ready.store(true, Ordering::SeqCst);
                    after_send_op(&mut maybe_parked, &fanout, || {
                        if ready.load(Ordering::SeqCst) {
                            fanout.slot(Dir::Recv).wake();
                        }
                    });
                }
            });
            let got = {
                let mut maybe_parked = core.lock().unwrap();
                *maybe_parked = true;
                park(&fanout, Dir::Recv, &waker, &ready)
            };
            sender.join().unwrap();
            assert!(got || counter.0.load(Ordering::SeqCst) >= 1, "lost wakeup");
        });
    }

    /// The send half of the socket in the models below, under the socket's lock: its op
    /// processes libzmq's commands (drains the fd, F3), then, per I2, a parked receiver is
    /// woken if `ready` (after a `ZMQ_EVENTS` read, which drains the fd too).
    fn spawn_send_half(
        fanout: &Arc<FanOut>,
        ready: &Arc<AtomicBool>,
        edge: &Arc<AtomicBool>,
        core: &Arc<loom::sync::Mutex<bool>>,
    ) -> thread::JoinHandle<()> {
        let (fanout, ready, edge, core) =
            (fanout.clone(), ready.clone(), edge.clone(), core.clone());
        thread::spawn(move || {
            let mut maybe_parked = core.lock().unwrap();
            edge.swap(false, Ordering::SeqCst); // the op processes the commands
            after_send_op(&mut maybe_parked, &fanout, || {
                edge.swap(false, Ordering::SeqCst); // ZMQ_EVENTS
                if ready.load(Ordering::SeqCst) {
                    fanout.slot(Dir::Recv).wake();
                }
            });
        })
    }

    /// I1 + I2 with a model of both sides. libzmq's I/O thread makes a message available
    /// (`ready`), then writes the fd (`edge`). The edge-triggered reactor reports the fd
    /// only while it is still readable; tokio then sets its sticky readiness bit and wakes
    /// the fan-out. The send half's operation processes libzmq's commands (draining the
    /// fd, F3) and then, per I2, wakes the parked receiver if `ready`. The receiver, as in
    /// `Core::poll_wait`: registers, reads `ZMQ_EVENTS` (drains the fd, reads `ready`), and
    /// parks only if tokio's readiness is not set, re-checking once if it was. Receiver and
    /// sender hold the socket's lock, as in the real code. No interleaving may leave the
    /// receiver parked, unwoken, with a message ready and no edge left to report.
    ///
    /// Every write to `edge` and to `readiness` is a read-modify-write, as in reality: an
    /// eventfd write adds to the kernel's counter and a read swaps it with 0, and tokio
    /// sets and clears readiness with `fetch_update`. This also matters to loom 0.7, which
    /// does not keep a plain `store` out of the middle of a concurrent `swap` (loom #254,
    /// "Invalid history with concurrent RMW and store"): with the I/O thread's write as a
    /// `store`, loom produced a history in which that write is read by no swap and is not
    /// the final value either, i.e. the edge vanished, which no real execution allows. That
    /// was the counterexample once reported here; every sequentially consistent
    /// interleaving of that earlier model is free of lost wakeups.
    #[test]
    fn io_reactor_and_other_direction() {
        loom::model(|| {
            let fanout = Arc::new(FanOut::default());
            let ready = Arc::new(AtomicBool::new(false));
            let edge = Arc::new(AtomicBool::new(false));
            let readiness = Arc::new(AtomicBool::new(false));
            let core = Arc::new(loom::sync::Mutex::new(false));
            let counter = Arc::new(Counter::default());
            let waker = Waker::from(counter.clone());
            let io = thread::spawn({
                let (ready, edge) = (ready.clone(), edge.clone());
                move || {
                    ready.store(true, Ordering::SeqCst);
                    edge.swap(true, Ordering::SeqCst); // eventfd write: counter += 1
                }
            });
            let reactor = thread::spawn({
                let (fanout, edge, readiness) = (fanout.clone(), edge.clone(), readiness.clone());
                move || {
                    if edge.load(Ordering::SeqCst) {
                        readiness.swap(true, Ordering::SeqCst); // tokio: fetch_update
                        Waker::from(fanout).wake();
                    }
                }
            });
            let sender = spawn_send_half(&fanout, &ready, &edge, &core);
            let got = {
                let mut maybe_parked = core.lock().unwrap();
                *maybe_parked = true;
                fanout.slot(Dir::Recv).register(&waker);
                let mut got = false;
                for _ in 0..2 {
                    edge.swap(false, Ordering::SeqCst); // ZMQ_EVENTS
                    if ready.load(Ordering::SeqCst) {
                        fanout.slot(Dir::Recv).clear();
                        got = true;
                        break;
                    }
                    if !readiness.swap(false, Ordering::SeqCst) {
                        break; // Pending: parked
                    }
                }
                got
            };
            io.join().unwrap();
            reactor.join().unwrap();
            sender.join().unwrap();
            let woken = counter.0.load(Ordering::SeqCst) >= 1;
            // An edge still in the fd would be reported by the reactor later.
            let edge_left = edge.load(Ordering::SeqCst);
            assert!(
                got || woken || edge_left,
                "lost wakeup: got={got} woken={woken} edge_left={edge_left} ready={} readiness={} parked={}",
                ready.load(Ordering::SeqCst),
                readiness.load(Ordering::SeqCst),
                fanout.parked()
            );
        });
    }

    /// I1a, the quick park after a receive's `EAGAIN`, with the parties of
    /// `io_reactor_and_other_direction`. The receiver, under the socket's lock: its
    /// attempt processes libzmq's commands (drains the fd) and then looks for the message
    /// (`ready`); on `EAGAIN` it registers and, with the send slot empty, asks the reactor
    /// for an edge *without* reading `ZMQ_EVENTS`: no edge parks at once; an edge is
    /// cleared, and only if the fd is still readable (a command came after the attempt)
    /// does it read `ZMQ_EVENTS` as `Core::poll_wait` does. The send half's op drains the
    /// fd too, and wakes a parked receiver (I2). No interleaving may leave the receiver
    /// parked, unwoken, with a message ready and no edge left in the fd.
    ///
    /// The reactor starts with the stale edge that woke the receiver's last wait (its
    /// commands processed, the fd drained). With `take_edge_first`, the receiver takes
    /// it before its attempt, as `Core::take_edge` does for a receive polled again after
    /// a park; without, the wait finds it.
    fn drained_receiver(take_edge_first: bool) {
        loom::model(move || {
            let fanout = Arc::new(FanOut::default());
            let ready = Arc::new(AtomicBool::new(false));
            let edge = Arc::new(AtomicBool::new(false));
            let readiness = Arc::new(AtomicBool::new(true)); // stale
            // epoll's ready list (EPOLLET): an fd write queues one report, which epoll_wait
            // delivers once, and only while the fd is still readable.
            let queued = Arc::new(AtomicBool::new(false));
            let core = Arc::new(loom::sync::Mutex::new(false));
            let counter = Arc::new(Counter::default());
            let waker = Waker::from(counter.clone());
            let io = thread::spawn({
                let (ready, edge, queued) = (ready.clone(), edge.clone(), queued.clone());
                move || {
                    ready.store(true, Ordering::SeqCst);
                    edge.swap(true, Ordering::SeqCst); // eventfd write
                    queued.swap(true, Ordering::SeqCst);
                }
            });
            let reactor = thread::spawn({
                let (fanout, edge, readiness, queued) = (
                    fanout.clone(),
                    edge.clone(),
                    readiness.clone(),
                    queued.clone(),
                );
                move || {
                    if queued.swap(false, Ordering::SeqCst) && edge.load(Ordering::SeqCst) {
                        readiness.swap(true, Ordering::SeqCst);
                        Waker::from(fanout).wake();
                    }
                }
            });
            let sender = spawn_send_half(&fanout, &ready, &edge, &core);
            let got = {
                let mut maybe_parked = core.lock().unwrap();
                if take_edge_first {
                    readiness.swap(false, Ordering::SeqCst);
                }
                // The attempt: processes every command, then finds no message (EAGAIN)...
                edge.swap(false, Ordering::SeqCst);
                if ready.load(Ordering::SeqCst) {
                    true
                } else {
                    // ... so poll_wait(Recv, drained = true).
                    *maybe_parked = true;
                    fanout.slot(Dir::Recv).register(&waker);
                    assert!(!fanout.slot(Dir::Send).is_registered());
                    let mut got = false;
                    let mut read_events = false;
                    for _ in 0..3 {
                        if read_events {
                            edge.swap(false, Ordering::SeqCst); // ZMQ_EVENTS
                            if ready.load(Ordering::SeqCst) {
                                fanout.slot(Dir::Recv).clear();
                                got = true;
                                break;
                            }
                        }
                        if !readiness.swap(false, Ordering::SeqCst) {
                            break; // Pending: parked
                        }
                        // An edge: read ZMQ_EVENTS only if the fd is still readable.
                        read_events = edge.load(Ordering::SeqCst);
                    }
                    got
                }
            };
            io.join().unwrap();
            reactor.join().unwrap();
            sender.join().unwrap();
            let woken = counter.0.load(Ordering::SeqCst) >= 1;
            // A report still queued, for a readable fd, would wake the receiver later.
            let edge_left = queued.load(Ordering::SeqCst) && edge.load(Ordering::SeqCst);
            assert!(
                got || woken || edge_left,
                "lost wakeup: got={got} woken={woken} edge_left={edge_left}"
            );
        });
    }

    #[test]
    fn drained_receiver_parks_on_the_reactor() {
        drained_receiver(false);
    }

    #[test]
    fn drained_receiver_takes_the_edge_first() {
        drained_receiver(true);
    }

    /// I3: the reactor's fan-out waker wakes both directions, each parked independently;
    /// neither overwrites the other (the single-waker problem of tokio's registration).
    #[test]
    fn fanout_wakes_both_directions() {
        loom::model(|| {
            let fanout = Arc::new(FanOut::default());
            let ready = Arc::new(AtomicBool::new(false));
            let (rx, tx) = (Arc::new(Counter::default()), Arc::new(Counter::default()));
            let tx_thread = thread::spawn({
                let (fanout, ready, tx) = (fanout.clone(), ready.clone(), tx.clone());
                move || park(&fanout, Dir::Send, &Waker::from(tx), &ready)
            });
            let reactor = thread::spawn({
                let (fanout, ready) = (fanout.clone(), ready.clone());
                move || {
                    ready.store(true, Ordering::SeqCst);
                    Waker::from(fanout).wake();
                }
            });
            let rx_got = park(&fanout, Dir::Recv, &Waker::from(rx.clone()), &ready);
            let tx_got = tx_thread.join().unwrap();
            reactor.join().unwrap();
            assert!(
                rx_got || rx.0.load(Ordering::SeqCst) >= 1,
                "receiver lost its wakeup"
            );
            assert!(
                tx_got || tx.0.load(Ordering::SeqCst) >= 1,
                "sender lost its wakeup"
            );
        });
    }

    /// A cancelled waiter (its future dropped) leaves no waker behind, whatever a
    /// concurrent wake does.
    #[test]
    fn cancel_leaves_no_waker() {
        loom::model(|| {
            let fanout = Arc::new(FanOut::default());
            let counter = Arc::new(Counter::default());
            fanout
                .slot(Dir::Recv)
                .register(&Waker::from(counter.clone()));
            let waker_thread = thread::spawn({
                let fanout = fanout.clone();
                move || fanout.slot(Dir::Recv).wake()
            });
            fanout.slot(Dir::Recv).clear();
            waker_thread.join().unwrap();
            assert_eq!(fanout.parked(), 0);
            assert_eq!(Arc::strong_count(&counter), 1, "a waker clone leaked");
        });
    }
}
