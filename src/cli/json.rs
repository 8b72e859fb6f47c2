//! JSON output: one document,
//! `{"version":1,"diagnostics":[...],"summary":{...}}`.
//!
//! Each diagnostic has exactly the keys `code`, `name`, `severity`, `file`,
//! `line`, `column`, `end_line`, `end_column`, `message` and `fix`. Lines and
//! columns are 1-based, columns count Unicode scalar values, the end is
//! exclusive. `file` is relative to the current directory with `/`
//! separators. `fix` is null or
//! `{"message","applicability":"safe"|"unsafe","edits":[{"line","column",
//! "end_line","end_column","start_offset","end_offset","replacement"}]}`
//! where offsets are byte offsets into the file.

use serde::Serialize;

use super::render::{Report, Summary};
use crate::diagnostics::{Applicability, Diagnostic, Severity};

/// Version of the JSON document layout.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    name: &'a str,
    severity: Severity,
    file: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    message: &'a str,
    applicability: Applicability,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    start_offset: u32,
    end_offset: u32,
    replacement: &'a str,
}

fn diagnostic<'a>(report: &Report<'_>, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let fix = d.fix.as_ref().map(|f| JsonFix {
        message: &f.message,
        applicability: f.applicability,
        edits: f
            .edits
            .iter()
            .map(|e| {
                let start = report.line_col(&d.path, e.range.start());
                let end = report.line_col(&d.path, e.range.end());
                JsonEdit {
                    line: start.map_or(0, |p| p.line),
                    column: start.map_or(0, |p| p.col),
                    end_line: end.map_or(0, |p| p.line),
                    end_column: end.map_or(0, |p| p.col),
                    start_offset: e.range.start().into(),
                    end_offset: e.range.end().into(),
                    replacement: &e.replacement,
                }
            })
            .collect(),
    });
    JsonDiagnostic {
        code: d.code,
        name: d.name,
        severity: d.severity,
        file: report.display_path(&d.path),
        line: d.start.line,
        column: d.start.col,
        end_line: d.end.line,
        end_column: d.end.col,
        message: &d.message,
        fix,
    }
}

pub fn render(report: &Report<'_>) -> String {
    let doc = Document {
        version: VERSION,
        diagnostics: report.diags.iter().map(|d| diagnostic(report, d)).collect(),
        summary: report.summary(),
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON of plain data");
    s.push('\n');
    s
}
