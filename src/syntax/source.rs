//! A loaded source file: its path, text, tree and line index.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{LineCol, LineIndex, Parsed, TextSize, parse};

/// One Nix source file, read and parsed once.
pub struct SourceFile {
    /// The path as the file was found (relative when the walk started from a relative path).
    pub path: PathBuf,
    pub text: Arc<str>,
    pub parsed: Parsed,
    pub line_index: LineIndex,
}

impl SourceFile {
    /// Build from text already in memory.
    pub fn from_text(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let parsed = parse(&text);
        let line_index = LineIndex::new(&text);
        SourceFile {
            path: path.into(),
            text,
            parsed,
            line_index,
        }
    }

    pub fn line_col(&self, offset: TextSize) -> LineCol {
        self.line_index.line_col(&self.text, offset)
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
