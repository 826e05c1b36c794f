//! `inproc_lat`: see the crate docs.

fn main() {
    zmq_perf::main(zmq_perf::Tool::InprocLat);
}
