//! Loading a project: walking the given paths (honouring .gitignore, skipping
//! `.git`), reading and parsing every `.nix` file once, in parallel, and
//! keeping the text of scripts and docs that some rules read.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::syntax::{SourceError, SourceFile, decode_source};

/// A non-Nix text file some rules read (shell scripts, Markdown, Makefile, justfile).
pub struct TextFile {
    pub path: PathBuf,
    pub text: String,
    pub line_index: crate::syntax::LineIndex,
}

/// A file that could not be loaded.
#[derive(Debug, Clone)]
pub struct LoadError {
    pub path: PathBuf,
    pub error: SourceError,
}

/// Everything `check` and the analyses look at.
pub struct Project {
    /// The directory config is read from and paths in reports are relative to.
    pub root: PathBuf,
    pub files: Vec<SourceFile>,
    pub texts: Vec<TextFile>,
    pub load_errors: Vec<LoadError>,
    /// Whether [`crate::syntax::Tree::release`] may drop a file's tree once
    /// the lint engine is done with it (set by [`Project::load_paths`], for
    /// `nixfold check`; a rebuilt tree's nodes are new nodes, so code that
    /// keeps nodes across a `lints::check` must leave this off).
    pub release_trees: bool,
    /// Per file of `files`, whether `.gitattributes` marks it generated
    /// (`linguist-generated`, see attributes.rs); empty when not looked up
    /// (in-memory projects), which means "not generated".
    pub generated: Vec<bool>,
}

/// Which non-Nix files are kept as [`TextFile`]s.
pub fn is_script_or_doc(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("sh" | "bash" | "md")
    ) || matches!(
        name,
        "Makefile" | "makefile" | "GNUmakefile" | "justfile" | "Justfile" | ".justfile" | ".envrc"
    )
}

impl Project {
    /// Build a project from in-memory files (tests, fix loops).
    pub fn from_sources(root: impl Into<PathBuf>, files: Vec<SourceFile>) -> Self {
        Project {
            root: root.into(),
            files,
            texts: Vec::new(),
            load_errors: Vec::new(),
            release_trees: false,
            generated: Vec::new(),
        }
    }

    /// Whether `.gitattributes` marks file `i` generated.
    pub fn is_generated(&self, i: usize) -> bool {
        self.generated.get(i).copied().unwrap_or(false)
    }

    /// Index of the file with this path, if loaded.
    pub fn file_index(&self, path: &Path) -> Option<usize> {
        self.files.iter().position(|f| f.path == path)
    }

    /// Load every file below the given paths (see [`walk`] for which files
    /// are found). `exclude` drops files by path; paths that cannot be read
    /// become load errors. The CLI uses [`Project::load_paths`].
    pub fn load(root: &Path, paths: &[PathBuf], exclude: &dyn Fn(&Path) -> bool) -> Project {
        let mut walked = walk::walk(paths, &walk::exclude_nothing());
        walked.files.retain(|f| !exclude(&f.path));
        let (mut project, arg_errors) = Self::read(root, walked, false);
        for e in arg_errors {
            project.load_errors.push(LoadError {
                path: e.path,
                error: SourceError::Io(e.message),
            });
        }
        project
    }

    /// Load every file below the given paths, pruning excluded paths while
    /// walking. Command-line paths that do not exist or cannot be read are
    /// returned separately (the CLI exits with status 2 for them); other
    /// files that cannot be read are [`Project::load_errors`].
    ///
    /// Files are parsed on first use, and [`Project::release_trees`] is on:
    /// `lints::check` parses each file once, in parallel, and keeps of it
    /// only what the project rules need.
    pub fn load_paths(
        root: &Path,
        paths: &[PathBuf],
        exclude: &walk::Exclude,
    ) -> (Project, Vec<PathError>) {
        let (mut project, errors) = Self::read(root, walk::walk(paths, exclude), true);
        project.release_trees = true;
        (project, errors)
    }

    fn read(root: &Path, walked: walk::Walked, lazy: bool) -> (Project, Vec<PathError>) {
        let mut arg_errors: Vec<PathError> = walked
            .arg_errors
            .into_iter()
            .map(|(path, message)| PathError { path, message })
            .collect();
        let mut load_errors: Vec<LoadError> = walked
            .errors
            .into_iter()
            .map(|(path, message)| LoadError {
                path,
                error: SourceError::Io(message),
            })
            .collect();
        enum Loaded {
            Nix(SourceFile),
            Text(TextFile),
            Failed(LoadError, bool),
            Skipped,
        }
        let loaded: Vec<Loaded> = walked
            .files
            .into_par_iter()
            .map(|found| {
                let bytes = match read_whole(&found.path) {
                    Ok(b) => b,
                    Err(e) => {
                        let message = walk::describe_io_error(&found.path, &e);
                        let error = SourceError::Io(message);
                        return Loaded::Failed(
                            LoadError {
                                path: found.path,
                                error,
                            },
                            found.explicit,
                        );
                    }
                };
                match found.kind {
                    walk::Kind::Nix => match decode_source(bytes) {
                        Ok(text) if lazy => Loaded::Nix(SourceFile::lazy(found.path, text)),
                        Ok(text) => Loaded::Nix(SourceFile::from_text(found.path, text)),
                        Err(error) => Loaded::Failed(
                            LoadError {
                                path: found.path,
                                error,
                            },
                            false,
                        ),
                    },
                    walk::Kind::Text => match decode_source(bytes) {
                        Ok(text) => {
                            let line_index = crate::syntax::LineIndex::new(&text);
                            Loaded::Text(TextFile {
                                path: found.path,
                                text,
                                line_index,
                            })
                        }
                        Err(_) => Loaded::Skipped,
                    },
                }
            })
            .collect();
        let mut files = Vec::new();
        let mut texts = Vec::new();
        for l in loaded {
            match l {
                Loaded::Nix(f) => files.push(f),
                Loaded::Text(t) => texts.push(t),
                Loaded::Failed(e, true) => arg_errors.push(PathError {
                    path: e.path,
                    message: match e.error {
                        SourceError::Io(m) => m,
                        other => other.to_string(),
                    },
                }),
                Loaded::Failed(e, false) => load_errors.push(e),
                Loaded::Skipped => {}
            }
        }
        load_errors.sort_by(|a, b| a.path.cmp(&b.path));
        let paths: Vec<&Path> = files
            .iter()
            .map(|f: &SourceFile| f.path.as_path())
            .collect();
        let generated = attributes::generated(&cwd(), &paths);
        let project = Project {
            root: root.to_path_buf(),
            files,
            texts,
            load_errors,
            release_trees: false,
            generated,
        };
        (project, arg_errors)
    }
}

/// A file's bytes, read without asking for its size first: most files
/// are small, and `std::fs::read` spends a `statx` per file on a size hint.
fn read_whole(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    thread_local! {
        /// Where a thread reads files, reused: what is kept is an exact copy.
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut file = std::fs::File::open(path)?;
    BUF.with_borrow_mut(|buf| {
        if buf.is_empty() {
            buf.resize(64 * 1024, 0);
        }
        // `read_to_end` on a `File` asks for the size too (`statx`, `lseek`).
        let mut len = 0;
        loop {
            if len == buf.len() {
                buf.resize(len * 2, 0);
            }
            match file.read(&mut buf[len..]) {
                Ok(0) => break,
                Ok(n) => len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let bytes = buf[..len].to_vec();
        if buf.len() > 1024 * 1024 {
            // One huge file does not keep its buffer.
            *buf = Vec::new();
        }
        Ok(bytes)
    })
}

/// A path given on the command line that could not be used.
#[derive(Debug, Clone)]
pub struct PathError {
    pub path: PathBuf,
    pub message: String,
}

mod attributes;
pub mod walk;

/// The working directory, read once per process (`check` asks for it per
/// file; the CLI never changes it).
pub fn cwd() -> PathBuf {
    static CWD: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    CWD.get_or_init(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")))
        .clone()
}

/// `std::fs::canonicalize` for many files: a directory is resolved from its
/// parent's canonical path with one `lstat` (unless it is a link), and a
/// file is looked at with one `lstat` (realpath reads every component of
/// every path, and the working directory, each time).
#[derive(Default)]
pub struct Canonicalizer {
    dirs: rustc_hash::FxHashMap<PathBuf, Option<PathBuf>>,
}

impl Canonicalizer {
    /// The canonical path of the existing file `path`, or `None`.
    pub fn get(&mut self, path: &Path) -> Option<PathBuf> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return std::fs::canonicalize(path).ok();
        };
        if meta.file_type().is_symlink() || name == ".." || name == "." {
            return std::fs::canonicalize(path).ok();
        }
        Some(self.dir(dir)?.join(name))
    }

    /// The canonical path of directory `dir` (`""` is the working directory).
    fn dir(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(known) = self.dirs.get(dir) {
            return known.clone();
        }
        let canon = match (dir.parent(), dir.file_name()) {
            // A plain name below a directory: its parent's path and the
            // name, unless it is a link.
            (Some(parent), Some(name))
                if std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) =>
            {
                self.dir(parent).map(|p| p.join(name))
            }
            // The root, `.`, `..`, a link or something missing.
            _ => {
                let at = if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                };
                std::fs::canonicalize(at).ok()
            }
        };
        self.dirs.insert(dir.to_path_buf(), canon.clone());
        canon
    }
}

#[cfg(test)]
mod canonicalizer_tests {
    use super::Canonicalizer;

    /// The same answers as `std::fs::canonicalize`, through linked
    /// directories and files, `.` and `..`, relative and absolute paths.
    #[cfg(unix)]
    #[test]
    fn agrees_with_realpath() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("real/sub")).unwrap();
        std::fs::write(d.join("real/sub/a.nix"), "1").unwrap();
        std::fs::write(d.join("real/b.nix"), "1").unwrap();
        std::os::unix::fs::symlink(d.join("real"), d.join("link")).unwrap();
        std::os::unix::fs::symlink("sub/a.nix", d.join("real/c.nix")).unwrap();
        let mut c = Canonicalizer::default();
        for p in [
            "real/sub/a.nix",
            "link/sub/a.nix",
            "link/b.nix",
            "real/c.nix",
            "link/c.nix",
            "real/./sub/a.nix",
            "real/sub/../b.nix",
            "link/sub/../b.nix",
            "missing/a.nix",
            "real/missing.nix",
        ] {
            let path = d.join(p);
            assert_eq!(c.get(&path), std::fs::canonicalize(&path).ok(), "{p}");
        }
    }
}

#[cfg(test)]
mod load_tests {
    use super::*;

    /// Files of every size are read whole, also those longer than the
    /// reading buffer and than the size at which it is given back.
    #[test]
    fn reads_files_whole() {
        let dir = tempfile::tempdir().unwrap();
        for len in [0usize, 1, 65_535, 65_536, 65_537, 200_000, 3 * 1024 * 1024] {
            let path = dir.path().join(format!("f{len}"));
            let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(read_whole(&path).unwrap(), bytes, "{len} bytes");
        }
        assert!(read_whole(&dir.path().join("missing")).is_err());
    }

    /// Overlapping paths find a file once, and files come in path order
    /// whether one path is walked or several.
    #[test]
    fn overlapping_paths_find_a_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("a/b")).unwrap();
        for f in ["a/b/z.nix", "a/y.nix", "a-x.nix", "c.nix"] {
            std::fs::write(d.join(f), "1").unwrap();
        }
        let none = walk::exclude_nothing();
        let names = |w: walk::Walked| -> Vec<String> {
            w.files
                .iter()
                .map(|f| f.path.strip_prefix(d).unwrap().display().to_string())
                .collect()
        };
        let one = names(walk::walk(&[d.to_path_buf()], &none));
        assert_eq!(one, ["a/b/z.nix", "a/y.nix", "a-x.nix", "c.nix"]);
        let several = names(walk::walk(
            &[d.join("a"), d.to_path_buf(), d.join("a/y.nix")],
            &none,
        ));
        assert_eq!(several, one);
    }
}
