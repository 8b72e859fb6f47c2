//! Analyses over a loaded project: which files flake outputs reach, and
//! (later) variant analysis on top of the evaluator.

pub mod reach;
pub mod scope;
pub mod variants;

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::eval::Preparsed;
use crate::project::Project;

/// The project's files as the evaluator takes them already parsed
/// ([`crate::eval::EvalOptions::preparsed`]), keyed by absolute, lexically
/// normalised path. Nothing is parsed here: the evaluator parses a tree
/// when it first imports the file (and reads a file with syntax errors
/// itself, to report them).
pub fn preparsed(project: &Project) -> Preparsed {
    let cwd = crate::project::cwd();
    Arc::new(
        project
            .files
            .iter()
            .map(|f| (absolute(&cwd, &f.path), f.tree.clone()))
            .collect(),
    )
}

fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in cwd.join(p).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
