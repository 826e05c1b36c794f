//! curve_cert: make and read CURVE certificates in the file format czmq and pyzmq use.
//!
//! A certificate is two text files: `PATH`, the public one to hand out, and
//! `PATH_secret` (mode 0600), which holds the secret key too. Both carry metadata
//! (`name = value` lines). pyzmq's `zmq.auth.load_certificate` and czmq's `zcert_load`
//! read what this writes, and this reads theirs (`cargo xtask czmq-certs` checks czmq,
//! `tests/interop/security.rs` pyzmq).
//!
//! ```text
//! cargo run --example curve_cert -- new server.key name=server email=ops@example.org
//! cargo run --example curve_cert -- new --force server.key      # replace an existing pair
//! cargo run --example curve_cert -- show server.key             # public key, metadata
//! cargo run --example curve_cert -- show --secret server.key_secret
//! ```
//!
//! The secret key is never printed: it stays in `PATH_secret`. `show --secret` checks that
//! the secret file's key matches its public key and says so. `new` refuses to replace an
//! existing `PATH` or `PATH_secret` unless given `--force`.
//!
//! Exit status: 0 done (also for `--help`), 1 a file could not be read or written, or
//! already exists, 2 a bad command line.

use std::path::Path;
use std::process::ExitCode;

use zmq::auth::Certificate;
use zmq::auth::cert::secret_path;

const USAGE: &str = "\
usage: curve_cert new [--force] PATH [NAME=VALUE ...]
       curve_cert show [--secret] PATH
       curve_cert --help

new     make a key pair; write PATH (public) and PATH_secret (mode 0600)
        --force  replace PATH and PATH_secret if they exist
show    print a certificate file's public key and metadata
        --secret  PATH is a secret file: also check that its secret key matches

The secret key is never printed.
Exit status: 0 done, 1 a file error (or PATH exists without --force), 2 bad usage.";

/// What `show --secret` and `new` print instead of the secret key.
fn secret_line(cert: &Certificate) -> &'static str {
    let Some(secret) = cert.secret_key() else {
        return "(none)";
    };
    match Certificate::from_secret_key(secret.clone()) {
        Ok(derived) if derived.public_key() == cert.public_key() => {
            "(hidden; matches the public key)"
        }
        Ok(_) => "(hidden; does NOT match the public key)",
        Err(_) => "(hidden; cannot be checked without CURVE)",
    }
}

fn print(cert: &Certificate, with_secret: bool) {
    println!("public-key: {}", cert.public_key_z85());
    if with_secret {
        println!("secret-key: {}", secret_line(cert));
    }
    let mut metadata: Vec<_> = cert.metadata_iter().collect();
    metadata.sort();
    for (name, value) in metadata {
        println!("metadata: {name} = {value}");
    }
}

fn new(path: &str, metadata: &[String], force: bool) -> Result<(), (u8, String)> {
    let failed = |err: zmq::auth::cert::CertError| (1, err.to_string());
    if !force {
        let secret = secret_path(path);
        for existing in [Path::new(path), secret.as_path()] {
            if existing.exists() {
                return Err((
                    1,
                    format!(
                        "{} exists; not replacing a key pair (use `new --force` to replace it)",
                        existing.display()
                    ),
                ));
            }
        }
    }
    let mut cert = Certificate::new().map_err(failed)?;
    for pair in metadata {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| (2, format!("metadata {pair:?} is not NAME=VALUE\n{USAGE}")))?;
        cert.set_metadata(name, value)
            .map_err(|err| (2, err.to_string()))?;
    }
    cert.save(path).map_err(failed)?;
    print(&cert, true);
    Ok(())
}

/// `Ok(true)` when help was asked for.
fn run(args: &[String]) -> Result<bool, (u8, String)> {
    let bad_usage = || (2, USAGE.to_owned());
    let failed = |err: zmq::auth::cert::CertError| (1, err.to_string());
    if args.iter().any(|a| a == "--help" || a == "-h") {
        return Ok(true);
    }
    match args {
        [command, flag, path, metadata @ ..] if command == "new" && flag == "--force" => {
            new(path, metadata, true)?;
        }
        [command, path, metadata @ ..] if command == "new" && !path.starts_with('-') => {
            new(path, metadata, false)?;
        }
        [command, flag, path] if command == "show" && flag == "--secret" => {
            print(&Certificate::load(path).map_err(failed)?, true);
        }
        [command, path] if command == "show" && !path.starts_with('-') => {
            print(&Certificate::load(path).map_err(failed)?, false);
        }
        _ => return Err(bad_usage()),
    }
    Ok(false)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(true) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(false) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("curve_cert: {message}");
            ExitCode::from(code)
        }
    }
}
