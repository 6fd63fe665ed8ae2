//! The on-disk cache of computed f32 values (token states, teacher targets): one file per
//! input, named by a hash of the model file, a setting and the texts, so a changed input
//! never reads stale values.

use crate::error::Result;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Where the `kind` values of `texts` under `model` and `setting` are cached in `dir`.
pub fn path(dir: &Path, kind: &str, model: &[u8], setting: usize, texts: &[&str]) -> PathBuf {
    let mut key = Sha256::new();
    key.update(Sha256::digest(model));
    key.update((setting as u64).to_le_bytes());
    texts.iter().for_each(|t| key.update([t.as_bytes(), b"\0"].concat()));
    let name: String = key.finalize()[..12].iter().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("{kind}-{name}.f32"))
}

/// The cached values at `path` when there are exactly `len` of them.
pub fn read(path: &Path, len: usize) -> Option<Vec<f32>> {
    let bytes = std::fs::read(path).ok().filter(|b| b.len() == len * 4)?;
    Some(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
}

/// Stores `values` at `path`, making its folder when missing.
pub fn write(path: &Path, values: &[f32]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_inputs_name_the_file() {
        let dir = std::env::temp_dir().join(format!("nacre-cache-test-{}", std::process::id()));
        let at = path(&dir, "states", b"model", 4, &["a", "b"]);
        assert_ne!(at, path(&dir, "states", b"model", 4, &["a", "c"]));
        assert_ne!(at, path(&dir, "states", b"other", 4, &["a", "b"]));
        assert_ne!(at, path(&dir, "states", b"model", 5, &["a", "b"]));
        assert_eq!(read(&at, 3), None);
        write(&at, &[1.0, -2.5, 3.25]).unwrap();
        assert_eq!(read(&at, 3), Some(vec![1.0, -2.5, 3.25]));
        assert_eq!(read(&at, 4), None, "a different length is not these values");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
