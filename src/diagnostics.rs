//! The one diagnostic type every layer reports with, plus fixes and edits.
//!
//! Core code builds [`Diagnostic`]s; only the CLI layer renders them.

use std::path::PathBuf;

use serde::Serialize;

use crate::syntax::{LineCol, LineIndex, SourceFile, TextRange, TextSize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Whether a fix may be applied without review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Keeps the meaning of the code; applied by `check --fix`.
    Safe,
    /// May change meaning; applied only with `--unsafe-fixes`.
    Unsafe,
}

/// Replace the bytes in `range` with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Edit {
    #[serde(serialize_with = "ser_range")]
    pub range: TextRange,
    pub replacement: String,
}

fn ser_range<S: serde::Serializer>(r: &TextRange, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut st = s.serialize_struct("Range", 2)?;
    st.serialize_field("start", &u32::from(r.start()))?;
    st.serialize_field("end", &u32::from(r.end()))?;
    st.end()
}

impl Edit {
    pub fn replace(range: TextRange, replacement: impl Into<String>) -> Self {
        Edit {
            range,
            replacement: replacement.into(),
        }
    }
    pub fn delete(range: TextRange) -> Self {
        Edit {
            range,
            replacement: String::new(),
        }
    }
    pub fn insert(at: TextSize, text: impl Into<String>) -> Self {
        Edit {
            range: TextRange::empty(at),
            replacement: text.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Fix {
    pub message: String,
    pub applicability: Applicability,
    /// Non-overlapping edits, all in the diagnostic's file.
    pub edits: Vec<Edit>,
}

/// A secondary span with a message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Label {
    #[serde(serialize_with = "ser_range")]
    pub range: TextRange,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Diagnostic {
    /// Stable rule code, e.g. `NF0001`.
    pub code: &'static str,
    /// Rule name, e.g. `impure-getenv`.
    pub name: &'static str,
    pub severity: Severity,
    pub path: PathBuf,
    #[serde(serialize_with = "ser_range")]
    pub range: TextRange,
    pub start: LineCol,
    pub end: LineCol,
    pub message: String,
    pub labels: Vec<Label>,
    pub notes: Vec<String>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A diagnostic in a parsed source file.
    pub fn new(
        meta: &crate::catalog::RuleMeta,
        severity: Severity,
        file: &SourceFile,
        range: TextRange,
        message: impl Into<String>,
    ) -> Self {
        Self::in_text(
            meta,
            severity,
            file.path.clone(),
            &file.text,
            file.line_index(),
            range,
            message,
        )
    }

    /// A diagnostic in any text file (scripts, docs).
    pub fn in_text(
        meta: &crate::catalog::RuleMeta,
        severity: Severity,
        path: PathBuf,
        text: &str,
        index: &LineIndex,
        range: TextRange,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code: meta.code,
            name: meta.name,
            severity,
            path,
            range,
            start: index.line_col(text, range.start()),
            end: index.line_col(text, range.end()),
            message: message.into(),
            labels: Vec::new(),
            notes: Vec::new(),
            fix: None,
        }
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_label(mut self, range: TextRange, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            range,
            message: message.into(),
        });
        self
    }
}
