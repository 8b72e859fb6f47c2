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
        }
    }

    /// Index of the file with this path, if loaded.
    pub fn file_index(&self, path: &Path) -> Option<usize> {
        self.files.iter().position(|f| f.path == path)
    }

    /// Load every file below the given paths.
    pub fn load(root: &Path, paths: &[PathBuf], exclude: &dyn Fn(&Path) -> bool) -> Project {
        let mut nix = Vec::new();
        let mut other = Vec::new();
        let mut load_errors = Vec::new();
        for p in paths {
            crate::project::walk::walk(
                p,
                exclude,
                &mut |path| {
                    if path.extension().is_some_and(|e| e == "nix") {
                        nix.push(path);
                    } else if is_script_or_doc(&path) {
                        other.push(path);
                    }
                },
                &mut |path, err| {
                    load_errors.push(LoadError {
                        path,
                        error: SourceError::Io(err),
                    })
                },
            );
        }
        nix.sort();
        nix.dedup();
        other.sort();
        other.dedup();
        let loaded: Vec<Result<SourceFile, LoadError>> = nix
            .into_par_iter()
            .map(|path| {
                crate::syntax::load_source(&path).map_err(|error| LoadError { path, error })
            })
            .collect();
        let mut files = Vec::new();
        for r in loaded {
            match r {
                Ok(f) => files.push(f),
                Err(e) => load_errors.push(e),
            }
        }
        let texts = other
            .into_iter()
            .filter_map(|path| {
                let text = decode_source(std::fs::read(&path).ok()?).ok()?;
                let line_index = crate::syntax::LineIndex::new(&text);
                Some(TextFile {
                    path,
                    text,
                    line_index,
                })
            })
            .collect();
        Project {
            root: root.to_path_buf(),
            files,
            texts,
            load_errors,
        }
    }
}

pub mod walk;
