//! Writing several files all-or-nothing.
//!
//! Every new content is first written to a temporary file next to its
//! target (same directory, so the final rename cannot cross file systems),
//! flushed to disk and given the original file's permissions. Only when all
//! temporary files exist are they renamed over their targets. If any
//! temporary write fails, every temporary file is removed and no target is
//! touched. Should a rename fail part-way (rare: the directory changed under
//! us), the files already replaced are restored from their original bytes.
//!
//! Files whose content would not change are not written at all, so they stay
//! byte-identical (and keep their modification time). Used by `check --fix`
//! and `migrate`.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why the files were not written.
#[derive(Debug)]
pub struct WriteError {
    /// The file the failure is about.
    pub path: PathBuf,
    pub message: String,
    /// Whether some target files were replaced and could not be restored.
    pub partial: bool,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)?;
        if self.partial {
            write!(f, " (some files were already replaced)")?;
        } else {
            write!(f, " (no file was changed)")?;
        }
        Ok(())
    }
}

impl std::error::Error for WriteError {}

struct Staged {
    target: PathBuf,
    temp: PathBuf,
    original: Option<Vec<u8>>,
}

/// Write every `(path, content)` or none of them. Returns the paths actually
/// written (those whose content changed).
pub fn write_all_or_nothing(files: &[(PathBuf, String)]) -> Result<Vec<PathBuf>, WriteError> {
    let mut staged: Vec<Staged> = Vec::new();
    let cleanup = |staged: &[Staged]| {
        for s in staged {
            let _ = fs::remove_file(&s.temp);
        }
    };
    for (i, (path, content)) in files.iter().enumerate() {
        match stage(path, content, i) {
            Ok(Some(s)) => staged.push(s),
            Ok(None) => {}
            Err(e) => {
                cleanup(&staged);
                return Err(e);
            }
        }
    }
    for (done, s) in staged.iter().enumerate() {
        if let Err(e) = fs::rename(&s.temp, &s.target) {
            // restore what was already replaced, drop the remaining temps
            let mut restored = true;
            for prev in &staged[..done] {
                restored &= restore(prev);
            }
            cleanup(&staged[done..]);
            return Err(WriteError {
                path: s.target.clone(),
                message: format!("cannot replace file: {e}"),
                partial: !restored,
            });
        }
    }
    for dir in unique_dirs(&staged) {
        sync_dir(&dir);
    }
    Ok(staged.into_iter().map(|s| s.target).collect())
}

/// The file a write to `path` should replace: symlinks are followed so that
/// the link stays a link.
fn resolve_target(path: &Path) -> Result<PathBuf, std::io::Error> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path),
        _ => Ok(path.to_path_buf()),
    }
}

fn stage(path: &Path, content: &str, n: usize) -> Result<Option<Staged>, WriteError> {
    let err = |message: String| WriteError {
        path: path.to_path_buf(),
        message,
        partial: false,
    };
    let target = resolve_target(path).map_err(|e| err(format!("cannot resolve path: {e}")))?;
    let original = match fs::read(&target) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(err(format!("cannot read file: {e}"))),
    };
    if original.as_deref() == Some(content.as_bytes()) {
        return Ok(None);
    }
    let perms = match fs::metadata(&target) {
        Ok(m) => Some(m.permissions()),
        Err(_) => None,
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let mut attempt = 0u32;
    let (temp, mut f) = loop {
        let temp = dir.join(format!(
            ".{name}.nixfold-{}-{n}-{attempt}.tmp",
            std::process::id()
        ));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(f) => break (temp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(err(format!("cannot create temporary file: {e}"))),
        }
    };
    let written = (|| -> std::io::Result<()> {
        f.write_all(content.as_bytes())?;
        if let Some(p) = perms {
            f.set_permissions(p)?;
        }
        f.sync_all()
    })();
    drop(f);
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(err(format!("cannot write temporary file: {e}")));
    }
    Ok(Some(Staged {
        target,
        temp,
        original,
    }))
}

fn restore(s: &Staged) -> bool {
    match &s.original {
        Some(bytes) => {
            let tmp = s.temp.with_extension("restore");
            let ok = File::create(&tmp)
                .and_then(|mut f| {
                    f.write_all(bytes)?;
                    f.sync_all()
                })
                .and_then(|_| fs::rename(&tmp, &s.target));
            if ok.is_err() {
                let _ = fs::remove_file(&tmp);
            }
            ok.is_ok()
        }
        None => fs::remove_file(&s.target).is_ok(),
    }
}

fn unique_dirs(staged: &[Staged]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = staged
        .iter()
        .filter_map(|s| s.target.parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Make the renames durable (best effort; not every platform can open a directory).
fn sync_dir(dir: &Path) {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_all_and_skips_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.nix");
        let b = dir.path().join("b.nix");
        fs::write(&a, "old a").unwrap();
        fs::write(&b, "same").unwrap();
        let written =
            write_all_or_nothing(&[(a.clone(), "new a".into()), (b.clone(), "same".into())])
                .unwrap();
        assert_eq!(written, vec![a.clone()]);
        assert_eq!(fs::read_to_string(&a).unwrap(), "new a");
        assert_eq!(fs::read_to_string(&b).unwrap(), "same");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 2, "{leftovers:?}");
    }

    #[test]
    fn nothing_written_when_one_fails() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.nix");
        fs::write(&a, "old a").unwrap();
        // a target inside a directory that does not exist: its temp file cannot be created
        let bad = dir.path().join("missing-dir").join("b.nix");
        let err = write_all_or_nothing(&[(a.clone(), "new a".into()), (bad.clone(), "x".into())])
            .unwrap_err();
        assert_eq!(err.path, bad);
        assert!(!err.partial);
        assert_eq!(fs::read_to_string(&a).unwrap(), "old a");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.contains("nixfold")), "{names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn keeps_permissions_and_symlinks() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.nix");
        fs::write(&real, "1").unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.nix");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_all_or_nothing(&[(link.clone(), "2".into())]).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "2");
        let mode = fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[cfg(unix)]
    #[test]
    fn read_only_directory_changes_nothing() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("ok.nix");
        fs::write(&ok, "a").unwrap();
        let ro = dir.path().join("ro");
        fs::create_dir(&ro).unwrap();
        let locked = ro.join("x.nix");
        fs::write(&locked, "b").unwrap();
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
        // root can write anywhere; the test is only meaningful for other users
        let can_write = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(ro.join("probe"))
            .is_ok();
        if !can_write {
            let r = write_all_or_nothing(&[(ok.clone(), "A".into()), (locked.clone(), "B".into())]);
            assert!(r.is_err());
            assert_eq!(fs::read_to_string(&ok).unwrap(), "a");
            assert_eq!(fs::read_to_string(&locked).unwrap(), "b");
        }
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
    }
}
