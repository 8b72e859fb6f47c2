//! `nixfold rules` and `nixfold explain`.

use clap::{Args, ValueEnum};

use super::{EXIT_FAILURE, EXIT_OK, write_stderr, write_stdout};
use crate::lints::{Rule, rules};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum RulesFormat {
    /// A table: code, name, default severity, enabled by default, summary.
    #[default]
    Human,
    /// A JSON array of objects with the same fields.
    Json,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// Rule name (e.g. impure-getenv) or code (e.g. NF0101).
    pub name: String,
}

#[derive(serde::Serialize)]
struct RuleRow {
    code: &'static str,
    name: &'static str,
    category: crate::lints::Category,
    severity: crate::diagnostics::Severity,
    enabled_by_default: bool,
    summary: &'static str,
}

fn row(r: &dyn Rule) -> RuleRow {
    let m = r.meta();
    RuleRow {
        code: m.code,
        name: m.name,
        category: m.category,
        severity: m.default_severity,
        enabled_by_default: m.default_enabled,
        summary: m.summary,
    }
}

pub fn list(args: RulesArgs) -> i32 {
    let rows: Vec<RuleRow> = rules::all().iter().map(|r| row(*r)).collect();
    let out = match args.format {
        RulesFormat::Json => {
            let mut s = serde_json::to_string_pretty(&rows).expect("JSON of plain data");
            s.push('\n');
            s
        }
        RulesFormat::Human => {
            let name_w = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
            let mut s = format!(
                "{:<6}  {:<name_w$}  {:<8}  {:<7}  SUMMARY\n",
                "CODE", "NAME", "SEVERITY", "DEFAULT"
            );
            for r in &rows {
                s.push_str(&format!(
                    "{:<6}  {:<name_w$}  {:<8}  {:<7}  {}\n",
                    r.code,
                    r.name,
                    r.severity.as_str(),
                    if r.enabled_by_default { "on" } else { "off" },
                    r.summary
                ));
            }
            s
        }
    };
    write_stdout(out.as_bytes());
    EXIT_OK
}

pub fn explain(args: ExplainArgs) -> i32 {
    let name = args.name.trim();
    let rule = crate::lints::rule_by_name(name)
        .or_else(|| crate::lints::rule_by_code(&name.to_ascii_uppercase()));
    match rule {
        Some(r) => {
            let doc = r.meta().doc();
            let mut out = doc.to_string();
            if !out.ends_with('\n') {
                out.push('\n');
            }
            write_stdout(out.as_bytes());
            EXIT_OK
        }
        None => {
            let hint = match crate::lints::closest_rule_name(name) {
                Some(n) => format!("; did you mean `{n}`?"),
                None => String::new(),
            };
            write_stderr(
                format!(
                    "nixfold: unknown rule `{name}`{hint} (`nixfold rules` lists every rule)\n"
                )
                .as_bytes(),
            );
            EXIT_FAILURE
        }
    }
}
