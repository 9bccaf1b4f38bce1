//! W3C Bitstring Status List: a bit per credential, gzip-compressed, multibase base64url.
//!
//! Bit 0 is the most significant bit of the first byte (the specification's order).

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::Error;

/// The minimum length the specification asks for, so that a list reveals little.
pub const MIN_ENTRIES: usize = 131_072;

/// A list of status bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitstring {
    bytes: Vec<u8>,
}

impl Bitstring {
    /// `entries` bits, all clear; at least [`MIN_ENTRIES`], rounded up to whole bytes.
    #[must_use]
    pub fn new(entries: usize) -> Self {
        let entries = entries.max(MIN_ENTRIES);
        Self { bytes: vec![0; entries.div_ceil(8)] }
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.bytes.len() * 8
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn set(&mut self, index: usize, value: bool) -> Result<(), Error> {
        let byte = self.bytes.get_mut(index / 8).ok_or_else(|| Error::StatusList(format!("index {index} is past the list's end")))?;
        let mask = 0x80u8 >> (index % 8);
        if value {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
        Ok(())
    }

    pub fn get(&self, index: usize) -> Result<bool, Error> {
        let byte = self.bytes.get(index / 8).ok_or_else(|| Error::StatusList(format!("index {index} is past the list's end")))?;
        Ok(byte & (0x80u8 >> (index % 8)) != 0)
    }

    /// `encodedList`: multibase (`u`) base64url (no padding) of the gzip of the bits.
    pub fn encode(&self) -> Result<String, Error> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&self.bytes).map_err(|e| Error::StatusList(e.to_string()))?;
        let zipped = gz.finish().map_err(|e| Error::StatusList(e.to_string()))?;
        Ok(format!("u{}", URL_SAFE_NO_PAD.encode(zipped)))
    }

    /// Decodes an `encodedList`.
    pub fn decode(encoded: &str) -> Result<Self, Error> {
        let body = encoded.strip_prefix('u').ok_or_else(|| Error::StatusList("encodedList must be multibase base64url ('u')".into()))?;
        let zipped = URL_SAFE_NO_PAD.decode(body.trim_end_matches('=')).map_err(|e| Error::StatusList(format!("base64url: {e}")))?;
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(zipped.as_slice()).take(16 * 1024 * 1024).read_to_end(&mut bytes).map_err(|e| Error::StatusList(format!("gzip: {e}")))?;
        Ok(Self { bytes })
    }
}
