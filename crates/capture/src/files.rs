//! Expanding a command-line path into the capture files to read.

use std::path::{Path, PathBuf};

const EXTENSIONS: [&str; 3] = ["pcap", "pcapng", "cap"];

/// The capture files a path names: a folder's `*.pcap`, `*.pcapng` and
/// `*.cap` files (case-insensitive, not recursive) sorted by name, or the
/// path itself otherwise. A path that cannot be listed is returned as is,
/// so opening it reports the error with its name.
pub fn open_captures(path: impl AsRef<Path>) -> Vec<PathBuf> {
    let path = path.as_ref();
    if !path.is_dir() {
        return vec![path.to_path_buf()];
    }
    let Ok(dir) = std::fs::read_dir(path) else {
        return vec![path.to_path_buf()];
    };
    let mut files: Vec<PathBuf> = dir
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
        })
        .collect();
    files.sort();
    files
}
