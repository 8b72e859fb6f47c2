//! The fix loop: apply the fixes of a check, re-parse, re-check, and repeat
//! until no fix applies.
//!
//! Per file, each pass takes the eligible fixes (safe ones, plus unsafe ones
//! when asked), keeps those whose edits do not overlap an earlier one (the
//! others come back in the next pass, re-computed on the new text), applies
//! them, re-parses and re-checks the file. A file is left untouched and
//! reported when
//! - a pass produces a syntax error (files that already have syntax errors
//!   are not fixed at all),
//! - the fixes do not settle within [`MAX_PASSES`] passes,
//! - the evaluator can evaluate the file before and after and the values
//!   differ (see [`ValueOracle`]; the CLI uses the embedded evaluator).
//!
//! Fixes that would drop a comment are never applied, whatever rule made them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostics::{Applicability, Diagnostic, Fix, Severity};
use crate::lints::rules::unused_suppression;
use crate::lints::{Category, RuleMeta};
use crate::project::Project;
use crate::syntax::{SourceFile, TextRange};

use super::apply::{apply_fixes, select_fixes};

/// Passes per file before the loop gives up.
pub const MAX_PASSES: usize = 20;

/// Reported for a file whose fixes were not applied.
pub static FIX_FAILED: RuleMeta = RuleMeta {
    name: "fix-failed",
    code: "NF0009",
    module: "",
    category: Category::Syntax,
    default_severity: Severity::Warning,
    default_enabled: true,
    summary: "the fixes for a file could not be applied safely; the file was left unchanged",
};

/// Which fixes to apply.
#[derive(Debug, Clone, Copy)]
pub struct FixOptions {
    /// Also apply fixes marked [`Applicability::Unsafe`].
    pub unsafe_fixes: bool,
    pub max_passes: usize,
}

impl Default for FixOptions {
    fn default() -> Self {
        FixOptions {
            unsafe_fixes: false,
            max_passes: MAX_PASSES,
        }
    }
}

impl FixOptions {
    pub fn allows(&self, fix: &Fix) -> bool {
        match fix.applicability {
            Applicability::Safe => true,
            Applicability::Unsafe => self.unsafe_fixes,
        }
    }
}

/// What an evaluator says about a file before and after fixing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueVerdict {
    /// Both evaluate, to the same value.
    Same,
    /// Both evaluate, to different values (the message says how).
    Changed(String),
    /// The evaluator cannot tell (not a closed expression, unknown values, ...).
    Unknown,
}

/// EVAL-HOOK: compares the value of a file before and after its fixes.
///
/// The fix loop consults it once per fixed file; `Changed` reverts the file.
/// The CLI passes [`default_oracle`], the embedded evaluator
/// ([`super::oracle::EvalOracle`]); [`NoOracle`] never knows.
pub trait ValueOracle: Sync {
    fn compare(&self, path: &Path, before: &str, after: &str) -> ValueVerdict;
}

/// An oracle that never knows.
pub struct NoOracle;

impl ValueOracle for NoOracle {
    fn compare(&self, _path: &Path, _before: &str, _after: &str) -> ValueVerdict {
        ValueVerdict::Unknown
    }
}

/// The oracle the CLI uses: the embedded evaluator.
pub fn default_oracle() -> &'static dyn ValueOracle {
    static ORACLE: super::oracle::EvalOracle = super::oracle::EvalOracle {
        max_steps: 20_000_000,
        max_output: 4 << 20,
    };
    &ORACLE
}

/// Why a file's fixes were not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Pass `pass` produced a syntax error.
    SyntaxError { pass: usize, message: String },
    /// Fixes were still pending after the last pass.
    NotConverged {
        passes: usize,
        rules: Vec<&'static str>,
    },
    /// The evaluator saw a different value after fixing.
    ValueChanged(String),
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::SyntaxError { pass, message } => format!(
                "fixes were not applied: pass {pass} would have introduced a syntax error ({message}); the file was left unchanged"
            ),
            Refusal::NotConverged { passes, rules } => format!(
                "fixes were not applied: they did not settle after {passes} passes (still fixing: {}); the file was left unchanged",
                rules.join(", ")
            ),
            Refusal::ValueChanged(m) => format!(
                "fixes were not applied: they would change the value of the file ({m}); the file was left unchanged"
            ),
        }
    }
}

/// The outcome for one file that had eligible fixes.
#[derive(Debug, Clone)]
pub struct FileFix {
    pub path: PathBuf,
    pub original: Arc<str>,
    /// The fixed text (equal to `original` when refused).
    pub fixed: String,
    /// Passes run.
    pub passes: usize,
    /// Fixes applied, by rule name.
    pub applied: BTreeMap<&'static str, usize>,
    pub refusal: Option<Refusal>,
    /// When unsafe fixes would have changed the file's value, they were left
    /// out and only the safe ones applied; this says why.
    pub unsafe_left_out: Option<Refusal>,
}

impl FileFix {
    pub fn changed(&self) -> bool {
        self.refusal.is_none() && *self.fixed != *self.original
    }

    pub fn fix_count(&self) -> usize {
        if self.refusal.is_some() {
            0
        } else {
            self.applied.values().sum()
        }
    }

    /// The diagnostic reporting a refusal (or unsafe fixes left out), if any.
    pub fn refusal_diagnostic(&self) -> Option<Diagnostic> {
        let message = match (&self.refusal, &self.unsafe_left_out) {
            (Some(r), _) => r.message(),
            (None, Some(Refusal::ValueChanged(m))) => format!(
                "unsafe fixes were not applied: they would change the value of the file ({m}); the safe fixes were applied"
            ),
            (None, Some(r)) => format!("unsafe fixes were not applied: {}", r.message()),
            (None, None) => return None,
        };
        let file = SourceFile::from_text(self.path.clone(), self.original.clone());
        Some(Diagnostic::new(
            &FIX_FAILED,
            FIX_FAILED.default_severity,
            &file,
            TextRange::empty(0.into()),
            message,
        ))
    }
}

/// Every file that had eligible fixes, in path order.
#[derive(Debug, Clone, Default)]
pub struct FixReport {
    pub files: Vec<FileFix>,
}

impl FixReport {
    /// Files whose text changes, with their new contents.
    pub fn changes(&self) -> Vec<(PathBuf, String)> {
        self.files
            .iter()
            .filter(|f| f.changed())
            .map(|f| (f.path.clone(), f.fixed.clone()))
            .collect()
    }

    /// Diagnostics for files left untouched and for unsafe fixes left out.
    pub fn refusals(&self) -> Vec<Diagnostic> {
        self.files
            .iter()
            .filter_map(FileFix::refusal_diagnostic)
            .collect()
    }

    pub fn fix_count(&self) -> usize {
        self.files.iter().map(FileFix::fix_count).sum()
    }
}

/// Run the fix loop for every file of `project` that has eligible fixes in
/// `diags` (the result of `lints::check(project, config)`).
pub fn fix_project(
    project: &Project,
    config: &Config,
    diags: &[Diagnostic],
    opts: &FixOptions,
    oracle: &dyn ValueOracle,
) -> FixReport {
    let mut by_file: BTreeMap<&Path, Vec<&Diagnostic>> = BTreeMap::new();
    for d in diags {
        if d.fix.as_ref().is_some_and(|f| opts.allows(f)) {
            by_file.entry(d.path.as_path()).or_default().push(d);
        }
    }
    let work: Vec<(&SourceFile, Vec<&Diagnostic>)> = by_file
        .into_iter()
        .filter_map(|(path, ds)| {
            let i = project.file_index(path)?;
            Some((&project.files[i], ds))
        })
        .collect();
    let files = work
        .into_par_iter()
        .filter_map(|(file, ds)| fix_file(&project.root, file, ds, config, opts, oracle))
        .collect();
    FixReport { files }
}

/// The fix loop for one file, starting from the diagnostics of a full check.
/// `None` when the file is not fixed at all (it has syntax errors).
fn fix_file(
    root: &Path,
    file: &SourceFile,
    first: Vec<&Diagnostic>,
    config: &Config,
    opts: &FixOptions,
    oracle: &dyn ValueOracle,
) -> Option<FileFix> {
    fix_file_with(
        file,
        first,
        &|next| recheck(root, next, config),
        opts,
        oracle,
    )
}

/// The loop itself; `recheck` gives the diagnostics of a new version of the file.
fn fix_file_with(
    file: &SourceFile,
    first: Vec<&Diagnostic>,
    recheck: &dyn Fn(&SourceFile) -> Vec<Diagnostic>,
    opts: &FixOptions,
    oracle: &dyn ValueOracle,
) -> Option<FileFix> {
    if !file.parsed().errors.is_empty() {
        return None;
    }
    let mut result = FileFix {
        path: file.path.clone(),
        original: file.text.clone(),
        fixed: file.text.to_string(),
        passes: 0,
        applied: BTreeMap::new(),
        refusal: None,
        unsafe_left_out: None,
    };
    let mut current: Option<SourceFile> = None;
    let first_diags: Vec<Diagnostic> = first.into_iter().cloned().collect();
    let mut pending: Vec<Diagnostic> = first_diags.clone();
    loop {
        let cur: &SourceFile = current.as_ref().unwrap_or(file);
        let eligible: Vec<&Diagnostic> = pending
            .iter()
            .filter(|d| d.path == file.path && d.fix.as_ref().is_some_and(|f| opts.allows(f)))
            .collect();
        if eligible.is_empty() {
            break;
        }
        if result.passes >= opts.max_passes {
            let mut rules: Vec<&'static str> = eligible.iter().map(|d| d.name).collect();
            rules.sort_unstable();
            rules.dedup();
            result.refusal = Some(Refusal::NotConverged {
                passes: result.passes,
                rules,
            });
            break;
        }
        result.passes += 1;
        // Defence in depth: whatever a rule offers, never drop a comment
        // (but the unused suppression comments `unused-suppression` removes).
        let tree = cur.parsed().syntax();
        let candidates: Vec<(&'static str, &Fix)> = eligible
            .iter()
            .filter_map(|d| d.fix.as_ref().map(|f| (d.name, f)))
            .filter(|(name, f)| {
                *name == unused_suppression::META.name
                    || crate::lints::fixkit::keeps_comments(&tree, &f.edits)
            })
            .collect();
        let fixes: Vec<&Fix> = candidates.iter().map(|(_, f)| *f).collect();
        let chosen = select_fixes(&cur.text, &fixes);
        if chosen.is_empty() {
            break;
        }
        let new_text = apply_fixes(&cur.text, &fixes, &chosen);
        if *new_text == *cur.text {
            break;
        }
        let next = SourceFile::from_text(file.path.clone(), new_text);
        if let Some(e) = next.parsed().errors.first() {
            result.refusal = Some(Refusal::SyntaxError {
                pass: result.passes,
                message: format!(
                    "{} at line {}",
                    e.message,
                    next.line_col(e.range.start()).line
                ),
            });
            break;
        }
        for &i in &chosen {
            *result.applied.entry(candidates[i].0).or_default() += 1;
        }
        pending = recheck(&next);
        current = Some(next);
    }
    if result.refusal.is_none()
        && let Some(cur) = &current
    {
        if let ValueVerdict::Changed(m) = oracle.compare(&file.path, &file.text, &cur.text) {
            result.refusal = Some(Refusal::ValueChanged(m));
        } else {
            result.fixed = cur.text.to_string();
        }
    }
    if result.refusal.is_some() {
        result.fixed = file.text.to_string();
        result.applied.clear();
        // The value changed with unsafe fixes: the safe ones alone may still do.
        if opts.unsafe_fixes && matches!(result.refusal, Some(Refusal::ValueChanged(_))) {
            let safe_only = FixOptions {
                unsafe_fixes: false,
                ..*opts
            };
            let first: Vec<&Diagnostic> = first_diags.iter().collect();
            if let Some(mut safe) = fix_file_with(file, first, recheck, &safe_only, oracle)
                && safe.refusal.is_none()
            {
                safe.unsafe_left_out = result.refusal.take();
                return Some(safe);
            }
        }
    }
    Some(result)
}

/// Check one file as a project of its own.
fn check_alone(root: &Path, file: &SourceFile, config: &Config) -> Vec<Diagnostic> {
    let copy = SourceFile::from_text(file.path.clone(), file.text.clone());
    let project = Project::from_sources(root.to_path_buf(), vec![copy]);
    crate::lints::check(&project, config)
}

/// Re-check a file on its own after a pass (rules that need the whole
/// project see only it; none of them offers fixes). `unused-suppression` is
/// left out: alone, the file would make suppressions of project-wide
/// findings look unused; its fixes come from the first check only.
fn recheck(root: &Path, file: &SourceFile, config: &Config) -> Vec<Diagnostic> {
    let mut diags = check_alone(root, file, config);
    diags.retain(|d| d.name != unused_suppression::META.name);
    diags
}

/// Fix a single text in memory: the loop as `check --fix` runs it, for tests
/// and tools. Returns the outcome (with `fixed == original` when nothing applied).
pub fn fix_text(
    path: impl Into<PathBuf>,
    text: &str,
    config: &Config,
    opts: &FixOptions,
    oracle: &dyn ValueOracle,
) -> FileFix {
    let path = path.into();
    let root = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let file = SourceFile::from_text(path.clone(), text);
    // the text is the whole project: every finding is known
    let diags = check_alone(&root, &file, config);
    let ds: Vec<&Diagnostic> = diags.iter().collect();
    fix_file(&root, &file, ds, config, opts, oracle).unwrap_or_else(|| FileFix {
        path,
        original: file.text.clone(),
        fixed: text.to_string(),
        passes: 0,
        applied: BTreeMap::new(),
        refusal: None,
        unsafe_left_out: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Edit;
    use crate::syntax::TextSize;

    fn diag(file: &SourceFile, name: &'static str, fix: Fix) -> Diagnostic {
        static META: RuleMeta = RuleMeta {
            name: "test-rule",
            code: "NF9999",
            module: "",
            category: Category::Style,
            default_severity: Severity::Warning,
            default_enabled: true,
            summary: "",
        };
        let mut d = Diagnostic::new(&META, Severity::Warning, file, fix.edits[0].range, "x");
        d.name = name;
        d.with_fix(fix)
    }

    fn safe(edits: Vec<Edit>) -> Fix {
        Fix {
            message: "f".into(),
            applicability: Applicability::Safe,
            edits,
        }
    }

    /// A checker that offers to replace every `old` by `new`.
    fn replacing(old: &'static str, new: &'static str) -> impl Fn(&SourceFile) -> Vec<Diagnostic> {
        move |f: &SourceFile| {
            f.text
                .match_indices(old)
                .map(|(i, _)| {
                    let start = TextSize::from(i as u32);
                    let r = TextRange::new(start, start + TextSize::of(old));
                    diag(f, "test-rule", safe(vec![Edit::replace(r, new)]))
                })
                .collect()
        }
    }

    fn run(
        text: &str,
        check: &dyn Fn(&SourceFile) -> Vec<Diagnostic>,
        opts: FixOptions,
        oracle: &dyn ValueOracle,
    ) -> FileFix {
        let file = SourceFile::from_text("t.nix", text);
        let first = check(&file);
        fix_file_with(&file, first.iter().collect(), check, &opts, oracle).unwrap()
    }

    #[test]
    fn applies_in_passes_until_nothing_is_left() {
        // `aa` → `a`: overlapping occurrences wait for later passes
        let r = run(
            "[ aaaa ]",
            &replacing("aa", "a"),
            FixOptions::default(),
            &NoOracle,
        );
        assert_eq!(r.refusal, None);
        assert_eq!(r.fixed, "[ a ]");
        assert!(r.passes >= 2, "{}", r.passes);
        assert_eq!(r.applied["test-rule"], 3);
    }

    #[test]
    fn non_convergence_leaves_the_file_alone() {
        // `a` → `aa` forever
        let r = run(
            "[ a ]",
            &replacing("a", "aa"),
            FixOptions::default(),
            &NoOracle,
        );
        assert!(matches!(
            r.refusal,
            Some(Refusal::NotConverged { passes: 20, .. })
        ));
        assert_eq!(r.fixed, "[ a ]");
        assert_eq!(r.fix_count(), 0);
        let d = r.refusal_diagnostic().unwrap();
        assert_eq!(d.name, "fix-failed");
        assert!(d.message.contains("20 passes"), "{}", d.message);
    }

    #[test]
    fn a_pass_that_breaks_the_syntax_is_reverted() {
        let r = run(
            "{ a = 1; b = 2; }",
            &replacing("b = 2;", "b = ;"),
            FixOptions::default(),
            &NoOracle,
        );
        assert!(
            matches!(r.refusal, Some(Refusal::SyntaxError { pass: 1, .. })),
            "{:?}",
            r.refusal
        );
        assert_eq!(r.fixed, "{ a = 1; b = 2; }");
        assert!(!r.changed());
    }

    #[test]
    fn files_with_syntax_errors_are_not_fixed() {
        let file = SourceFile::from_text("t.nix", "{ a = ; aa = 1; }");
        let check = replacing("aa", "a");
        let first = check(&file);
        assert!(
            fix_file_with(
                &file,
                first.iter().collect(),
                &check,
                &FixOptions::default(),
                &NoOracle
            )
            .is_none()
        );
    }

    #[test]
    fn comment_dropping_fixes_are_never_applied() {
        let r = run(
            "[ 1 /* keep */ 2 ]",
            &replacing("1 /* keep */ 2", "3"),
            FixOptions::default(),
            &NoOracle,
        );
        assert_eq!(r.fixed, "[ 1 /* keep */ 2 ]");
        assert_eq!(r.fix_count(), 0);
    }

    #[test]
    fn unsafe_fixes_need_the_option() {
        let check = |f: &SourceFile| -> Vec<Diagnostic> {
            replacing("x", "y")(f)
                .into_iter()
                .map(|mut d| {
                    d.fix.as_mut().unwrap().applicability = Applicability::Unsafe;
                    d
                })
                .collect()
        };
        let r = run("[ x ]", &check, FixOptions::default(), &NoOracle);
        assert_eq!(r.fixed, "[ x ]");
        let opts = FixOptions {
            unsafe_fixes: true,
            ..FixOptions::default()
        };
        let r = run("[ x ]", &check, opts, &NoOracle);
        assert_eq!(r.fixed, "[ y ]");
    }

    struct Always(ValueVerdict);
    impl ValueOracle for Always {
        fn compare(&self, _: &Path, _: &str, _: &str) -> ValueVerdict {
            self.0.clone()
        }
    }

    /// Says `Changed` whenever the text after contains `bad`.
    struct RejectsBad;
    impl ValueOracle for RejectsBad {
        fn compare(&self, _: &Path, _: &str, after: &str) -> ValueVerdict {
            if after.contains("bad") {
                ValueVerdict::Changed("bad".into())
            } else {
                ValueVerdict::Same
            }
        }
    }

    #[test]
    fn unsafe_fixes_that_change_the_value_fall_back_to_safe_ones() {
        let check = |f: &SourceFile| -> Vec<Diagnostic> {
            let mut ds = replacing("x", "y")(f);
            ds.extend(replacing("u", "bad")(f).into_iter().map(|mut d| {
                d.fix.as_mut().unwrap().applicability = Applicability::Unsafe;
                d
            }));
            ds
        };
        let opts = FixOptions {
            unsafe_fixes: true,
            ..FixOptions::default()
        };
        let r = run("[ x u ]", &check, opts, &RejectsBad);
        assert_eq!(r.refusal, None);
        assert_eq!(r.fixed, "[ y u ]");
        assert_eq!(r.unsafe_left_out, Some(Refusal::ValueChanged("bad".into())));
        assert!(
            r.refusal_diagnostic()
                .unwrap()
                .message
                .contains("safe fixes were applied")
        );
    }

    #[test]
    fn a_changed_value_reverts_the_file() {
        let oracle = Always(ValueVerdict::Changed("1 became 2".into()));
        let r = run(
            "[ 1 ]",
            &replacing("1", "2"),
            FixOptions::default(),
            &oracle,
        );
        assert_eq!(r.refusal, Some(Refusal::ValueChanged("1 became 2".into())));
        assert_eq!(r.fixed, "[ 1 ]");
        let r = run(
            "[ 1 ]",
            &replacing("1", "2"),
            FixOptions::default(),
            &Always(ValueVerdict::Same),
        );
        assert_eq!(r.fixed, "[ 2 ]");
    }
}
