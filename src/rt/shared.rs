//! The readiness core for sockets shared by many tasks at once (the thread-safe draft
//! sockets, used through `&self`): the same algorithm as [`core`](crate::rt::core)
//! (attempt; on `EAGAIN` register, re-check `ZMQ_EVENTS`, park on an fd edge), with a list
//! of waiters per direction instead of one slot, and the fd of a one-socket `zmq_poller`
//! instead of `ZMQ_FD`.
//!
//! Who wakes whom:
//! - an fd edge wakes every parked waiter (the reactor holds one fan-out waker);
//! - a waiter that reads `ZMQ_EVENTS` while parking wakes the waiters of the *other*
//!   direction whose bit is set (its read may have processed the command they wait for);
//! - a completed operation, while anyone is parked, reads `ZMQ_EVENTS` and wakes the
//!   waiters of every direction whose bit is set (I2).
//!
//! A waiter that parks never wakes waiters of its own direction, and a `POLLOUT` bit that
//! failed to deliver is not trusted by that waiter again before a real edge (I5, F7): so
//! two waiters can never keep waking each other while nothing happens (no busy wake).
//!
//! That edge may be taken by another waiter (every waiter parks on the same fd), between
//! the send that failed and the sender's registration: the command it announced (a pipe
//! with room again) is then processed by the other waiter's `ZMQ_EVENTS` read, and no
//! other edge follows. So whoever takes an edge, or reads the fd's signals, moves a
//! generation after its `ZMQ_EVENTS` read (a waiter that took an edge also wakes every
//! sender; a completing waiter that read the fd's signals moves it before its wakes), and
//! a sender trusts its `POLLOUT` bit again once the generation has moved since its failed
//! send (F7a). Generations move on edges and completed operations only: no busy wake.

#[cfg(loom)]
use loom::sync::atomic::{AtomicUsize, Ordering};
#[cfg(loom)]
use loom::sync::{Mutex, MutexGuard};
use std::sync::Arc;
#[cfg(not(loom))]
use std::sync::atomic::{AtomicUsize, Ordering};
#[cfg(not(loom))]
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker, ready};

#[cfg(feature = "draft")]
use crate::raw::drain_poller_fd;
use crate::rt::reactor::{Budget, Registration};
use crate::rt::waiters::Dir;
use crate::{Error, PollEvents, Result};

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding these locks; the data (wakers) stays consistent.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The parked waiters of one direction: a slot per waiting future, found by the id the
/// future keeps while it waits.
#[derive(Default)]
pub(crate) struct WaiterList {
    slots: Mutex<Slots>,
    /// How many slots hold a waker (so that a completed operation checks for parked
    /// waiters with one atomic load). Sequentially consistent for the same reason as
    /// `WakerSlot::registered`: a waiter stores it and then reads the socket's state; a
    /// waker changes the state and then loads it.
    parked: AtomicUsize,
}

#[derive(Default)]
struct Slots {
    wakers: Vec<Option<Waker>>,
    free: Vec<usize>,
}

impl WaiterList {
    /// Parks `waker` in the slot `id` (allocated on the first call).
    pub(crate) fn register(&self, id: &mut Option<usize>, waker: &Waker) {
        let mut slots = lock(&self.slots);
        let i = match *id {
            Some(i) => i,
            None => {
                let i = match slots.free.pop() {
                    Some(i) => i,
                    None => {
                        slots.wakers.push(None);
                        slots.wakers.len() - 1
                    }
                };
                *id = Some(i);
                i
            }
        };
        match &mut slots.wakers[i] {
            Some(old) if old.will_wake(waker) => {}
            Some(old) => *old = waker.clone(),
            empty @ None => {
                *empty = Some(waker.clone());
                self.parked.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    /// Forgets the waiter `id` (its future completed or was dropped) and frees its slot.
    pub(crate) fn remove(&self, id: &mut Option<usize>) {
        let Some(i) = id.take() else {
            return;
        };
        let mut slots = lock(&self.slots);
        if slots.wakers[i].take().is_some() {
            self.parked.fetch_sub(1, Ordering::SeqCst);
        }
        slots.free.push(i);
    }

    /// Whether any waiter is parked.
    #[inline]
    pub(crate) fn any_parked(&self) -> bool {
        self.parked.load(Ordering::SeqCst) != 0
    }

    /// How many waiters are parked.
    pub(crate) fn parked(&self) -> usize {
        self.parked.load(Ordering::SeqCst)
    }

    /// Wakes every parked waiter (each keeps its slot, empty, until it re-registers or
    /// leaves). The wakers are called after the lock is released.
    pub(crate) fn wake_all(&self) {
        if !self.any_parked() {
            return;
        }
        self.wake_all_locked();
    }

    /// [`wake_all`](Self::wake_all) without the look at the parked count first: it takes
    /// the lock, so a waiter that registers after it sees what was stored before it
    /// (F7a's generation) through the lock alone.
    pub(crate) fn wake_all_locked(&self) {
        let woken: Vec<Waker> = {
            let mut slots = lock(&self.slots);
            let woken: Vec<Waker> = slots.wakers.iter_mut().filter_map(Option::take).collect();
            self.parked.fetch_sub(woken.len(), Ordering::SeqCst);
            woken
        };
        for waker in woken {
            waker.wake();
        }
    }
}

/// The waiters of both directions; the waker the reactor holds wakes them all.
#[derive(Default)]
pub(crate) struct Waiters {
    lists: [WaiterList; 2],
}

impl Waiters {
    #[inline]
    pub(crate) fn list(&self, dir: Dir) -> &WaiterList {
        &self.lists[dir.index()]
    }

    /// Wakes every parked waiter of both directions.
    pub(crate) fn wake_all(&self) {
        for list in &self.lists {
            list.wake_all();
        }
    }
}

impl Wake for Waiters {
    fn wake(self: Arc<Self>) {
        self.wake_all();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wake_all();
    }
}

/// What one waiting future keeps between polls: its slot and its view of the hints. No
/// message state (cancel safety).
#[derive(Debug, Default)]
pub(crate) struct WaitState {
    id: Option<usize>,
    /// The last wait ended on a `ZMQ_EVENTS` bit, not on a completed operation.
    hint_pending: bool,
    /// A `POLLOUT` bit promised progress and the send still failed: wait for an edge
    /// before trusting the bit again (F7: a SERVER reports `POLLOUT` while one peer is
    /// full). `POLLIN` is never a false promise on these sockets: a failed receive after
    /// it means another task took the message, which is progress.
    hint_failed: bool,
    /// The last `Pending` of [`SharedReadiness::poll_op`] was the runtime's budget (no
    /// attempt was made), not a park: a socket timeout has not passed for it.
    yielded: bool,
    /// [`SharedReadiness`]'s generation as read before the last attempt (F7a).
    generation_seen: usize,
}

impl WaitState {
    /// Whether the last `Pending` was a yield to the runtime rather than a park.
    pub(crate) fn yielded(&self) -> bool {
        self.yielded
    }
}

/// The socket side the shared core drives: `ZMQ_EVENTS`.
pub(crate) trait EventSource {
    /// Reads `ZMQ_EVENTS` (which processes the socket's pending commands).
    fn events(&self) -> Result<PollEvents>;
}

/// The readiness of one shared socket: the fd registration and the waiter lists.
pub(crate) struct SharedReadiness<R: Registration> {
    fd: std::os::unix::io::RawFd,
    registration: R,
    waiters: Arc<Waiters>,
    fanout: Waker,
    /// Moved after every `ZMQ_EVENTS` read that follows taking an fd edge or reading the
    /// fd's signals: a command that edge announced has been processed since (F7a).
    generation: AtomicUsize,
}

impl<R: Registration> SharedReadiness<R> {
    /// # Safety
    /// `fd` is a `zmq_poller_fd` and stays open, as the same file, until
    /// [`deregister`](Self::deregister) or the drop of this value.
    pub(crate) unsafe fn new(fd: std::os::unix::io::RawFd) -> Self {
        let waiters = Arc::new(Waiters::default());
        SharedReadiness {
            fd,
            registration: R::default(),
            fanout: Waker::from(waiters.clone()),
            waiters,
            generation: AtomicUsize::new(0),
        }
    }

    pub(crate) fn waiters(&self) -> &Waiters {
        &self.waiters
    }

    pub(crate) fn is_registered_with_reactor(&self) -> bool {
        self.registration.is_registered()
    }

    /// Removes the fd from the reactor and wakes every waiter (they will find the socket
    /// gone or retry).
    pub(crate) fn deregister(&mut self) {
        self.registration.deregister();
        self.waiters.wake_all();
    }

    /// Reads the signals waiting on the poller's fd (see `drain_poller_fd`).
    fn drain_fd(&self) {
        #[cfg(feature = "draft")]
        {
            // SAFETY: `new`'s contract: `fd` is the open fd of the socket's poller.
            unsafe { drain_poller_fd(self.fd) };
        }
    }

    fn poll_edge(&self) -> Poll<Result<()>> {
        // SAFETY: `new`'s contract: the fd stays open until `deregister` or drop.
        unsafe { self.registration.poll_edge(self.fd, &self.fanout) }
    }

    /// Reads `ZMQ_EVENTS` and wakes the waiters of `dirs` whose bit is set (all of them on
    /// an error: they will see it themselves).
    fn dispatch(&self, socket: &impl EventSource, dirs: &[Dir]) -> Result<PollEvents> {
        let events = socket.events();
        for &dir in dirs {
            let list = self.waiters.list(dir);
            if list.any_parked() && events.as_ref().map_or(true, |ev| ev.contains(dir.event())) {
                list.wake_all();
            }
        }
        events
    }

    /// I2 after an operation completed (or failed other than with `EAGAIN`): wakes the
    /// parked waiters that can now go on. Nothing to do while nobody is parked.
    #[inline]
    fn after_op(&self, socket: &impl EventSource) {
        if self.waiters.list(Dir::Recv).any_parked() || self.waiters.list(Dir::Send).any_parked() {
            let _ = self.dispatch(socket, &Dir::BOTH);
        }
    }

    /// Parks the waiter until `ZMQ_EVENTS` says `dir` can go on (I1), or it is woken.
    fn poll_wait(
        &self,
        socket: &impl EventSource,
        dir: Dir,
        state: &mut WaitState,
        cx: &mut Context<'_>,
    ) -> Poll<Result<()>> {
        // 1. Register first: from now on, whoever sees our bit set wakes us.
        self.waiters.list(dir).register(&mut state.id, cx.waker());
        let mut took_edge = false;
        loop {
            // 2. Then read ZMQ_EVENTS, waking the other direction if it can go on.
            let events = self.dispatch(socket, &[dir.other()])?;
            if took_edge {
                // F7a: the edge we took may be the one a sender that failed before it
                // waits for. Only senders distrust a bit, so only they are woken
                // (receivers were, by the edge itself).
                self.announce([Dir::Send]);
            }
            if events.contains(dir.event())
                && (!state.hint_failed
                    || self.generation.load(Ordering::SeqCst) != state.generation_seen)
            {
                state.hint_pending = true;
                return Poll::Ready(Ok(()));
            }
            // 3. Park unless the reactor saw an edge since; an edge renews the hints.
            ready!(self.poll_edge())?;
            took_edge = true;
            state.hint_failed = false;
            // 4. Read the fd's signals before reading ZMQ_EVENTS again (which covers what
            // they signalled): left there, they would keep the fd readable, and a
            // level-triggered reactor would report it at every park (a busy wake).
            self.drain_fd();
        }
    }

    /// Runs `op` (which must not block: `DONTWAIT`) until it does not fail with `EAGAIN`,
    /// parking in between. Takes a unit of the runtime's cooperative budget first.
    pub(crate) fn poll_op<S: EventSource, T>(
        &self,
        socket: &S,
        dir: Dir,
        state: &mut WaitState,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&S) -> Result<T>,
    ) -> Poll<Result<T>> {
        state.yielded = false;
        let Poll::Ready(budget) = R::poll_budget(cx) else {
            state.yielded = true;
            return Poll::Pending;
        };
        loop {
            state.generation_seen = self.generation.load(Ordering::SeqCst);
            match op(socket) {
                Err(Error::EAGAIN) => {
                    if std::mem::take(&mut state.hint_pending) && dir == Dir::Send {
                        state.hint_failed = true;
                    }
                    match self.poll_wait(socket, dir, state, cx) {
                        Poll::Ready(Ok(())) => continue,
                        Poll::Ready(Err(err)) => {
                            self.finish(socket, dir, state);
                            return Poll::Ready(Err(err));
                        }
                        Poll::Pending => return Poll::Pending,
                    }
                }
                res => {
                    budget.made_progress();
                    self.finish(socket, dir, state);
                    return Poll::Ready(res);
                }
            }
        }
    }

    /// The waiter is done: leaves its list, then wakes whoever can go on now.
    fn finish(&self, socket: &impl EventSource, dir: Dir, state: &mut WaitState) {
        let parked = state.id.is_some();
        if parked {
            // It parked, and the edge that woke it left its signal on the fd (step 4 only
            // reads signals when the wait goes on): read it, so that the next waiters park
            // on an fd that is not readable. Every waiter reads ZMQ_EVENTS after it parks,
            // and ZMQ_EVENTS is read below for those parked now: what the signal announced
            // is not missed.
            self.drain_fd();
        }
        self.waiters.list(dir).remove(&mut state.id);
        state.hint_pending = false;
        state.hint_failed = false;
        if !parked {
            self.after_op(socket);
            return;
        }
        // Those signals may announce a command a distrusting sender waits for (F7a), in
        // the order of a taken edge: read ZMQ_EVENTS (processing it), then announce to the
        // directions that can go on.
        let events = socket.events();
        self.announce(
            Dir::BOTH
                .into_iter()
                .filter(|dir| events.as_ref().map_or(true, |ev| ev.contains(dir.event()))),
        );
    }

    /// F7a: moves the generation, then wakes the waiters of `dirs` under their lists'
    /// locks. A waiter registered by then is woken; one that registers after the lock
    /// sees the new generation, and trusts a bit it had come to distrust.
    fn announce(&self, dirs: impl IntoIterator<Item = Dir>) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        for dir in dirs {
            self.waiters.list(dir).wake_all_locked();
        }
    }

    /// A future that waited in `dir` is dropped: leaves its list. If it had been woken
    /// (its slot empty) and is dropped before using the wake, the others were woken by
    /// the same event (wakes go to every waiter), so nothing is lost.
    pub(crate) fn cancel(&self, dir: Dir, state: &mut WaitState) {
        if state.id.is_some() {
            self.waiters.list(dir).remove(&mut state.id);
        }
    }
}

#[cfg(all(test, loom))]
mod loom_model {
    //! The waiter lists under every interleaving loom finds. The "socket" is a counter of
    //! queued messages behind a mutex, as libzmq's thread-safe sockets keep their state
    //! behind the socket's mutex (every send, receive and `ZMQ_EVENTS` read takes it).
    //! That also keeps the model within what loom checks soundly: loom treats `SeqCst`
    //! loads and stores as acquire/release, under which the store-then-load handshake
    //! between a parking waiter and a waker would be reported as a false lost wakeup.

    use loom::sync::Mutex;
    use loom::sync::atomic::{AtomicUsize, Ordering};
    use loom::thread;
    use std::sync::Arc;
    use std::task::{Wake, Waker};

    use super::WaiterList;

    #[derive(Default)]
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Takes one message if there is one (a receive with DONTWAIT).
    fn try_recv(queued: &Mutex<usize>) -> bool {
        let mut queued = queued.lock().unwrap();
        match queued.checked_sub(1) {
            Some(left) => {
                *queued = left;
                true
            }
            None => false,
        }
    }

    fn has_queued(queued: &Mutex<usize>) -> bool {
        *queued.lock().unwrap() > 0
    }

    /// One receiver as `poll_op` runs it: try; on EAGAIN register, re-check, park; on
    /// success leave the list and wake the others if messages remain (I2).
    fn receiver(list: &WaiterList, queued: &Mutex<usize>, waker: &Waker) -> bool {
        if try_recv(queued) {
            if list.any_parked() && has_queued(queued) {
                list.wake_all();
            }
            return true;
        }
        let mut id = None;
        list.register(&mut id, waker);
        if try_recv(queued) {
            list.remove(&mut id);
            if list.any_parked() && has_queued(queued) {
                list.wake_all();
            }
            return true;
        }
        false // parked
    }

    /// Two receivers share one socket while two messages arrive, each followed by an fd
    /// edge (the reactor's fan-out wakes every waiter): each receiver gets a message or a
    /// wake, so none is parked for good while a message waits.
    #[test]
    fn two_receivers_none_forgotten() {
        loom::model(|| {
            let list = Arc::new(WaiterList::default());
            let queued = Arc::new(Mutex::new(0usize));
            let counters = [Arc::new(Counter::default()), Arc::new(Counter::default())];
            let other = thread::spawn({
                let (list, queued, counter) = (list.clone(), queued.clone(), counters[1].clone());
                move || receiver(&list, &queued, &Waker::from(counter))
            });
            let io = thread::spawn({
                let (list, queued) = (list.clone(), queued.clone());
                move || {
                    for _ in 0..2 {
                        *queued.lock().unwrap() += 1;
                        list.wake_all(); // the edge
                    }
                }
            });
            let got = [
                receiver(&list, &queued, &Waker::from(counters[0].clone())),
                other.join().unwrap(),
            ];
            io.join().unwrap();
            for (got, counter) in got.iter().zip(&counters) {
                assert!(
                    *got || counter.0.load(Ordering::SeqCst) >= 1,
                    "lost wakeup: got={got:?} wakes={:?} queued={} parked={}",
                    counters
                        .iter()
                        .map(|c| c.0.load(Ordering::SeqCst))
                        .collect::<Vec<_>>(),
                    *queued.lock().unwrap(),
                    list.parked()
                );
            }
        });
    }

    /// F7a: a sender that distrusts its POLLOUT bit (a send failed after it) races a waiter
    /// that takes the fd edge announcing room in the pipe, or reads the fd's signals as its
    /// operation completes (`finish`), and processes that command. The
    /// sender reads the generation before its send, registers after it failed, and trusts
    /// the bit again once the generation moved; the edge taker moves the generation after
    /// its ZMQ_EVENTS read and then wakes every waiter under the lists' lock (which orders
    /// the two without relying on `SeqCst`, which loom checks as acquire/release). The
    /// sender sends or is woken.
    #[test]
    fn a_distrusting_sender_misses_no_taken_edge() {
        loom::model(|| {
            let list = Arc::new(WaiterList::default());
            // Whether the pipe has room: behind the socket's mutex, as in libzmq.
            let room = Arc::new(Mutex::new(false));
            let generation = Arc::new(AtomicUsize::new(0));
            let counter = Arc::new(Counter::default());
            let taker = thread::spawn({
                let (list, room, generation) = (list.clone(), room.clone(), generation.clone());
                move || {
                    // Took the edge; its ZMQ_EVENTS read processes "activate write".
                    *room.lock().unwrap() = true;
                    generation.fetch_add(1, Ordering::SeqCst);
                    list.wake_all_locked();
                }
            });
            let try_send = || std::mem::take(&mut *room.lock().unwrap());
            let seen = generation.load(Ordering::SeqCst);
            let sent = try_send() || {
                let mut id = None;
                list.register(&mut id, &Waker::from(counter.clone()));
                // ZMQ_EVENTS says POLLOUT (a SERVER always does); trusted only if the
                // generation moved since the failed send.
                let retried = generation.load(Ordering::SeqCst) != seen && try_send();
                if retried {
                    list.remove(&mut id);
                }
                retried
            };
            taker.join().unwrap();
            assert!(
                sent || counter.0.load(Ordering::SeqCst) >= 1,
                "lost wakeup: the sender parked with room in the pipe"
            );
        });
    }

    /// A waiter that leaves (its future dropped) while an edge wakes the list leaves no
    /// waker and no count behind.
    #[test]
    fn cancel_leaves_nothing() {
        loom::model(|| {
            let list = Arc::new(WaiterList::default());
            let counter = Arc::new(Counter::default());
            let mut id = None;
            list.register(&mut id, &Waker::from(counter.clone()));
            let waker_thread = thread::spawn({
                let list = list.clone();
                move || list.wake_all()
            });
            list.remove(&mut id);
            waker_thread.join().unwrap();
            assert_eq!(list.parked(), 0);
            assert_eq!(Arc::strong_count(&counter), 1, "a waker clone leaked");
        });
    }
}
