//! Z85, ZeroMQ's printable encoding of binary data (RFC 32), used for CURVE keys.
//!
//! [`encode`] and [`decode`] report precise errors; [`crate::z85_encode`] and
//! [`crate::z85_decode`] keep the zmq 0.10 signatures.
//!
//! ```
//! let text = zmq::z85::encode(&[0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]).unwrap();
//! assert_eq!(text, "HelloWorld");
//! assert_eq!(zmq::z85::decode("HelloWorld").unwrap(), [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]);
//! assert!(zmq::z85::decode("Hello World").is_err());
//! ```

use std::fmt;

const ALPHABET: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Maps a byte to its Z85 digit value, or 0xFF when it is not in the alphabet.
const DECODE: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut i = 0;
    while i < 85 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Why Z85 encoding or decoding failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Z85Error {
    /// Encoding needs a multiple of 4 bytes; decoding a multiple of 5 characters.
    BadLength {
        /// The length given.
        len: usize,
        /// The multiple it must be.
        multiple_of: usize,
    },
    /// A character outside the Z85 alphabet.
    InvalidChar {
        /// Byte offset of the character.
        index: usize,
        /// The byte found.
        byte: u8,
    },
    /// A group of five characters encodes a value above 2³² - 1.
    Overflow {
        /// Byte offset of the group.
        index: usize,
    },
}

impl fmt::Display for Z85Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Z85Error::BadLength { len, multiple_of } => {
                write!(f, "Z85 length {len} is not a multiple of {multiple_of}")
            }
            Z85Error::InvalidChar { index, byte } => write!(
                f,
                "byte {byte:#04x} ({:?}) at offset {index} is not a Z85 character",
                char::from(*byte)
            ),
            Z85Error::Overflow { index } => {
                write!(f, "the Z85 group at offset {index} does not fit in 32 bits")
            }
        }
    }
}

impl std::error::Error for Z85Error {}

/// Encodes `data` (a multiple of 4 bytes) as Z85 text.
pub fn encode(data: &[u8]) -> Result<String, Z85Error> {
    if !data.len().is_multiple_of(4) {
        return Err(Z85Error::BadLength {
            len: data.len(),
            multiple_of: 4,
        });
    }
    let mut out = String::with_capacity(data.len() / 4 * 5);
    for chunk in data.chunks_exact(4) {
        let mut value = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        let mut digits = [0u8; 5];
        for digit in digits.iter_mut().rev() {
            *digit = ALPHABET[(value % 85) as usize];
            value /= 85;
        }
        // Every digit comes from the ASCII alphabet.
        out.extend(digits.iter().map(|&d| char::from(d)));
    }
    Ok(out)
}

/// Decodes Z85 text (a multiple of 5 characters).
pub fn decode(text: &str) -> Result<Vec<u8>, Z85Error> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(5) {
        return Err(Z85Error::BadLength {
            len: bytes.len(),
            multiple_of: 5,
        });
    }
    let mut out = Vec::with_capacity(bytes.len() / 5 * 4);
    for (group, chunk) in bytes.chunks_exact(5).enumerate() {
        let mut value: u64 = 0;
        for (offset, &byte) in chunk.iter().enumerate() {
            let digit = DECODE[byte as usize];
            if digit == 0xFF {
                return Err(Z85Error::InvalidChar {
                    index: group * 5 + offset,
                    byte,
                });
            }
            value = value * 85 + u64::from(digit);
        }
        let value = u32::try_from(value).map_err(|_| Z85Error::Overflow { index: group * 5 })?;
        out.extend_from_slice(&value.to_be_bytes());
    }
    Ok(out)
}

/// Error of [`crate::z85_encode`] (zmq 0.10).
#[derive(Debug)]
pub enum EncodeError {
    /// The input length is not a multiple of 4.
    BadLength,
    /// Kept from zmq 0.10; never returned (the output is always ASCII).
    FromUtf8Error(std::string::FromUtf8Error),
}

impl From<std::string::FromUtf8Error> for EncodeError {
    fn from(err: std::string::FromUtf8Error) -> Self {
        EncodeError::FromUtf8Error(err)
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::BadLength => write!(f, "Invalid data length. Should be multiple of 4."),
            EncodeError::FromUtf8Error(err) => write!(f, "UTF8 conversion error: {err}"),
        }
    }
}

impl std::error::Error for EncodeError {}

/// Error of [`crate::z85_decode`] (zmq 0.10).
#[derive(Debug)]
pub enum DecodeError {
    /// The input length is not a multiple of 5, **or** (unlike zmq 0.10, which did not
    /// check) the input has characters outside the Z85 alphabet or an out-of-range group.
    /// [`decode`] tells these apart.
    BadLength,
    /// The input contains a NUL byte.
    NulError(std::ffi::NulError),
}

impl From<std::ffi::NulError> for DecodeError {
    fn from(err: std::ffi::NulError) -> Self {
        DecodeError::NulError(err)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::BadLength => write!(f, "Invalid data length. Should be multiple of 5."),
            DecodeError::NulError(err) => write!(f, "Nul byte error: {err}"),
        }
    }
}

impl std::error::Error for DecodeError {}

pub(crate) fn encode_compat(data: &[u8]) -> Result<String, EncodeError> {
    encode(data).map_err(|_| EncodeError::BadLength)
}

pub(crate) fn decode_compat(text: &str) -> Result<Vec<u8>, DecodeError> {
    if let Some(pos) = text.bytes().position(|b| b == 0) {
        // Rebuild the NulError zmq 0.10 returned (it came from CString::new).
        let err = std::ffi::CString::new(&text.as_bytes()[..=pos]).unwrap_err();
        return Err(DecodeError::NulError(err));
    }
    decode(text).map_err(|_| DecodeError::BadLength)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc32_test_vector() {
        let data = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
        assert_eq!(encode(&data).unwrap(), "HelloWorld");
        assert_eq!(decode("HelloWorld").unwrap(), data);
    }

    #[test]
    fn agrees_with_libzmq() {
        let data: Vec<u8> = (0..=255u8).cycle().take(256 * 4).collect();
        let ours = encode(&data).unwrap();
        let libzmq = crate::raw::sys::z85_encode(&data).unwrap();
        assert_eq!(ours.as_bytes(), &libzmq[..]);
    }

    #[test]
    fn rejects_what_is_not_z85() {
        assert_eq!(
            decode("abcd"),
            Err(Z85Error::BadLength {
                len: 4,
                multiple_of: 5
            })
        );
        assert_eq!(
            decode("abc d"),
            Err(Z85Error::InvalidChar {
                index: 3,
                byte: b' '
            })
        );
        assert_eq!(decode("#####"), Err(Z85Error::Overflow { index: 0 }));
        assert!(matches!(
            decode_compat("ab\0de"),
            Err(DecodeError::NulError(_))
        ));
        assert!(matches!(
            encode_compat(&[1, 2, 3]),
            Err(EncodeError::BadLength)
        ));
    }
}
