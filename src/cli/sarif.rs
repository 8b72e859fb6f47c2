//! SARIF 2.1.0 output (for code-scanning services).
//!
//! One run; `tool.driver.rules` lists every rule (id = rule name, the code
//! in `properties`), results refer to them by `ruleId` and `ruleIndex`.
//! Locations are relative URIs against `%SRCROOT%` (the current directory),
//! columns count Unicode code points (`columnKind`), and fixes carry their
//! replacements with line/column regions and byte offsets.

use serde_json::{Value, json};

use super::render::Report;
use crate::diagnostics::{Diagnostic, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where users learn about nixfold (the package homepage or repository).
fn information_uri() -> &'static str {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|u| !u.is_empty())
        .unwrap_or("https://crates.io/crates/nixfold")
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Percent-encode a relative path for use as a URI reference.
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn artifact(report: &Report<'_>, d: &Diagnostic) -> Value {
    let shown = report.display_path(&d.path);
    if shown.starts_with('/') {
        json!({ "uri": format!("file://{}", uri_path(&shown)) })
    } else {
        json!({ "uri": uri_path(&shown), "uriBaseId": "%SRCROOT%" })
    }
}

fn region(report: &Report<'_>, d: &Diagnostic, range: crate::syntax::TextRange) -> Value {
    let start = report.line_col(&d.path, range.start());
    let end = report.line_col(&d.path, range.end());
    match (start, end) {
        (Some(s), Some(e)) => json!({
            "startLine": s.line,
            "startColumn": s.col,
            "endLine": e.line,
            "endColumn": e.col,
            "byteOffset": u32::from(range.start()),
            "byteLength": u32::from(range.len()),
        }),
        _ => json!({ "startLine": d.start.line, "startColumn": d.start.col }),
    }
}

fn result(report: &Report<'_>, d: &Diagnostic, rule_index: Option<usize>) -> Value {
    let mut text = d.message.clone();
    for n in &d.notes {
        text.push_str("\nnote: ");
        text.push_str(n);
    }
    let mut r = json!({
        "ruleId": d.name,
        "level": level(d.severity),
        "message": { "text": text },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact(report, d),
                "region": {
                    "startLine": d.start.line,
                    "startColumn": d.start.col,
                    "endLine": d.end.line,
                    "endColumn": d.end.col,
                },
            },
        }],
        "properties": { "code": d.code },
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    if !d.labels.is_empty() {
        r["relatedLocations"] = d
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                json!({
                    "id": i,
                    "message": { "text": l.message },
                    "physicalLocation": {
                        "artifactLocation": artifact(report, d),
                        "region": region(report, d, l.range),
                    },
                })
            })
            .collect();
    }
    if let Some(fix) = &d.fix {
        let replacements: Vec<Value> = fix
            .edits
            .iter()
            .map(|e| {
                json!({
                    "deletedRegion": region(report, d, e.range),
                    "insertedContent": { "text": e.replacement },
                })
            })
            .collect();
        r["fixes"] = json!([{
            "description": { "text": format!("{} ({})", fix.message, match fix.applicability {
                crate::diagnostics::Applicability::Safe => "safe",
                crate::diagnostics::Applicability::Unsafe => "unsafe",
            }) },
            "artifactChanges": [{
                "artifactLocation": artifact(report, d),
                "replacements": replacements,
            }],
        }]);
    }
    r
}

pub fn render(report: &Report<'_>) -> String {
    let all = crate::lints::rules::all();
    let rules: Vec<Value> = all
        .iter()
        .map(|r| {
            let m = r.meta();
            let doc = m.doc();
            json!({
                "id": m.name,
                "name": m.name,
                "shortDescription": { "text": m.summary },
                "fullDescription": { "text": doc, "markdown": doc },
                "help": { "text": doc, "markdown": doc },
                "defaultConfiguration": {
                    "level": level(m.default_severity),
                    "enabled": m.default_enabled,
                },
                "properties": { "code": m.code },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .diags
        .iter()
        .map(|d| {
            let index = all.iter().position(|r| r.meta().name == d.name);
            result(report, d, index)
        })
        .collect();
    let mut base = report.cwd.to_string_lossy().into_owned();
    if !base.ends_with('/') {
        base.push('/');
    }
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "nixfold",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": information_uri(),
                    "rules": rules,
                },
            },
            "originalUriBaseIds": {
                "%SRCROOT%": { "uri": format!("file://{}", uri_path(&base)) },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON of plain data");
    s.push('\n');
    s
}
