//! The fix-related options of `nixfold check`: `--fix`, `--unsafe-fixes`,
//! `--diff`, rule selection (`--select`, `--ignore`) and `--statistics`.

use std::collections::BTreeMap;
use std::path::Path;

use clap::Args;

use super::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::config::Config;
use crate::diagnostics::{Applicability, Diagnostic, Severity};
use crate::project::Project;
use crate::rewrite::fix::{FixOptions, FixReport, default_oracle, fix_project};
use crate::syntax::SourceFile;

#[derive(Args, Debug, Default, Clone)]
pub struct FixArgs {
    /// Apply the safe fixes, then report what remains.
    #[arg(long)]
    pub fix: bool,
    /// Also apply fixes that may change behaviour (implies --fix unless --diff is given).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print a unified diff of what --fix would change, and write nothing.
    /// Exits with 1 when there is a diff.
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,
    /// Run only these rules: names, codes or code prefixes (NF04), comma-separated; ALL for every rule.
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub select: Vec<String>,
    /// Do not run these rules (same forms as --select).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub ignore: Vec<String>,
    /// Print the number of findings per rule instead of the findings.
    #[arg(long)]
    pub statistics: bool,
}

impl FixArgs {
    fn fixing(&self) -> bool {
        self.fix || self.diff || self.unsafe_fixes
    }

    fn options(&self) -> FixOptions {
        FixOptions {
            unsafe_fixes: self.unsafe_fixes,
            ..FixOptions::default()
        }
    }
}

/// Rule names matching one `--select`/`--ignore` item: a rule name, a code,
/// a code prefix (`NF04`) or `ALL`.
pub fn resolve_rules(item: &str) -> Result<Vec<&'static str>, String> {
    let item = item.trim();
    let rules = crate::lints::rules::all();
    if item.eq_ignore_ascii_case("all") {
        return Ok(rules.iter().map(|r| r.meta().name).collect());
    }
    if let Some(r) = rules.iter().find(|r| r.meta().name == item) {
        return Ok(vec![r.meta().name]);
    }
    let upper = item.to_ascii_uppercase();
    if upper.starts_with("NF") && upper.len() >= 3 {
        let matched: Vec<&'static str> = rules
            .iter()
            .filter(|r| r.meta().code.starts_with(&upper))
            .map(|r| r.meta().name)
            .collect();
        if !matched.is_empty() {
            return Ok(matched);
        }
    }
    Err(format!(
        "unknown rule `{item}` (expected a rule name, a code like NF0401, a code prefix like NF04, or ALL; see `nixfold rules`)"
    ))
}

/// Apply `--select` and `--ignore` to the configuration. The command line
/// wins over nixfold.toml: a selected rule runs even if the file disables it.
pub fn apply_selection(args: &FixArgs, config: &mut Config) -> Result<(), String> {
    if !args.select.is_empty() {
        let mut names = Vec::new();
        for item in &args.select {
            for n in resolve_rules(item)? {
                if !names.iter().any(|x: &String| x == n) {
                    names.push(n.to_string());
                }
            }
        }
        config.check.disable.retain(|d| !names.contains(d));
        config.check.select = Some(names);
    }
    for item in &args.ignore {
        for n in resolve_rules(item)? {
            config.check.disable.push(n.to_string());
        }
    }
    Ok(())
}

/// What `check` does after the first check: nothing, apply fixes (and
/// return the project as rewritten with the findings that remain), or print
/// diffs and exit.
pub fn after_check(
    args: &FixArgs,
    mut project: Project,
    config: &Config,
    diags: Vec<Diagnostic>,
) -> Result<(Project, Vec<Diagnostic>), i32> {
    if !args.fixing() {
        return Ok((project, diags));
    }
    let opts = args.options();
    let report = fix_project(&project, config, &diags, &opts, default_oracle());
    let refusals = report.refusals();
    if args.diff {
        return Err(print_diffs(&report, &refusals));
    }
    let changes = report.changes();
    if let Err(e) = crate::rewrite::write_all_or_nothing(&changes) {
        eprintln!("nixfold: could not write the fixes: {e}");
        return Err(EXIT_FAILURE);
    }
    for (path, text) in &changes {
        if let Some(i) = project.file_index(path) {
            project.files[i] = SourceFile::from_text(path.clone(), text.clone());
        }
    }
    let mut remaining = if changes.is_empty() {
        diags
    } else {
        crate::lints::check(&project, config)
    };
    remaining.extend(refusals);
    crate::lints::sort_diagnostics(&mut remaining);
    eprint!("{}", summary(&report, &remaining, &opts));
    Ok((project, remaining))
}

fn summary(report: &FixReport, remaining: &[Diagnostic], opts: &FixOptions) -> String {
    let fixed = report.fix_count();
    let files = report.files.iter().filter(|f| f.changed()).count();
    let mut s = format!(
        "nixfold: applied {fixed} fix{} in {files} file{}; {} finding{} remain{}\n",
        if fixed == 1 { "" } else { "es" },
        if files == 1 { "" } else { "s" },
        remaining.len(),
        if remaining.len() == 1 { "" } else { "s" },
        if remaining.len() == 1 { "s" } else { "" },
    );
    if !opts.unsafe_fixes {
        let hidden = remaining
            .iter()
            .filter(|d| {
                d.fix
                    .as_ref()
                    .is_some_and(|f| f.applicability == Applicability::Unsafe)
            })
            .count();
        if hidden > 0 {
            s.push_str(&format!(
                "nixfold: {hidden} more fix{} available with --unsafe-fixes\n",
                if hidden == 1 { " is" } else { "es are" }
            ));
        }
    }
    s
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// `--diff`: print the diffs, report refusals; exit 1 when there is a diff.
fn print_diffs(report: &FixReport, refusals: &[Diagnostic]) -> i32 {
    let mut any = false;
    for f in &report.files {
        if f.changed() {
            any = true;
            print!(
                "{}",
                crate::rewrite::diff::unified(&display(&f.path), &f.original, &f.fixed)
            );
        }
    }
    for d in refusals {
        eprintln!("{}: {}", display(&d.path), d.message);
    }
    if any { EXIT_FINDINGS } else { EXIT_OK }
}

/// `--statistics`: findings per rule, most frequent first, with how many
/// have a fix. Returns the exit code.
pub fn statistics(diags: &[Diagnostic]) -> i32 {
    let mut counts: BTreeMap<(&str, &str), (usize, usize)> = BTreeMap::new();
    for d in diags {
        let e = counts.entry((d.code, d.name)).or_default();
        e.0 += 1;
        if d.fix.is_some() {
            e.1 += 1;
        }
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    let width = rows
        .iter()
        .map(|(_, (n, _))| n.to_string().len())
        .max()
        .unwrap_or(1);
    for ((code, name), (n, fixable)) in &rows {
        let fix = match *fixable {
            0 => String::new(),
            f if f == *n => "  [fixable]".to_string(),
            f => format!("  [{f} fixable]"),
        };
        println!("{n:>width$}  {code}  {name}{fix}");
    }
    if diags.iter().any(|d| d.severity >= Severity::Warning) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_items() {
        assert_eq!(resolve_rules("unused-with").unwrap(), vec!["unused-with"]);
        assert_eq!(resolve_rules("NF0404").unwrap(), vec!["unused-with"]);
        let dead = resolve_rules("nf04").unwrap();
        assert!(dead.contains(&"unused-let-binding") && dead.contains(&"unused-with"));
        assert!(!dead.contains(&"bool-comparison"));
        assert_eq!(
            resolve_rules("ALL").unwrap().len(),
            crate::lints::rules::all().len()
        );
        assert!(resolve_rules("no-such-rule").is_err());
        assert!(resolve_rules("NF9").is_err());
    }

    #[test]
    fn selection_overrides_config() {
        let mut config = Config::default();
        config.check.disable.push("unused-with".into());
        let args = FixArgs {
            select: vec!["unused-with".into(), "NF0401".into()],
            ignore: vec!["unused-let-binding".into()],
            ..FixArgs::default()
        };
        apply_selection(&args, &mut config).unwrap();
        let meta = |n: &str| crate::lints::rule_by_name(n).unwrap().meta();
        assert!(config.is_enabled(meta("unused-with")));
        assert!(!config.is_enabled(meta("unused-let-binding")));
        assert!(!config.is_enabled(meta("bool-comparison")));
    }
}
