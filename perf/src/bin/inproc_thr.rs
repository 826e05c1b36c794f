//! `inproc_thr`: see the crate docs.

fn main() {
    zmq_perf::main(zmq_perf::Tool::InprocThr);
}
