//! NAR (Nix ARchive) serialisation of a file system tree, as `nix-store --dump`
//! writes it, and the NAR hash `nix-hash --type sha256 PATH` prints.
//!
//! The format: every string is its length as a little-endian u64, the bytes,
//! then zero padding to a multiple of 8. A file system object is
//! `( type regular [executable ""] contents <bytes> )`,
//! `( type symlink target <target> )` or
//! `( type directory entry ( name <n> node <object> ) ... )` with entries
//! sorted by name bytes; the archive starts with `nix-archive-1`.
//! Symbolic links are stored, never followed.

use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::hash::{Hash, HashAlgo, Hasher};

/// Write the NAR serialisation of `path` to `sink`, piece by piece.
pub fn dump(path: &Path, sink: &mut dyn FnMut(&[u8])) -> io::Result<()> {
    dump_filtered(path, &|_| true, sink)
}

/// [`dump`] leaving out the directory entries (anywhere below `path`) for
/// which `keep` is false, as `builtins.path`'s `filter` does.
pub fn dump_filtered(
    path: &Path,
    keep: &dyn Fn(&Path) -> bool,
    sink: &mut dyn FnMut(&[u8]),
) -> io::Result<()> {
    write_str(sink, b"nix-archive-1");
    dump_object(path, keep, sink)
}

/// Hash of the NAR serialisation of `path` filtered by `keep` (see
/// [`dump_filtered`]).
pub fn nar_hash_filtered(
    path: &Path,
    keep: &dyn Fn(&Path) -> bool,
    algo: HashAlgo,
) -> io::Result<Hash> {
    let mut h = Hasher::new(algo);
    dump_filtered(path, keep, &mut |b| h.update(b))?;
    Ok(h.finish())
}

/// The NAR serialisation of `path` in memory.
pub fn nar_bytes(path: &Path) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    dump(path, &mut |b| out.extend_from_slice(b))?;
    Ok(out)
}

/// Hash of the NAR serialisation of `path` (what `nix-hash --type ALGO PATH` prints).
pub fn nar_hash(path: &Path, algo: HashAlgo) -> io::Result<Hash> {
    let mut h = Hasher::new(algo);
    dump(path, &mut |b| h.update(b))?;
    Ok(h.finish())
}

fn write_str(sink: &mut dyn FnMut(&[u8]), s: &[u8]) {
    sink(&(s.len() as u64).to_le_bytes());
    sink(s);
    write_padding(sink, s.len() as u64);
}

fn write_padding(sink: &mut dyn FnMut(&[u8]), len: u64) {
    let pad = (8 - (len % 8) as usize) % 8;
    if pad > 0 {
        sink(&[0u8; 8][..pad]);
    }
}

fn dump_object(
    path: &Path,
    keep: &dyn Fn(&Path) -> bool,
    sink: &mut dyn FnMut(&[u8]),
) -> io::Result<()> {
    stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || {
        let meta = std::fs::symlink_metadata(path)?;
        let ft = meta.file_type();
        write_str(sink, b"(");
        if ft.is_symlink() {
            let target = std::fs::read_link(path)?;
            write_str(sink, b"type");
            write_str(sink, b"symlink");
            write_str(sink, b"target");
            write_str(sink, target.as_os_str().as_bytes());
        } else if ft.is_file() {
            write_str(sink, b"type");
            write_str(sink, b"regular");
            if meta.permissions().mode() & 0o100 != 0 {
                write_str(sink, b"executable");
                write_str(sink, b"");
            }
            write_str(sink, b"contents");
            let mut f = std::fs::File::open(path)?;
            let len = meta.len();
            sink(&len.to_le_bytes());
            let mut buf = vec![0u8; 64 * 1024];
            let mut left = len;
            while left > 0 {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("{} shrank while being read", path.display()),
                    ));
                }
                let n = (n as u64).min(left) as usize;
                sink(&buf[..n]);
                left -= n as u64;
            }
            write_padding(sink, len);
        } else if ft.is_dir() {
            write_str(sink, b"type");
            write_str(sink, b"directory");
            let mut entries: Vec<std::ffi::OsString> = std::fs::read_dir(path)?
                .map(|e| e.map(|e| e.file_name()))
                .collect::<io::Result<_>>()?;
            entries.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            for name in entries {
                let child = path.join(&name);
                if !keep(&child) {
                    continue;
                }
                write_str(sink, b"entry");
                write_str(sink, b"(");
                write_str(sink, b"name");
                write_str(sink, name.as_bytes());
                write_str(sink, b"node");
                dump_object(&child, keep, sink)?;
                write_str(sink, b")");
            }
        } else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is not a regular file, directory or symbolic link",
                    path.display()
                ),
            ));
        }
        write_str(sink, b")");
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(out: &mut Vec<u8>, b: &[u8]) {
        out.extend_from_slice(&(b.len() as u64).to_le_bytes());
        out.extend_from_slice(b);
        out.resize(out.len().div_ceil(8) * 8, 0);
    }

    #[test]
    fn regular_file_layout() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, b"hi\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut want = Vec::new();
        for part in [
            &b"nix-archive-1"[..],
            b"(",
            b"type",
            b"regular",
            b"contents",
            b"hi\n",
            b")",
        ] {
            s(&mut want, part);
        }
        assert_eq!(nar_bytes(&f).unwrap(), want);
    }

    #[test]
    fn missing_path_is_an_error() {
        assert!(nar_hash(Path::new("/nonexistent/nixfold"), HashAlgo::Sha256).is_err());
    }
}
