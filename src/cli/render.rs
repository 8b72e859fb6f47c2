//! What every output format shares: the findings of a run, their sources,
//! paths as users see them, and the summary counts.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::diagnostics::{Diagnostic, Severity};
use crate::project::Project;
use crate::syntax::{LineCol, LineIndex, TextSize};

/// The result of a `check` run, ready to be rendered in any format.
pub struct Report<'a> {
    pub project: &'a Project,
    pub diags: &'a [Diagnostic],
    /// Paths in output are relative to this directory.
    pub cwd: PathBuf,
    sources: HashMap<&'a Path, Source<'a>>,
}

/// Counts for the summary line / object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Files read (Nix files, scripts and docs, and files that could not be read).
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub info: usize,
    /// Findings that carry a fix.
    pub fixable: usize,
}

/// A loaded file a finding may point into (a Nix file's line index is
/// built only when a finding needs it).
#[derive(Clone, Copy)]
enum Source<'a> {
    Nix(&'a crate::syntax::SourceFile),
    Text(&'a crate::project::TextFile),
}

impl<'a> Report<'a> {
    pub fn new(project: &'a Project, diags: &'a [Diagnostic]) -> Self {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        // Only the files findings are in (every span, label and fix of a
        // finding is in its own file) are ever looked up.
        let wanted: rustc_hash::FxHashSet<&Path> = diags.iter().map(|d| d.path.as_path()).collect();
        let mut sources = HashMap::with_capacity(wanted.len());
        if !wanted.is_empty() {
            for f in &project.files {
                if wanted.contains(f.path.as_path()) {
                    sources.insert(f.path.as_path(), Source::Nix(f));
                }
            }
            for t in &project.texts {
                if wanted.contains(t.path.as_path()) {
                    sources.insert(t.path.as_path(), Source::Text(t));
                }
            }
        }
        Report {
            project,
            diags,
            cwd,
            sources,
        }
    }

    /// The text and line index of a file, if it was loaded.
    pub fn source(&self, path: &Path) -> Option<(&'a str, &'a LineIndex)> {
        Some(match *self.sources.get(path)? {
            Source::Nix(f) => (&*f.text, f.line_index()),
            Source::Text(t) => (t.text.as_str(), &t.line_index),
        })
    }

    /// Line and column of a byte offset in a loaded file.
    pub fn line_col(&self, path: &Path, offset: TextSize) -> Option<LineCol> {
        let (text, index) = self.source(path)?;
        Some(index.line_col(text, offset))
    }

    /// The path as shown to users: relative to the current directory,
    /// `/`-separated.
    pub fn display_path(&self, path: &Path) -> String {
        relative_path(&self.cwd, path)
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            files: self.project.files.len()
                + self.project.texts.len()
                + self.project.load_errors.len(),
            ..Summary::default()
        };
        for d in self.diags {
            match d.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.info += 1,
            }
            if d.fix.is_some() {
                s.fixable += 1;
            }
        }
        s
    }
}

/// `path` relative to `cwd` with `/` separators (`..` where needed; `./`
/// and `.` components dropped).
pub fn relative_path(cwd: &Path, path: &Path) -> String {
    let rel = if path.is_absolute() {
        diff_paths(path, cwd).unwrap_or_else(|| path.to_path_buf())
    } else {
        path.to_path_buf()
    };
    let mut parts: Vec<String> = Vec::new();
    let mut absolute = false;
    for c in rel.components() {
        match c {
            Component::RootDir => absolute = true,
            Component::CurDir => {}
            Component::Prefix(p) => parts.push(p.as_os_str().to_string_lossy().into_owned()),
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// `path` relative to `base` (both absolute).
fn diff_paths(path: &Path, base: &Path) -> Option<PathBuf> {
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    // Sharing only the root directory: the absolute path reads better.
    if common <= 1 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    Some(out)
}

/// Plain human output of a project's findings (no colour, with summary).
pub fn human(project: &Project, diags: &[Diagnostic]) -> String {
    let report = Report::new(project, diags);
    String::from_utf8_lossy(&super::human::render(&report, false, false)).into_owned()
}

/// JSON output of a project's findings.
pub fn json(project: &Project, diags: &[Diagnostic]) -> String {
    super::json::render(&Report::new(project, diags))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        let cwd = Path::new("/home/u/repo");
        assert_eq!(relative_path(cwd, Path::new("./a/./b.nix")), "a/b.nix");
        assert_eq!(
            relative_path(cwd, Path::new("/home/u/repo/x/y.nix")),
            "x/y.nix"
        );
        assert_eq!(
            relative_path(cwd, Path::new("/home/u/other/y.nix")),
            "../other/y.nix"
        );
        assert_eq!(relative_path(cwd, Path::new("../z.nix")), "../z.nix");
        assert_eq!(relative_path(cwd, Path::new("/home/u/repo")), ".");
        assert_eq!(relative_path(cwd, Path::new("/etc/x.nix")), "/etc/x.nix");
    }
}
