//! What dbkit keeps in `<target>/dbkit/` between runs to do less work the
//! next time: the declarations of each schema file it parsed ([`parse`],
//! used wherever schema code is read), and the inputs of the last runs of
//! `generate` that found no changes (`commands/generate/no_change.rs`). The
//! content hashes, build stamp and atomic writes both rest on are here.
//!
//! **Invariant:** a cache only ever saves work, it never changes an
//! outcome. Every entry is keyed by everything its content depends on —
//! the bytes it was computed from ([`ContentHash`]) and the build of dbkit
//! that computed it ([`build_stamp`]) — and repeats its key inside, so an
//! entry that is missing, corrupt, of another format or of another build
//! is ignored like a miss. Entries are written to a temporary file and
//! renamed into place, so a reader sees a whole entry or none, and two runs
//! writing the same entry write the same bytes. Deleting the folder is
//! always safe.

pub(crate) mod parse;

use std::hash::{DefaultHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The folder of dbkit's caches inside Cargo's target directory.
pub const CACHE_DIRECTORY: &str = "dbkit";

/// Prefix of the temporary files entries are written to before their rename.
const TEMPORARY_PREFIX: &str = ".tmp-";

/// A 128-bit hash of some bytes: two runs of the standard library's SipHash
/// told apart by a leading byte. Not a cryptographic hash; it names content
/// within one build of dbkit (whose stamp is part of every key, so a change
/// of the standard library's algorithm only costs misses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentHash(u128);

impl ContentHash {
    pub fn of(bytes: &[u8]) -> ContentHash {
        let lane = |seed: u8| {
            let mut hasher = DefaultHasher::new();
            hasher.write_u8(seed);
            hasher.write(bytes);
            hasher.finish()
        };
        ContentHash((u128::from(lane(0)) << 64) | u128::from(lane(1)))
    }

    /// The hash of several parts, each delimited by its length.
    pub fn of_parts(parts: &[&[u8]]) -> ContentHash {
        let mut joined = Vec::with_capacity(parts.iter().map(|part| part.len() + 8).sum());
        for part in parts {
            joined.extend_from_slice(&(part.len() as u64).to_le_bytes());
            joined.extend_from_slice(part);
        }
        ContentHash::of(&joined)
    }

    /// 32 lowercase hex digits.
    pub fn to_hex(self) -> String {
        format!("{:032x}", self.0)
    }
}

/// What tells this build of dbkit from any other: its version, and the size
/// and modification time of the running executable (a rebuilt or
/// reinstalled binary is a new file). `None` when the executable cannot be
/// examined; then nothing is cached.
pub fn build_stamp() -> Option<&'static str> {
    static STAMP: OnceLock<Option<String>> = OnceLock::new();
    STAMP
        .get_or_init(|| {
            let executable = std::env::current_exe().ok()?;
            let metadata = std::fs::metadata(executable).ok()?;
            let modified = metadata
                .modified()
                .ok()?
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?;
            Some(format!(
                "{}+{}.{}.{}",
                env!("CARGO_PKG_VERSION"),
                metadata.len(),
                modified.as_secs(),
                modified.subsec_nanos()
            ))
        })
        .as_deref()
}

/// `<target>/dbkit/<name>`.
pub fn cache_folder(target_directory: &Path, name: &str) -> PathBuf {
    target_directory.join(CACHE_DIRECTORY).join(name)
}

/// Writes `bytes` to `directory/file_name` through a temporary file renamed
/// into place, creating the folder if needed. Not flushed to disk: after a
/// crash a torn entry fails its checks and is ignored.
pub fn write_atomically(directory: &Path, file_name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(directory)?;
    let mut temporary = tempfile::Builder::new()
        .prefix(TEMPORARY_PREFIX)
        .tempfile_in(directory)?;
    temporary.write_all(bytes)?;
    temporary
        .persist(directory.join(file_name))
        .map_err(|error| error.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_tell_content_and_parts_apart() {
        assert_eq!(ContentHash::of(b"abc"), ContentHash::of(b"abc"));
        assert_ne!(ContentHash::of(b"abc"), ContentHash::of(b"abd"));
        assert_ne!(
            ContentHash::of_parts(&[b"ab", b"c"]),
            ContentHash::of_parts(&[b"a", b"bc"])
        );
        assert_eq!(ContentHash::of(b"").to_hex().len(), 32);
    }

    #[test]
    fn the_build_stamp_names_the_version() {
        let stamp = build_stamp().unwrap_or_default();
        assert!(stamp.starts_with(env!("CARGO_PKG_VERSION")), "{stamp}");
    }
}
