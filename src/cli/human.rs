//! Human output: each finding as `file:line:col` with the source line and a
//! labelled span (codespan-reporting), then a summary line.

use std::io::Write;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::termcolor::{Buffer, Color, ColorSpec, WriteColor};
use codespan_reporting::term::{self, DisplayStyle, Styles, StylesWriter};

use super::render::Report;
use crate::diagnostics::{Applicability, Diagnostic, Severity};

/// Source lines longer than this are not printed (a minified or generated
/// line would flood the terminal); the finding is shown without a snippet.
const MAX_SNIPPET_LINE: usize = 1000;

fn severity(s: Severity) -> CsSeverity {
    match s {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Info => CsSeverity::Note,
    }
}

/// Clamp a range to `text` and to character boundaries.
fn clamp(text: &str, start: usize, end: usize) -> Range<usize> {
    let fix = |mut i: usize| {
        i = i.min(text.len());
        while i > 0 && !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let (s, e) = (fix(start), fix(end));
    s..e.max(s)
}

/// Notes shown under a finding: its notes, then its fix.
fn notes(d: &Diagnostic) -> Vec<String> {
    let mut out: Vec<String> = d.notes.iter().map(|n| format!("note: {n}")).collect();
    if let Some(fix) = &d.fix {
        let kind = match fix.applicability {
            Applicability::Safe => "safe fix",
            Applicability::Unsafe => "unsafe fix",
        };
        out.push(format!("help: {} ({kind})", fix.message));
    }
    out
}

/// Render every finding and (unless `quiet`) the summary line.
///
/// The findings of each file are rendered on their own (in parallel: a big
/// tree has thousands) and joined in order.
pub fn render(report: &Report<'_>, color: bool, quiet: bool) -> Vec<u8> {
    use rayon::prelude::*;
    let new_buf = || {
        if color {
            Buffer::ansi()
        } else {
            Buffer::no_color()
        }
    };
    let runs: Vec<&[Diagnostic]> = report.diags.chunk_by(|a, b| a.path == b.path).collect();
    let parts: Vec<Vec<u8>> = runs
        .par_iter()
        .map(|run| {
            let mut buf = new_buf();
            render_file(&mut buf, report, run, color);
            buf.into_inner()
        })
        .collect();
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum::<usize>() + 200);
    for p in parts {
        out.extend_from_slice(&p);
    }
    if !quiet {
        let mut buf = new_buf();
        summary_line(&mut buf, report, color);
        out.extend_from_slice(&buf.into_inner());
    }
    out
}

/// Render findings that all belong to one file.
fn render_file(buf: &mut Buffer, report: &Report<'_>, diags: &[Diagnostic], color: bool) {
    let Some(first) = diags.first() else { return };
    let name = report.display_path(&first.path);
    let Some((text, index)) = report.source(&first.path) else {
        for d in diags {
            plain(buf, &name, d, color);
        }
        return;
    };
    let styles = Styles::default();
    let mut files = SimpleFiles::new();
    let id = files.add(name.clone(), text);
    for d in diags {
        let range = clamp(
            text,
            u32::from(d.range.start()) as usize,
            u32::from(d.range.end()) as usize,
        );
        let first = index.line_of(d.range.start());
        let last = index.line_of(d.range.end());
        let long = (first..=last).any(|l| {
            let s = u32::from(index.line_start(l)) as usize;
            text[s.min(text.len())..]
                .split('\n')
                .next()
                .is_some_and(|line| line.len() > MAX_SNIPPET_LINE)
        });
        let mut labels = vec![Label::primary(id, range)];
        for l in &d.labels {
            let r = clamp(
                text,
                u32::from(l.range.start()) as usize,
                u32::from(l.range.end()) as usize,
            );
            labels.push(Label::secondary(id, r).with_message(&l.message));
        }
        let cs = CsDiagnostic::new(severity(d.severity))
            .with_code(d.name)
            .with_message(&d.message)
            .with_labels(labels)
            .with_notes(notes(d));
        let config = term::Config {
            display_style: if long {
                DisplayStyle::Medium
            } else {
                DisplayStyle::Rich
            },
            ..term::Config::default()
        };
        let mut writer = StylesWriter::new(&mut *buf, &styles);
        // Rendering into memory fails only on a bad range, which
        // `clamp` rules out; fall back to the plain form regardless.
        if term::emit_to_write_style(&mut writer, &config, &files, &cs).is_err() {
            plain(buf, &name, d, color);
        }
        if long {
            let _ = writeln!(buf);
        }
    }
}

/// A finding without a loaded source (a file that could not be read):
/// `file:line:col: severity[name]: message` and its notes.
fn plain(buf: &mut Buffer, name: &str, d: &Diagnostic, color: bool) {
    let _ = write!(buf, "{name}:{}:{}: ", d.start.line, d.start.col);
    if color {
        let styles = Styles::default();
        let spec = match d.severity {
            Severity::Error => &styles.header_error,
            Severity::Warning => &styles.header_warning,
            Severity::Info => &styles.header_note,
        };
        let _ = buf.set_color(spec);
    }
    let label = match d.severity {
        Severity::Info => "note",
        s => s.as_str(),
    };
    let _ = write!(buf, "{label}[{}]", d.name);
    let _ = buf.reset();
    let _ = writeln!(buf, ": {}", d.message);
    for n in notes(d) {
        let _ = writeln!(buf, " = {n}");
    }
    let _ = writeln!(buf);
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn summary_line(buf: &mut Buffer, report: &Report<'_>, color: bool) {
    let s = report.summary();
    let checked = plural(s.files, "file", "files");
    let total = s.errors + s.warnings + s.info;
    if color {
        let mut spec = ColorSpec::new();
        spec.set_bold(true);
        if s.errors > 0 {
            spec.set_fg(Some(Color::Red));
        } else if s.warnings > 0 {
            spec.set_fg(Some(Color::Yellow));
        } else {
            spec.set_fg(Some(Color::Green));
        }
        let _ = buf.set_color(&spec);
    }
    if total == 0 {
        let _ = write!(buf, "No problems found ({checked} checked).");
    } else {
        let mut parts = Vec::new();
        if s.errors > 0 {
            parts.push(plural(s.errors, "error", "errors"));
        }
        if s.warnings > 0 {
            parts.push(plural(s.warnings, "warning", "warnings"));
        }
        if s.info > 0 {
            parts.push(format!("{} info", s.info));
        }
        let _ = write!(
            buf,
            "Found {} ({}) in {checked} checked.",
            plural(total, "problem", "problems"),
            parts.join(", ")
        );
        if s.fixable > 0 {
            let _ = write!(buf, " {} a fix.", plural(s.fixable, "has", "have"));
        }
    }
    let _ = buf.reset();
    let _ = writeln!(buf);
}
