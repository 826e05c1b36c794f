//! CURVE certificates in the text format of czmq's `zcert` and pyzmq's `zmq.auth`.
//!
//! A certificate is a key pair plus metadata. It is saved as two files: a public one
//! (share it) and a secret one with the same name plus `_secret` (keep it; written with
//! mode 0600). pyzmq names them `NAME.key` and `NAME.key_secret`
//! ([`create_certificates`] does the same); czmq uses any name. Both sides load each
//! other's files. The format is a small subset of ZPL (ZeroMQ RFC 4):
//!
//! ```text
//! #   ZeroMQ CURVE **Secret** Certificate
//! metadata
//!     name = "server one"
//! curve
//!     public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
//!     secret-key = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
//! ```
//!
//! ```
//! use zmq::auth::cert::Certificate;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let mut cert = Certificate::new().unwrap();
//! cert.set_metadata("name", "server one").unwrap();
//! let path = dir.path().join("server.key");
//! cert.save(&path).unwrap(); // server.key and server.key_secret
//!
//! let public = Certificate::load(&path).unwrap();
//! assert_eq!(public.public_key(), cert.public_key());
//! assert!(public.secret_key().is_none());
//! let secret = Certificate::load(dir.path().join("server.key_secret")).unwrap();
//! assert!(secret.secret_key().is_some());
//! assert_eq!(secret.metadata("name"), Some("server one"));
//! ```

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::curve::zeroize;
use crate::{CurveKeyPair, Socket};

/// A CURVE secret key: not shown by `Debug`, zeroed when dropped.
#[derive(Clone, PartialEq, Eq)]
#[repr(transparent)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    /// Wraps 32 key bytes.
    pub fn new(bytes: [u8; 32]) -> SecretKey {
        SecretKey(bytes)
    }

    /// Decodes 40 Z85 characters.
    pub fn from_z85(text: &str) -> Option<SecretKey> {
        crate::curve::decode_key(text).map(SecretKey)
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key as 40 Z85 characters (handle the string with care).
    pub fn to_z85(&self) -> String {
        crate::z85::encode(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<hidden>)")
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        zeroize(&mut self.0);
    }
}

/// What went wrong with a certificate file.
#[derive(Debug)]
#[non_exhaustive]
pub enum CertError {
    /// Reading or writing a file failed.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The text is not a certificate.
    Parse {
        /// The file, when the text came from one.
        path: Option<PathBuf>,
        /// The 1-based line number (0 when the problem is the file as a whole).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A metadata name or value that cannot be written (see [`Certificate::set_metadata`]).
    BadMetadata(String),
    /// Saving a secret file for a certificate that has no secret key.
    NoSecretKey(PathBuf),
    /// Generating keys failed (libzmq without CURVE).
    Zmq(crate::Error),
}

impl fmt::Display for CertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            CertError::Parse {
                path,
                line,
                message,
            } => {
                if let Some(path) = path {
                    write!(f, "{}", path.display())?;
                    if *line > 0 {
                        write!(f, ":{line}")?;
                    }
                    f.write_str(": ")?;
                } else if *line > 0 {
                    write!(f, "line {line}: ")?;
                }
                write!(f, "not a CURVE certificate: {message}")
            }
            CertError::BadMetadata(why) => write!(f, "bad certificate metadata: {why}"),
            CertError::NoSecretKey(path) => write!(
                f,
                "{}: this certificate has no secret key to save",
                path.display()
            ),
            CertError::Zmq(err) => write!(f, "cannot generate CURVE keys: {err}"),
        }
    }
}

impl std::error::Error for CertError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CertError::Io { source, .. } => Some(source),
            CertError::Zmq(err) => Some(err),
            _ => None,
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> CertError + '_ {
    move |source| CertError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A CURVE certificate: a public key, maybe its secret key, and metadata.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    public_key: [u8; 32],
    secret_key: Option<SecretKey>,
    metadata: Vec<(String, String)>,
}

impl Certificate {
    /// A certificate with a new key pair (`zmq_curve_keypair`).
    ///
    /// # Errors
    /// [`CertError::Zmq`] when libzmq has no CURVE (never with the default build).
    pub fn new() -> Result<Certificate, CertError> {
        let pair = CurveKeyPair::new().map_err(CertError::Zmq)?;
        Ok(Certificate::from_keypair(&pair))
    }

    /// A certificate holding a copy of a key pair.
    pub fn from_keypair(pair: &CurveKeyPair) -> Certificate {
        Certificate {
            public_key: pair.public_key,
            secret_key: Some(SecretKey(pair.secret_key)),
            metadata: Vec::new(),
        }
    }

    /// A public certificate: someone else's public key.
    pub fn from_public_key(public_key: [u8; 32]) -> Certificate {
        Certificate {
            public_key,
            secret_key: None,
            metadata: Vec::new(),
        }
    }

    /// A certificate for a known secret key (the public key is derived from it).
    ///
    /// # Errors
    /// [`CertError::Zmq`] without CURVE.
    pub fn from_secret_key(secret_key: SecretKey) -> Result<Certificate, CertError> {
        let public_key =
            crate::curve::public_key_of(secret_key.as_bytes()).map_err(CertError::Zmq)?;
        Ok(Certificate {
            public_key,
            secret_key: Some(secret_key),
            metadata: Vec::new(),
        })
    }

    /// The public key.
    pub fn public_key(&self) -> &[u8; 32] {
        &self.public_key
    }

    /// The public key as 40 Z85 characters (what the authenticator uses as `User-Id`).
    pub fn public_key_z85(&self) -> String {
        crate::z85::encode(&self.public_key).unwrap_or_default()
    }

    /// The secret key, if this certificate has it.
    pub fn secret_key(&self) -> Option<&SecretKey> {
        self.secret_key.as_ref()
    }

    /// This certificate without its secret key.
    pub fn to_public(&self) -> Certificate {
        Certificate {
            public_key: self.public_key,
            secret_key: None,
            metadata: self.metadata.clone(),
        }
    }

    /// A metadata value.
    pub fn metadata(&self, name: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// All metadata, in order.
    pub fn metadata_iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.metadata.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Sets a metadata value (replacing an earlier one of that name).
    ///
    /// # Errors
    /// [`CertError::BadMetadata`] when the name is not ZPL (letters, digits and `$-_@.&+/`)
    /// or the value has a line break or both kinds of quote.
    pub fn set_metadata(&mut self, name: &str, value: &str) -> Result<(), CertError> {
        let name_ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "$-_@.&+/".contains(c));
        if !name_ok {
            return Err(CertError::BadMetadata(format!(
                "name {name:?} must be letters, digits and $-_@.&+/"
            )));
        }
        if value.contains(['\n', '\r']) || (value.contains('"') && value.contains('\'')) {
            return Err(CertError::BadMetadata(format!(
                "value {value:?} cannot be written in a certificate"
            )));
        }
        match self.metadata.iter_mut().find(|(n, _)| n == name) {
            Some(entry) => entry.1 = value.to_owned(),
            None => self.metadata.push((name.to_owned(), value.to_owned())),
        }
        Ok(())
    }

    /// Sets the socket's CURVE keys from this certificate (public key, and secret key if
    /// present), like czmq's `zcert_apply`.
    ///
    /// # Errors
    /// Those of setting the options.
    pub fn apply(&self, socket: &Socket) -> crate::Result<()> {
        socket.set_curve_publickey(&self.public_key)?;
        if let Some(secret) = &self.secret_key {
            socket.set_curve_secretkey(secret.as_bytes())?;
        }
        Ok(())
    }

    fn render(&self, with_secret: bool) -> Vec<u8> {
        let mut text = String::new();
        text.push_str("#   ****  Generated by the zmq Rust crate  ****\n");
        if with_secret {
            text.push_str("#   ZeroMQ CURVE **Secret** Certificate\n");
            text.push_str(
                "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n",
            );
        } else {
            text.push_str("#   ZeroMQ CURVE Public Certificate\n");
            text.push_str(
                "#   Exchange securely, or use a secure mechanism to verify the contents\n",
            );
            text.push_str(
                "#   of this file after exchange. Store public certificates in your home\n",
            );
            text.push_str("#   directory, in the .curve subdirectory.\n");
        }
        text.push_str("\nmetadata\n");
        for (name, value) in &self.metadata {
            if value.contains('"') && value.contains('\'') {
                // Only `parse` makes such a value, from unquoted text (`set_metadata`
                // refuses it): written back unquoted, it reads back the same.
                text.push_str(&format!("    {name} = {value}\n"));
                continue;
            }
            let quote = if value.contains('"') { '\'' } else { '"' };
            text.push_str(&format!("    {name} = {quote}{value}{quote}\n"));
        }
        text.push_str("curve\n");
        text.push_str(&format!("    public-key = \"{}\"\n", self.public_key_z85()));
        let mut bytes = text.into_bytes();
        if let (true, Some(secret)) = (with_secret, &self.secret_key) {
            let mut z85 = secret.to_z85().into_bytes();
            bytes.extend_from_slice(b"    secret-key = \"");
            bytes.extend_from_slice(&z85);
            bytes.extend_from_slice(b"\"\n");
            zeroize(&mut z85);
        }
        bytes
    }

    /// The text of the public file.
    pub fn to_public_text(&self) -> String {
        String::from_utf8(self.render(false)).unwrap_or_default()
    }

    /// Writes the public file at `path`.
    ///
    /// # Errors
    /// [`CertError::Io`].
    pub fn save_public(&self, path: impl AsRef<Path>) -> Result<(), CertError> {
        let path = path.as_ref();
        std::fs::write(path, self.render(false)).map_err(io_error(path))
    }

    /// Writes the secret file (public and secret key) at `path`, readable by its owner
    /// only (mode 0600 on Unix): written to a new 0600 file, then renamed over `path`.
    ///
    /// # Errors
    /// [`CertError::Io`]; [`CertError::NoSecretKey`].
    pub fn save_secret(&self, path: impl AsRef<Path>) -> Result<(), CertError> {
        let path = path.as_ref();
        if self.secret_key.is_none() {
            return Err(CertError::NoSecretKey(path.to_owned()));
        }
        let mut bytes = self.render(true);
        let result = write_private(path, &bytes);
        zeroize(&mut bytes);
        result
    }

    /// Writes both files: the public one at `path` and the secret one at `path` +
    /// `_secret` (czmq's `zcert_save`). A certificate without a secret key writes only
    /// the public file.
    ///
    /// # Errors
    /// [`CertError::Io`].
    ///
    /// Both files are written under temporary names first and renamed into place after,
    /// the secret one first, so a failed write (a full disk, a directory where the secret
    /// file goes) leaves a pair that was there before unchanged. Only a failure of the
    /// second rename (a directory where the public file goes) leaves the new secret file
    /// beside the old public one; the error then names the public file.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), CertError> {
        let path = path.as_ref();
        if self.secret_key.is_none() {
            return self.save_public(path);
        }
        let secret = secret_path(path);
        let mut bytes = self.render(true);
        let staged_secret = stage(&secret, &bytes, true);
        zeroize(&mut bytes);
        let staged_secret = staged_secret?;
        let staged_public = match stage(path, &self.render(false), false) {
            Ok(staged) => staged,
            Err(err) => {
                let _ = std::fs::remove_file(&staged_secret);
                return Err(err);
            }
        };
        if let Err(err) = commit(&staged_secret, &secret) {
            let _ = std::fs::remove_file(&staged_public);
            return Err(err);
        }
        commit(&staged_public, path)
    }

    /// Loads a certificate file, public or secret (a public file gives a certificate
    /// without a secret key).
    ///
    /// # Errors
    /// [`CertError::Io`] and [`CertError::Parse`].
    pub fn load(path: impl AsRef<Path>) -> Result<Certificate, CertError> {
        let path = path.as_ref();
        let mut bytes = std::fs::read(path).map_err(io_error(path))?;
        let result = match std::str::from_utf8(&bytes) {
            Ok(text) => Certificate::parse(text),
            Err(_) => Err(CertError::Parse {
                path: None,
                line: 0,
                message: "the file is not UTF-8 text".into(),
            }),
        };
        zeroize(&mut bytes);
        result.map_err(|err| match err {
            CertError::Parse { line, message, .. } => CertError::Parse {
                path: Some(path.to_owned()),
                line,
                message,
            },
            other => other,
        })
    }

    /// Parses the text of a certificate file.
    ///
    /// # Errors
    /// [`CertError::Parse`]: no `curve`/`public-key`, a key that is not 40 Z85 characters,
    /// a secret key that does not belong to the public key, or a line that is not ZPL.
    pub fn parse(text: &str) -> Result<Certificate, CertError> {
        let parse_error = |line: usize, message: String| CertError::Parse {
            path: None,
            line,
            message,
        };
        let mut section: Option<String> = None;
        let mut public_key = None;
        let mut secret_key = None;
        let mut metadata = Vec::new();
        for (index, raw_line) in text.lines().enumerate() {
            let line_no = index + 1;
            let trimmed = raw_line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = raw_line.len() - raw_line.trim_start().len();
            let (name, value) = match trimmed.split_once('=') {
                Some((name, value)) => {
                    let value = unquote(value.trim())
                        .map_err(|message| parse_error(line_no, message.into()))?;
                    (name.trim(), Some(value))
                }
                None => (trimmed, None),
            };
            if indent == 0 {
                // A top-level section (`metadata`, `curve`, or one we ignore).
                section = Some(name.to_owned());
                continue;
            }
            let Some(value) = value else {
                continue; // a nested section: nothing we read
            };
            match (section.as_deref(), name) {
                (Some("curve"), "public-key") => {
                    let key = crate::curve::decode_key(value).ok_or_else(|| {
                        parse_error(line_no, "public-key is not 40 Z85 characters".into())
                    })?;
                    public_key = Some(key);
                }
                (Some("curve"), "secret-key") => {
                    let key = SecretKey::from_z85(value).ok_or_else(|| {
                        parse_error(line_no, "secret-key is not 40 Z85 characters".into())
                    })?;
                    secret_key = Some(key);
                }
                (Some("metadata"), name) => metadata.push((name.to_owned(), value.to_owned())),
                (None, _) => {
                    return Err(parse_error(
                        line_no,
                        "an indented line before any section".into(),
                    ));
                }
                _ => {}
            }
        }
        let public_key =
            public_key.ok_or_else(|| parse_error(0, "no public-key in a curve section".into()))?;
        if let Some(secret) = &secret_key
            && let Ok(derived) = crate::curve::public_key_of(secret.as_bytes())
            && derived != public_key
        {
            return Err(parse_error(
                0,
                "the secret-key does not belong to the public-key".into(),
            ));
        }
        Ok(Certificate {
            public_key,
            secret_key,
            metadata,
        })
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("public_key", &self.public_key_z85())
            .field("secret_key", &self.secret_key)
            .field("metadata", &self.metadata)
            .finish()
    }
}

/// Strips one pair of matching quotes (`"..."` or `'...'`); an unquoted value is kept
/// whole, spaces included (pyzmq writes metadata unquoted). A quoted value must end at
/// its closing quote (a `#` comment may follow): czmq writes a value holding `"` as
/// `"he said "hi""`, which it cannot read back either; cutting it at the first inner
/// quote would lose data without a word, so it is an error.
fn unquote(value: &str) -> Result<&str, &'static str> {
    let Some(quote) = value.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
        return Ok(value);
    };
    let inner = &value[1..];
    let end = inner
        .find(quote)
        .ok_or("a quoted value has no closing quote")?;
    let after = inner[end + 1..].trim_start();
    if after.is_empty() || after.starts_with('#') {
        Ok(&inner[..end])
    } else {
        Err("text after the closing quote (a value holding both kinds of quote?)")
    }
}

/// The secret file that goes with a public file: the same path plus `_secret`.
pub fn secret_path(public_path: impl AsRef<Path>) -> PathBuf {
    let mut name = public_path.as_ref().as_os_str().to_owned();
    name.push("_secret");
    PathBuf::from(name)
}

/// Writes `bytes` to a new file readable by its owner only, then renames it to `path`.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CertError> {
    commit(&stage(path, bytes, true)?, path)
}

/// Writes `bytes` to a new file beside `path` (mode 0600 if `private`, on Unix), synced;
/// returns its path, for [`commit`].
fn stage(path: &Path, bytes: &[u8], private: bool) -> Result<std::path::PathBuf, CertError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path.file_name().ok_or_else(|| CertError::Io {
        path: path.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file path"),
    })?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    // Unique per call: two threads saving the same path must not share a file.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tmp_name.push(format!(".tmp{}.{n}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let written = options.open(&tmp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(source) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(CertError::Io { path: tmp, source });
    }
    Ok(tmp)
}

/// Renames a file [`stage`] wrote over `path`; removes it if that fails.
fn commit(tmp: &Path, path: &Path) -> Result<(), CertError> {
    std::fs::rename(tmp, path).map_err(|source| {
        let _ = std::fs::remove_file(tmp);
        CertError::Io {
            path: path.to_owned(),
            source,
        }
    })
}

/// Creates a certificate and saves it as `DIR/NAME.key` and `DIR/NAME.key_secret`, like
/// pyzmq's `zmq.auth.create_certificates`; returns the two paths. The metadata goes
/// into both files.
///
/// # Errors
/// [`CertError`] from generating, setting metadata or writing.
pub fn create_certificates<'a>(
    dir: impl AsRef<Path>,
    name: &str,
    metadata: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(PathBuf, PathBuf), CertError> {
    let mut cert = Certificate::new()?;
    for (key, value) in metadata {
        cert.set_metadata(key, value)?;
    }
    let public = dir.as_ref().join(format!("{name}.key"));
    cert.save(&public)?;
    let secret = secret_path(&public);
    Ok((public, secret))
}

/// The public keys of the certificates in a directory, like pyzmq's
/// `zmq.auth.load_certificates` and czmq's `zcertstore`: every file except hidden ones and
/// those ending in `_secret`; files that are not certificates (not UTF-8 text, or no
/// top-level `curve` section) are skipped; a certificate with a malformed line or key, no
/// `public-key`, or a secret key that does not match it is an error (as in pyzmq).
///
/// # Errors
/// [`CertError::Io`] when the directory cannot be read (or does not exist),
/// [`CertError::Parse`] for a malformed certificate.
pub fn load_public_keys(dir: impl AsRef<Path>) -> Result<Vec<[u8; 32]>, CertError> {
    let dir = dir.as_ref();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io_error(dir))?
        .map(|entry| entry.map(|e| e.path()).map_err(io_error(dir)))
        .collect::<Result<_, _>>()?;
    entries.sort();
    let mut keys = Vec::new();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name.ends_with("_secret") || !path.is_file() {
            continue;
        }
        let mut bytes = std::fs::read(&path).map_err(io_error(&path))?;
        let parsed = match std::str::from_utf8(&bytes) {
            Ok(text) if has_curve_section(text) => Some(Certificate::parse(text)),
            _ => None, // not a certificate
        };
        zeroize(&mut bytes);
        match parsed {
            None => {}
            Some(Ok(cert)) => keys.push(cert.public_key),
            Some(Err(CertError::Parse { line, message, .. })) => {
                return Err(CertError::Parse {
                    path: Some(path),
                    line,
                    message,
                });
            }
            Some(Err(err)) => return Err(err),
        }
    }
    Ok(keys)
}

/// Whether the text has a top-level `curve` section: what makes a file a certificate
/// (well formed or not) rather than some other file.
fn has_curve_section(text: &str) -> bool {
    text.lines()
        .any(|line| !line.starts_with([' ', '\t']) && line.trim() == "curve")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::ManuallyDrop;

    #[test]
    fn secret_key_is_zeroed_on_drop() {
        let mut key = ManuallyDrop::new(SecretKey::new([0xAB; 32]));
        let bytes: *const [u8; 32] = &key.0;
        // SAFETY: the key is dropped once, in place; its storage (this stack slot) stays
        // alive, and u8 has no invalid values, so reading the bytes afterwards is sound.
        unsafe {
            ManuallyDrop::drop(&mut key);
            assert_eq!(std::ptr::read_volatile(bytes), [0u8; 32]);
        }
    }

    #[test]
    fn parses_pyzmq_and_czmq_layouts() {
        let pair = CurveKeyPair::new().unwrap();
        let text = format!(
            "#   ****  Generated on 2024-01-01 by pyzmq  ****\n\nmetadata\n    name = Srv One\n    \
             email = 'a@b.c'\ncurve\n    public-key = \"{}\"\n    secret-key = \"{}\"\n",
            pair.public_key_z85(),
            pair.secret_key_z85()
        );
        let cert = Certificate::parse(&text).unwrap();
        assert_eq!(cert.public_key(), &pair.public_key);
        assert_eq!(cert.secret_key().unwrap().as_bytes(), &pair.secret_key);
        assert_eq!(cert.metadata("name"), Some("Srv One"));
        assert_eq!(cert.metadata("email"), Some("a@b.c"));
        assert!(!format!("{cert:?}").contains(&pair.secret_key_z85()));
    }

    #[test]
    fn rejects_what_is_not_a_certificate() {
        assert!(Certificate::parse("").is_err());
        assert!(Certificate::parse("curve\n    public-key = \"short\"\n").is_err());
        let other = CurveKeyPair::new().unwrap();
        let mismatched = format!(
            "curve\n    public-key = \"{}\"\n    secret-key = \"{}\"\n",
            CurveKeyPair::new().unwrap().public_key_z85(),
            other.secret_key_z85()
        );
        assert!(Certificate::parse(&mismatched).is_err());
    }

    #[test]
    fn quoted_values_end_at_their_closing_quote() {
        let key = CurveKeyPair::new().unwrap().public_key_z85();
        let with_meta =
            |line: &str| format!("metadata\n    {line}\ncurve\n    public-key = \"{key}\"\n");
        let cert = Certificate::parse(&with_meta("said = 'he said \"hi\"'  # comment")).unwrap();
        assert_eq!(cert.metadata("said"), Some("he said \"hi\""));
        // Unquoted, a value may hold both kinds of quote; it is written back unquoted.
        let cert = Certificate::parse(&with_meta("said = he said \"hi\" it's")).unwrap();
        assert_eq!(cert.metadata("said"), Some("he said \"hi\" it's"));
        let again = Certificate::parse(&cert.to_public_text()).unwrap();
        assert_eq!(again.metadata("said"), Some("he said \"hi\" it's"));
        // What czmq 4.2 writes for a value holding `"` (and cannot read back itself).
        for broken in ["said = \"he said \"hi\"\"", "said = \"no end"] {
            match Certificate::parse(&with_meta(broken)) {
                Err(CertError::Parse { line: 2, .. }) => {}
                other => panic!("{broken}: {other:?}"),
            }
        }
    }
}
