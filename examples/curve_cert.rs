//! curve_cert: make and read CURVE certificates in the file format czmq and pyzmq use.
//!
//! A certificate is two text files: `PATH`, the public one to hand out, and
//! `PATH_secret` (mode 0600), which holds the secret key too. Both carry metadata
//! (`name = value` lines). pyzmq's `zmq.auth.load_certificate` and czmq's `zcert_load`
//! read what this writes, and this reads theirs (`scripts/czmq-certs.sh` checks czmq,
//! `tests/interop/security.rs` pyzmq).
//!
//! ```text
//! cargo run --example curve_cert -- new server.key name=server email=ops@example.org
//! cargo run --example curve_cert -- show server.key             # public key, metadata
//! cargo run --example curve_cert -- show --secret server.key_secret
//! ```
//! Exit status: 0 done, 1 a file could not be read or written, 2 a bad command line.

use std::process::ExitCode;

use zmq::auth::Certificate;

const USAGE: &str = "usage: curve_cert new PATH [NAME=VALUE ...] | show [--secret] PATH";

fn print(cert: &Certificate, with_secret: bool) {
    println!("public-key: {}", cert.public_key_z85());
    if with_secret {
        match cert.secret_key() {
            Some(secret) => println!("secret-key: {}", secret.to_z85()),
            None => println!("secret-key: (none)"),
        }
    }
    let mut metadata: Vec<_> = cert.metadata_iter().collect();
    metadata.sort();
    for (name, value) in metadata {
        println!("metadata: {name} = {value}");
    }
}

fn run(args: &[String]) -> Result<(), (u8, String)> {
    let bad_usage = || (2, USAGE.to_owned());
    let failed = |err: zmq::auth::cert::CertError| (1, err.to_string());
    match args {
        [command, path, metadata @ ..] if command == "new" => {
            let mut cert = Certificate::new().map_err(failed)?;
            for pair in metadata {
                let (name, value) = pair.split_once('=').ok_or_else(bad_usage)?;
                cert.set_metadata(name, value)
                    .map_err(|err| (2, err.to_string()))?;
            }
            cert.save(path).map_err(failed)?;
            print(&cert, true);
            Ok(())
        }
        [command, flag, path] if command == "show" && flag == "--secret" => {
            print(&Certificate::load(path).map_err(failed)?, true);
            Ok(())
        }
        [command, path] if command == "show" => {
            print(&Certificate::load(path).map_err(failed)?, false);
            Ok(())
        }
        _ => Err(bad_usage()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("curve_cert: {message}");
            ExitCode::from(code)
        }
    }
}
