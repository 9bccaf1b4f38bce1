//! Ed25519 key pairs and their multibase encodings.
//!
//! A public key is a Multikey: multicodec `ed25519-pub` (0xed 0x01) + 32 bytes, base58btc,
//! prefix `z` (so it starts `z6Mk`). The secret is multicodec `ed25519-priv` (0x80 0x26)
//! + 32 bytes, base58btc (`z3u2…`), the form the W3C test vectors publish.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

use crate::Error;

const PUB_CODEC: [u8; 2] = [0xed, 0x01];
const PRIV_CODEC: [u8; 2] = [0x80, 0x26];

/// An Ed25519 signing key.
#[derive(Clone)]
pub struct KeyPair {
    signing: SigningKey,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("KeyPair").field("public", &self.public_multibase()).finish()
    }
}

impl KeyPair {
    /// A fresh key from the operating system's randomness.
    #[must_use]
    pub fn generate() -> Self {
        let mut secret = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
        Self { signing: SigningKey::from_bytes(&secret) }
    }

    /// From the multibase secret (`z3u2…`).
    pub fn from_secret_multibase(text: &str) -> Result<Self, Error> {
        let bytes = decode_multibase_codec(text, PRIV_CODEC, "secret key")?;
        Ok(Self { signing: SigningKey::from_bytes(&bytes) })
    }

    #[must_use]
    pub fn secret_multibase(&self) -> String {
        encode_multibase_codec(PRIV_CODEC, &self.signing.to_bytes())
    }

    #[must_use]
    pub fn public_multibase(&self) -> String {
        encode_multibase_codec(PUB_CODEC, self.signing.verifying_key().as_bytes())
    }

    #[must_use]
    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    #[must_use]
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

/// The verifying key of a Multikey `publicKeyMultibase`.
pub fn public_from_multibase(text: &str) -> Result<VerifyingKey, Error> {
    let bytes = decode_multibase_codec(text, PUB_CODEC, "public key")?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| Error::Key(format!("public key: {e}")))
}

/// Whether `signature` is `key`'s over `message`.
#[must_use]
pub fn verify(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    key.verify(message, &Signature::from_bytes(&bytes)).is_ok()
}

/// base58btc with the multibase prefix `z`.
#[must_use]
pub fn base58btc(bytes: &[u8]) -> String {
    format!("z{}", bs58::encode(bytes).into_string())
}

/// Decodes a multibase base58btc (`z…`) string.
pub fn from_base58btc(text: &str) -> Result<Vec<u8>, Error> {
    let body = text.strip_prefix('z').ok_or_else(|| Error::Key("multibase value must be base58btc (start with 'z')".into()))?;
    bs58::decode(body).into_vec().map_err(|e| Error::Key(format!("base58btc: {e}")))
}

fn encode_multibase_codec(codec: [u8; 2], key: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(34);
    bytes.extend_from_slice(&codec);
    bytes.extend_from_slice(key);
    base58btc(&bytes)
}

fn decode_multibase_codec(text: &str, codec: [u8; 2], what: &str) -> Result<[u8; 32], Error> {
    let bytes = from_base58btc(text)?;
    let key = bytes.strip_prefix(&codec[..]).ok_or_else(|| Error::Key(format!("{what}: wrong multicodec prefix")))?;
    <[u8; 32]>::try_from(key).map_err(|_| Error::Key(format!("{what}: must be 32 bytes")))
}
