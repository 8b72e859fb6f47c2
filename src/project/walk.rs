//! Finding the files to check below the paths given on the command line.
//!
//! * Directories are walked recursively. `.gitignore` files (nested ones and
//!   those of parent directories up to the repository root) and
//!   `.git/info/exclude` are honoured, also outside a git repository; the
//!   user's global git excludes are not (results must not depend on who runs
//!   the check). `.git` directories are always skipped. Hidden files and
//!   directories are walked.
//! * Symbolic links are not followed into directories (no loops, no files
//!   outside the tree). A symbolic link to a file is read like the file; a
//!   broken link or a link loop with a name nixfold reads is reported as a
//!   file that cannot be read.
//! * Files named on the command line are always read (even if ignored by
//!   git); excluded paths (`exclude`) are skipped even then.
//! * A path is found once even if several arguments lead to it.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::is_script_or_doc;

/// What kind of file a found path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Nix,
    /// A script or doc kept as a text file.
    Text,
}

/// A file to read.
#[derive(Debug, Clone)]
pub struct Found {
    pub path: PathBuf,
    pub kind: Kind,
    /// Named on the command line (a read failure is then an argument error).
    pub explicit: bool,
}

/// The result of walking the command-line paths.
#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<Found>,
    /// Files and directories below the arguments that could not be read.
    pub errors: Vec<(PathBuf, String)>,
    /// Command-line paths that do not exist or cannot be read.
    pub arg_errors: Vec<(PathBuf, String)>,
}

/// Which kind a file found while walking a directory is, if nixfold reads it.
pub fn kind_of(path: &Path) -> Option<Kind> {
    if path.extension().is_some_and(|e| e == "nix") {
        Some(Kind::Nix)
    } else if is_script_or_doc(path) {
        Some(Kind::Text)
    } else {
        None
    }
}

/// `path` without `.` components (`./a/./b.nix` → `a/b.nix`; `.` stays `.`).
pub fn clean(path: &Path) -> PathBuf {
    let out: PathBuf = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

/// `path` made absolute against `cwd` and normalised lexically (`.` and `..`
/// resolved without touching the file system).
pub fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in cwd.join(path).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Describe an I/O error on a path, naming broken links and link loops.
pub fn describe_io_error(path: &Path, e: &std::io::Error) -> String {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if e.raw_os_error() == Some(40) {
        return "symbolic link loop (too many levels of symbolic links)".into();
    }
    if is_link && e.kind() == std::io::ErrorKind::NotFound {
        return "broken symbolic link (its target does not exist)".into();
    }
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Decides whether a path (as found: relative paths stay relative to the
/// current directory) is excluded; an excluded directory is not entered.
pub type Exclude = Arc<dyn Fn(&Path) -> bool + Send + Sync>;

/// An [`Exclude`] that keeps every path.
pub fn exclude_nothing() -> Exclude {
    Arc::new(|_: &Path| false)
}

/// A path that could not be walked, with what went wrong.
type Problem = (PathBuf, String);

/// What a parallel walk found so far: files with their kind, and problems.
type Collected = (Vec<(PathBuf, Kind)>, Vec<Problem>);

/// Walk every path.
pub fn walk(paths: &[PathBuf], excluded: &Exclude) -> Walked {
    let mut out = Walked::default();
    let cwd = super::cwd();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    // One path cannot find a file twice (links are not followed); only
    // paths that overlap can.
    let dedupe = paths.len() > 1;
    let mut push = |out: &mut Walked, path: PathBuf, kind: Kind, explicit: bool| {
        if !dedupe || seen.insert(absolute(&cwd, &path)) {
            out.files.push(Found {
                path,
                kind,
                explicit,
            });
        }
    };
    for arg in paths {
        let arg = clean(arg);
        let meta = match std::fs::metadata(&arg) {
            Ok(m) => m,
            Err(e) => {
                let msg = describe_io_error(&arg, &e);
                out.arg_errors.push((arg, msg));
                continue;
            }
        };
        if !meta.is_dir() {
            if !meta.is_file() {
                // A FIFO or device would block or never end.
                out.arg_errors
                    .push((arg, "not a regular file or directory".into()));
                continue;
            }
            if !excluded(&arg) {
                let kind = if is_script_or_doc(&arg) {
                    Kind::Text
                } else {
                    Kind::Nix
                };
                push(&mut out, arg, kind, true);
            }
            continue;
        }
        let mut builder = ignore::WalkBuilder::new(&arg);
        builder
            .standard_filters(false)
            .git_ignore(true)
            .git_exclude(true)
            .git_global(false)
            .parents(true)
            .require_git(false)
            .follow_links(false)
            .sort_by_file_name(|a, b| a.cmp(b));
        let prune = Arc::clone(excluded);
        builder
            .filter_entry(move |e| e.file_name() != ".git" && (e.depth() == 0 || !prune(e.path())));
        // Walked in parallel (directory reads dominate on large trees); what
        // is found is put in path order before it is kept, so the result does
        // not depend on the threads.
        let found: std::sync::Mutex<Collected> = Default::default();
        builder.build_parallel().run(|| {
            let found = &found;
            let arg = &arg;
            Box::new(move |entry| {
                let keep = |f: Option<(PathBuf, Kind)>, e: Option<Problem>| {
                    let mut g = found.lock().unwrap_or_else(|p| p.into_inner());
                    g.0.extend(f);
                    g.1.extend(e);
                };
                match entry {
                    Ok(e) => {
                        let Some(ft) = e.file_type() else {
                            return ignore::WalkState::Continue;
                        };
                        let path = clean(e.path());
                        let Some(kind) = kind_of(&path) else {
                            return ignore::WalkState::Continue;
                        };
                        if ft.is_file() {
                            keep(Some((path, kind)), None);
                        } else if ft.is_symlink() {
                            match std::fs::metadata(&path) {
                                Ok(m) if m.is_file() => keep(Some((path, kind)), None),
                                Ok(_) => {}
                                // A broken link to a script or document is not
                                // Nix source: only `.nix` files must be readable.
                                Err(_) if kind != Kind::Nix => {}
                                Err(err) => {
                                    let msg = describe_io_error(&path, &err);
                                    keep(None, Some((path, msg)));
                                }
                            }
                        }
                    }
                    Err(err) => {
                        // Only I/O problems are worth a report (an unreadable
                        // directory); a malformed .gitignore line is skipped.
                        if let Some(io) = err.io_error() {
                            let path = error_path(&err).unwrap_or_else(|| arg.clone());
                            let msg = describe_io_error(&path, io);
                            keep(None, Some((clean(&path), msg)));
                        }
                    }
                }
                ignore::WalkState::Continue
            })
        });
        let (mut files, mut errors) = found.into_inner().unwrap_or_else(|p| p.into_inner());
        files.sort_unstable_by(|a, b| cmp_below(&a.0, &b.0));
        errors.sort();
        for (path, kind) in files {
            push(&mut out, path, kind, false);
        }
        out.errors.extend(errors);
    }
    if dedupe {
        out.files.sort_by(|a, b| a.path.cmp(&b.path));
    }
    out
}

/// The order of `Path::cmp` (component by component) for two distinct
/// paths found below one walked directory, by their bytes: they share the
/// directory's prefix, and below it every component is a plain name joined
/// by a single `/`. A name that ends where the other goes on sorts first,
/// so `/` counts as less than any other byte.
fn cmp_below(a: &Path, b: &Path) -> std::cmp::Ordering {
    let (a, b) = (
        a.as_os_str().as_encoded_bytes(),
        b.as_os_str().as_encoded_bytes(),
    );
    match a.iter().zip(b).position(|(x, y)| x != y) {
        None => a.len().cmp(&b.len()),
        Some(i) => match (a[i], b[i]) {
            (b'/', _) => std::cmp::Ordering::Less,
            (_, b'/') => std::cmp::Ordering::Greater,
            (x, y) => x.cmp(&y),
        },
    }
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path below `root/` made of plain names (no `.` or `..`, no empty
    /// name), as the walker finds them.
    fn below(root: &str, names: &[String]) -> Option<PathBuf> {
        if names.iter().any(|n| n.is_empty() || n == "." || n == "..") {
            return None;
        }
        Some(PathBuf::from(format!("{root}{}", names.join("/"))))
    }

    #[test]
    fn a_folder_sorts_before_a_longer_name() {
        let (dir, name) = (Path::new("d/a/b.nix"), Path::new("d/a-x.nix"));
        assert_eq!(cmp_below(dir, name), std::cmp::Ordering::Less);
        assert_eq!(cmp_below(name, dir), std::cmp::Ordering::Greater);
        assert_eq!(
            cmp_below(Path::new("d/a"), Path::new("d/a/b")),
            dir.cmp(name)
        );
    }

    proptest::proptest! {
        /// The byte order agrees with `Path::cmp` on what a walk finds,
        /// including names with bytes below `/` (`-`, `.`, `+`).
        #[test]
        fn byte_order_agrees_with_component_order(
            root in proptest::sample::select(vec!["", "d/", "/r/", "../up/"]),
            a in proptest::collection::vec("[ab.+-]{1,3}", 1..4),
            b in proptest::collection::vec("[ab.+-]{1,3}", 1..4),
        ) {
            if let (Some(a), Some(b)) = (below(root, &a), below(root, &b)) {
                proptest::prop_assert_eq!(cmp_below(&a, &b), a.cmp(&b), "{:?} {:?}", a, b);
            }
        }
    }
}
