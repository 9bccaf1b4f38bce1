//! Password hashing with bounded memory. An argon2id check needs ~19 MiB of working
//! memory. Hashed on any number of blocking threads, each buffer is allocated and
//! freed in that thread's malloc arena and never given back to the system: 100
//! concurrent wrong passwords took a server from 18 MB to 2 GB. So hashing goes
//! through one gate for the process: at most [`slots`] hashes run at once, each in a
//! buffer taken from a pool and put back afterwards, so memory is allocated once per
//! slot and then reused. A caller that cannot get a slot within its wait is told the
//! server is busy rather than queued without end.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

use crate::AppError;

/// Most memory a stored hash may ask for (KiB): refuse anything past 256 MiB as
/// malformed instead of allocating it.
const MAX_M_COST: u32 = 256 * 1024;

/// Why a hash could not be computed.
#[derive(Debug)]
pub(super) enum HashError {
    /// Every slot stayed taken for the whole wait.
    Busy,
    App(AppError),
}

struct Gate {
    permits: Arc<Semaphore>,
    buffers: Arc<Mutex<Vec<Vec<Block>>>>,
}

/// How many hashes may run at once: the number of cores, at most 8 (so at most
/// 8 × 19 MiB of hashing memory however many sign-ins arrive).
pub fn slots() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get).clamp(1, 8)
}

fn gate() -> &'static Gate {
    static GATE: OnceLock<Gate> = OnceLock::new();
    GATE.get_or_init(|| Gate { permits: Arc::new(Semaphore::new(slots())), buffers: Arc::default() })
}

/// Run `job` on a blocking thread with a pooled argon2 memory buffer, once a slot is
/// free; [`HashError::Busy`] if none frees up within `wait`. The slot is held by the
/// blocking job itself, so a caller that gives up (a client that disconnects) does
/// not let an extra hash start while its own is still running.
async fn with_memory<T: Send + 'static>(wait: Duration, job: impl FnOnce(&mut Vec<Block>) -> Result<T, AppError> + Send + 'static) -> Result<T, HashError> {
    let g = gate();
    let permit = match tokio::time::timeout(wait, g.permits.clone().acquire_owned()).await {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return Err(HashError::App(AppError::unexpected(e))),
        Err(_) => return Err(HashError::Busy),
    };
    let buffers = g.buffers.clone();
    tokio::task::spawn_blocking(move || {
        let _slot = permit;
        let mut mem = buffers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop().unwrap_or_default();
        let out = job(&mut mem);
        buffers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(mem);
        out
    })
    .await
    .map_err(|e| HashError::App(AppError::unexpected(e)))?
    .map_err(HashError::App)
}

/// Take every slot (tests: to make the gate busy on purpose).
#[cfg(test)]
pub(super) async fn hold_every_slot() -> tokio::sync::OwnedSemaphorePermit {
    gate().permits.clone().acquire_many_owned(u32::try_from(slots()).unwrap_or(1)).await.expect("gate open")
}

fn unexpected(e: impl std::fmt::Display) -> AppError {
    AppError::internal(format!("password hashing failed: {e}"))
}

/// Hash `password` with `argon2` into `mem` (grown to the size the parameters need).
fn hash_into(argon2: &Argon2<'_>, params: &Params, password: &[u8], salt: &[u8], out: &mut [u8], mem: &mut Vec<Block>) -> Result<(), AppError> {
    let blocks = params.block_count();
    if mem.len() < blocks {
        mem.resize(blocks, Block::default());
    }
    argon2.hash_password_into_with_memory(password, salt, out, &mut mem[..blocks]).map_err(unexpected)
}

/// A new argon2id PHC string (default parameters, random salt) for `password`.
pub(super) async fn hash(password: String, wait: Duration) -> Result<String, HashError> {
    with_memory(wait, move |mem| {
        let params = Params::default();
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let salt = SaltString::generate(&mut OsRng);
        let mut salt_bytes = [0u8; 64];
        let salt_raw = salt.as_salt().decode_b64(&mut salt_bytes).map_err(unexpected)?;
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        hash_into(&argon2, &params, password.as_bytes(), salt_raw, &mut out, mem)?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(unexpected)?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).map_err(unexpected)?),
        };
        Ok(phc.to_string())
    })
    .await
}

/// Does `password` match the PHC string `phc`? Its parameters are the stored ones.
pub(super) async fn verify(password: String, phc: String, wait: Duration) -> Result<bool, HashError> {
    with_memory(wait, move |mem| {
        let malformed = |e: &dyn std::fmt::Display| AppError::internal(format!("stored password hash is malformed: {e}"));
        let parsed = PasswordHash::new(&phc).map_err(|e| malformed(&e))?;
        let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|e| malformed(&e))?;
        let version = parsed.version.map(Version::try_from).transpose().map_err(|e| malformed(&e))?.unwrap_or_default();
        let params = Params::try_from(&parsed).map_err(|e| malformed(&e))?;
        if params.m_cost() > MAX_M_COST {
            return Err(malformed(&format_args!("m={} KiB is more than {MAX_M_COST}", params.m_cost())));
        }
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Err(malformed(&"no salt or no hash"));
        };
        let mut salt_bytes = [0u8; 64];
        let salt_raw = salt.decode_b64(&mut salt_bytes).map_err(|e| malformed(&e))?;
        let argon2 = Argon2::new(algorithm, version, params.clone());
        let mut out = vec![0u8; expected.len()];
        hash_into(&argon2, &params, password.as_bytes(), salt_raw, &mut out, mem)?;
        // Output's equality is constant-time.
        Ok(Output::new(&out).map_err(unexpected)? == expected)
    })
    .await
}

#[cfg(test)]
mod tests {
    use argon2::PasswordVerifier;

    use super::*;

    const WAIT: Duration = Duration::from_secs(60);

    #[tokio::test]
    async fn pooled_hashes_are_standard_phc_strings_both_ways() {
        let phc = hash("correct horse battery".into(), WAIT).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        // The argon2 crate's own verifier accepts ours...
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse battery", &parsed).is_ok());
        // ...and ours accepts the crate's (hashes made before the pool existed).
        use argon2::PasswordHasher;
        let theirs = Argon2::default().hash_password(b"older password", &SaltString::generate(&mut OsRng)).unwrap().to_string();
        assert!(verify("older password".into(), theirs.clone(), WAIT).await.unwrap());
        assert!(!verify("older passwore".into(), theirs, WAIT).await.unwrap());
        assert!(matches!(verify("x".into(), "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(), WAIT).await, Err(HashError::App(_))));
    }
}
