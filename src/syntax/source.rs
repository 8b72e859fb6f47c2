//! A loaded source file: its path, text, tree and line index.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use super::{LineCol, LineIndex, Parsed, TextSize, parse};

/// One Nix source file. Its tree is built when the file is loaded
/// ([`SourceFile::from_text`]) or on first use ([`SourceFile::lazy`]), and
/// may be released and rebuilt later ([`Tree::release`]).
pub struct SourceFile {
    /// The path as the file was found (relative when the walk started from a relative path).
    pub path: PathBuf,
    pub text: Arc<str>,
    /// Built when first asked for ([`SourceFile::line_index`]): only files
    /// with findings or suppression comments need one.
    line_index: OnceLock<LineIndex>,
    /// The file's tree, shared with the evaluator's source map.
    pub tree: Arc<Tree>,
}

impl SourceFile {
    /// Build from text already in memory, parsing it now.
    pub fn from_text(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Self {
        let file = Self::lazy(path, text);
        file.tree.get();
        file
    }

    /// Build from text already in memory; parse on first use.
    pub fn lazy(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        SourceFile {
            path: path.into(),
            tree: Arc::new(Tree::new(text.clone())),
            text,
            line_index: OnceLock::new(),
        }
    }

    /// The file's tree and syntax errors (parsed now if it is not held).
    pub fn parsed(&self) -> Parsed {
        self.tree.get()
    }

    /// The file's line index.
    pub fn line_index(&self) -> &LineIndex {
        self.line_index.get_or_init(|| LineIndex::new(&self.text))
    }

    pub fn line_col(&self, offset: TextSize) -> LineCol {
        self.line_index().line_col(&self.text, offset)
    }
}

/// A file's parse, built on demand and held until released.
///
/// Parsing is deterministic, so a rebuilt tree has the same shape, text and
/// errors; only node identity differs (nodes of a released tree never
/// compare equal to nodes of its rebuild). Release trees only where no node
/// of them is kept: `lints::check` does it for each file right after the
/// file's own rules ran, before anything else reads the file.
pub struct Tree {
    text: Arc<str>,
    held: Mutex<Option<Parsed>>,
    /// Set by the first parse: whether the file has syntax errors.
    has_errors: OnceLock<bool>,
    /// Set by the first parse: [`Parsed::exceeded_limits`].
    limited: OnceLock<bool>,
}

impl std::fmt::Debug for Tree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tree")
            .field("len", &self.text.len())
            .field("has_errors", &self.has_errors.get())
            .finish()
    }
}

impl Tree {
    fn new(text: Arc<str>) -> Self {
        Tree {
            text,
            held: Mutex::new(None),
            has_errors: OnceLock::new(),
            limited: OnceLock::new(),
        }
    }

    /// The parse, built now if it is not held.
    pub fn get(&self) -> Parsed {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = held.as_ref() {
            return p.clone();
        }
        let p = parse(&self.text);
        let _ = self.has_errors.set(!p.errors.is_empty());
        let _ = self.limited.set(p.exceeded_limits());
        *held = Some(p.clone());
        p
    }

    /// Drop the held tree (the next [`Tree::get`] parses again).
    pub fn release(&self) {
        *self.held.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Whether the file has syntax errors (parses it if it never was).
    ///
    /// The flags are set only by [`Tree::get`]: an initialiser here that
    /// parsed would set its own flag again from inside its initialisation,
    /// which never returns (asking an unparsed file hung).
    pub fn has_errors(&self) -> bool {
        match self.has_errors.get() {
            Some(b) => *b,
            None => !self.get().errors.is_empty(),
        }
    }

    /// [`Parsed::exceeded_limits`] (parses the file if it never was).
    pub fn exceeded_limits(&self) -> bool {
        match self.limited.get() {
            Some(b) => *b,
            None => self.get().exceeded_limits(),
        }
    }

    /// Whether `root` is the root of the tree held now.
    pub fn holds(&self, root: &rowan::GreenNodeData) -> bool {
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.as_ref()
            .is_some_and(|p| std::ptr::eq::<rowan::GreenNodeData>(&**p.green(), root))
    }

    pub fn text(&self) -> &Arc<str> {
        &self.text
    }
}

/// Why a file could not be turned into a [`SourceFile`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    /// The file could not be read.
    Io(String),
    /// The file is not UTF-8; `line`/`col` locate the first bad byte (1-based;
    /// the column counts the Unicode scalar values before it on its line).
    InvalidUtf8 { line: u32, col: u32, offset: usize },
    /// The file contains a NUL byte.
    Binary,
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceError::Io(e) => write!(f, "cannot read file: {e}"),
            SourceError::InvalidUtf8 { line, col, .. } => {
                write!(
                    f,
                    "file is not valid UTF-8 (first invalid byte at line {line}, column {col})"
                )
            }
            SourceError::Binary => write!(
                f,
                "file looks binary (contains a NUL byte); not a Nix source"
            ),
        }
    }
}

/// Decode bytes as a source text, rejecting binary and non-UTF-8 content.
pub fn decode_source(bytes: Vec<u8>) -> Result<String, SourceError> {
    if bytes.contains(&0) {
        return Err(SourceError::Binary);
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line_start = bytes[..offset]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1);
        let line = bytes[..offset].iter().filter(|b| **b == b'\n').count() as u32 + 1;
        // Everything before `offset` is valid UTF-8, so the column can be
        // counted in Unicode scalar values like every other column.
        let col = std::str::from_utf8(&bytes[line_start..offset])
            .map_or(offset - line_start, |s| s.chars().count());
        SourceError::InvalidUtf8 {
            line,
            col: col as u32 + 1,
            offset,
        }
    })
}

/// Read and parse a file from disk.
pub fn load_source(path: &Path) -> Result<SourceFile, SourceError> {
    let bytes = std::fs::read(path).map_err(|e| SourceError::Io(e.to_string()))?;
    let text = decode_source(bytes)?;
    Ok(SourceFile::from_text(path, text))
}

#[cfg(test)]
mod tests {
    use super::SourceFile;

    /// The flags of a file nothing has parsed yet, asked from a thread so
    /// that a hang fails the test instead of stalling it.
    #[test]
    fn flags_of_an_unparsed_file_parse_it() {
        let ask = |text: &'static str, first_errors: bool| {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let f = SourceFile::lazy("a.nix", text);
                let flags = if first_errors {
                    let e = f.tree.has_errors();
                    (e, f.tree.exceeded_limits())
                } else {
                    let l = f.tree.exceeded_limits();
                    (f.tree.has_errors(), l)
                };
                let _ = tx.send(flags);
            });
            rx.recv_timeout(std::time::Duration::from_secs(20))
                .expect("asking a flag of an unparsed file returns")
        };
        assert_eq!(ask("{ a = 1; }", true), (false, false));
        assert_eq!(ask("{ a = ; }", true), (true, false));
        assert_eq!(ask("{ a = 1; }", false), (false, false));
        assert_eq!(ask("{ a = ; }", false), (true, false));
        let deep: &'static str =
            Box::leak(format!("{}1{}", "[".repeat(2000), "]".repeat(2000)).into_boxed_str());
        assert_eq!(ask(deep, true), (true, true));
    }
}
