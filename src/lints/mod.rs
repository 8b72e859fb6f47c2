//! Lint engine: the [`Rule`] trait, the registry and the
//! `check` pipeline (parallel per-file rules, then project rules, then
//! suppressions).
//!
//! One rule per file under `rules/`; the file's `//!` doc comment is the
//! rule's user documentation (`nixfold explain NAME`). Rule metadata
//! ([`RuleMeta`], [`Category`]) lives in the base layer's `crate::catalog`.

pub mod fixkit;
pub mod index;
pub mod rules;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
pub use crate::diagnostics::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::project::Project;
use crate::syntax::SourceFile;

pub use crate::catalog::{Category, RuleMeta};

/// Per-file context handed to rules.
pub struct FileCx<'a> {
    pub file: &'a SourceFile,
    pub project: &'a ProjectCx<'a>,
    /// Index of the file in `project.project.files`.
    pub file_index: usize,
    /// Nodes by kind, built on first use and shared by all rules.
    nodes: std::cell::OnceCell<index::NodeIndex>,
    scopes: std::sync::OnceLock<crate::hir::Scopes>,
}

impl<'a> FileCx<'a> {
    pub fn new(file: &'a SourceFile, project: &'a ProjectCx<'a>, file_index: usize) -> Self {
        FileCx {
            file,
            project,
            file_index,
            nodes: std::cell::OnceCell::new(),
            scopes: std::sync::OnceLock::new(),
        }
    }

    /// The shared node index of this file (one tree walk for all rules).
    pub fn index(&self) -> &index::NodeIndex {
        self.nodes
            .get_or_init(|| index::NodeIndex::build(self.file.parsed.syntax()))
    }

    /// All nodes of `kind` in this file, in document order.
    pub fn nodes(&self, kind: crate::syntax::SyntaxKind) -> &[crate::syntax::SyntaxNode] {
        self.index().nodes(kind)
    }

    /// Scopes and name resolution of this file, computed on first use and
    /// shared by every rule that asks.
    pub fn scopes(&self) -> &crate::hir::Scopes {
        self.scopes
            .get_or_init(|| crate::hir::Scopes::from_parsed(&self.file.parsed))
    }

    /// Whether this file is reachable from a flake output.
    pub fn reachable_from_flake(&self) -> bool {
        self.project.reach.is_reachable(self.file_index)
    }
}

impl FileCx<'_> {
    /// The suppression comments of this file (`invalid-suppression` reads
    /// their problems).
    pub fn suppressions(&self) -> &suppress::FileSuppressions {
        &self.project.suppressions[self.file_index]
    }
}

/// Whole-project context handed to rules.
pub struct ProjectCx<'a> {
    pub project: &'a Project,
    pub config: &'a Config,
    pub reach: crate::analysis::reach::Reachability,
    /// Suppression comments of `project.files`, by index.
    pub suppressions: Vec<suppress::FileSuppressions>,
    /// Suppression comments of `project.texts`, by index.
    pub text_suppressions: Vec<suppress::FileSuppressions>,
    /// The variant analysis, computed on first use (see [`ProjectCx::variants`]).
    pub variants: std::sync::OnceLock<crate::analysis::variants::VariantAnalysis>,
    /// Which suppression entries covered a finding; set once every other
    /// rule has run (read by the rules in [`LATE_RULES`]).
    pub suppression_use: std::sync::OnceLock<SuppressionUse>,
}

/// Per file (same order as `project.files` / `project.texts`), one flag per
/// suppression entry ([`suppress::FileSuppressions::entries`]): whether it
/// covered a finding.
#[derive(Debug, Clone, Default)]
pub struct SuppressionUse {
    pub files: Vec<Vec<bool>>,
    pub texts: Vec<Vec<bool>>,
}

impl SuppressionUse {
    /// Nothing used yet.
    fn none(pcx: &ProjectCx<'_>) -> Self {
        let unused = |s: &[suppress::FileSuppressions]| -> Vec<Vec<bool>> {
            s.iter().map(|f| vec![false; f.entries.len()]).collect()
        };
        SuppressionUse {
            files: unused(&pcx.suppressions),
            texts: unused(&pcx.text_suppressions),
        }
    }
}

impl<'a> ProjectCx<'a> {
    /// Compute the project-wide facts rules share (reachability,
    /// suppression comments; per-file work runs in parallel). The variant
    /// analysis is computed on first use.
    pub fn new(project: &'a Project, config: &'a Config) -> Self {
        let reach = crate::analysis::reach::Reachability::compute(project);
        let suppressions = project
            .files
            .par_iter()
            .map(suppress::FileSuppressions::for_nix)
            .collect();
        let text_suppressions = project
            .texts
            .iter()
            .map(|t| suppress::FileSuppressions::for_text(&t.path, &t.text, &t.line_index))
            .collect();
        ProjectCx {
            project,
            config,
            reach,
            suppressions,
            text_suppressions,
            variants: std::sync::OnceLock::new(),
            suppression_use: std::sync::OnceLock::new(),
        }
    }

    /// The variant analysis of the project (environment reads, domains,
    /// outputs, declared variants), computed once and shared by rules.
    pub fn variants(&self) -> &crate::analysis::variants::VariantAnalysis {
        self.variants
            .get_or_init(|| crate::analysis::variants::analyse(self.project, self.config))
    }

    /// Whether a suppression comment in the finding's file covers it.
    pub fn is_suppressed(&self, diag: &Diagnostic) -> bool {
        if let Some(i) = self.project.file_index(&diag.path) {
            return self.suppressions[i].covers(diag);
        }
        if let Some(i) = self.project.texts.iter().position(|t| t.path == diag.path) {
            return self.text_suppressions[i].covers(diag);
        }
        false
    }
}

/// A lint rule. Implement one or both of the check methods.
pub trait Rule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;
    /// Findings in one Nix file. Called in parallel for every file.
    fn check_file(&self, _cx: &FileCx<'_>, _out: &mut Vec<Diagnostic>) {}
    /// Findings that need the whole project (other file kinds, cross-file facts).
    fn check_project(&self, _cx: &ProjectCx<'_>, _out: &mut Vec<Diagnostic>) {}
}

/// Find a rule by name.
pub fn rule_by_name(name: &str) -> Option<&'static dyn Rule> {
    rules::all().iter().copied().find(|r| r.meta().name == name)
}

/// Find a rule by code (`NF0001`).
pub fn rule_by_code(code: &str) -> Option<&'static dyn Rule> {
    rules::all().iter().copied().find(|r| r.meta().code == code)
}

/// The rule name closest to a misspelt one, if any is close enough.
pub use crate::catalog::closest_name as closest_rule_name;

/// Rules that still run on files over the parser's limits.
pub const READ_LIMITED_FILES: &[&str] = &["syntax-error", "invalid-suppression"];

/// Whether `rule` reads files over the parser's limits.
pub fn reads_limited_files(rule: &str) -> bool {
    READ_LIMITED_FILES.contains(&rule)
}

/// Project rules that run after every other rule and after suppression
/// comments have been applied (they read [`ProjectCx::suppression_use`]).
const LATE_RULES: &[&str] = &["unused-suppression"];

/// Run the enabled rules over a loaded project.
pub fn check(project: &Project, config: &Config) -> Vec<Diagnostic> {
    let pcx = ProjectCx::new(project, config);
    let enabled: Vec<&'static dyn Rule> = rules::all()
        .iter()
        .copied()
        .filter(|r| config.is_enabled(r.meta()))
        .collect();
    let per_file: Vec<(Vec<Diagnostic>, Vec<bool>)> = project
        .files
        .par_iter()
        .enumerate()
        .map(|(i, file)| {
            let cx = FileCx::new(file, &pcx, i);
            let mut out = Vec::new();
            // A file over the parser's limits is mostly one error node:
            // only the rules about the file itself read it (the others
            // would find nothing, slowly).
            let limited = file.parsed.exceeded_limits();
            for rule in &enabled {
                if limited && !reads_limited_files(rule.meta().name) {
                    continue;
                }
                rule.check_file(&cx, &mut out);
            }
            supersede::drop_superseded_syntax_errors(&mut out);
            let suppressions = &pcx.suppressions[i];
            let mut used = vec![false; suppressions.entries.len()];
            suppressions.remove_covered(&mut out, &mut used);
            rules::syntax_error::keep_first(&mut out);
            (out, used)
        })
        .collect();
    let mut diags = Vec::new();
    let mut used = SuppressionUse::none(&pcx);
    for ((d, u), slot) in per_file.into_iter().zip(used.files.iter_mut()) {
        diags.extend(d);
        *slot = u;
    }
    let (late, early): (Vec<&&dyn Rule>, Vec<&&dyn Rule>) = enabled
        .iter()
        .partition(|r| LATE_RULES.contains(&r.meta().name));
    for rule in early {
        rule.check_project(&pcx, &mut diags);
    }
    remove_suppressed(&pcx, &mut diags, &mut used);
    if !late.is_empty() {
        let _ = pcx.suppression_use.set(used);
        let mut found = Vec::new();
        for rule in late {
            rule.check_project(&pcx, &mut found);
        }
        // `ignore[unused-suppression]` silences them too.
        remove_suppressed(&pcx, &mut found, &mut SuppressionUse::none(&pcx));
        diags.extend(found);
    }
    sort_diagnostics(&mut diags);
    diags
}

pub mod supersede;
pub mod suppress;

/// Drop the findings that suppression comments cover, marking the entries
/// that covered one in `used`.
fn remove_suppressed(pcx: &ProjectCx<'_>, diags: &mut Vec<Diagnostic>, used: &mut SuppressionUse) {
    let any = |s: &[suppress::FileSuppressions]| s.iter().any(|f| !f.is_empty());
    if diags.is_empty() || !(any(&pcx.suppressions) || any(&pcx.text_suppressions)) {
        return;
    }
    let paths = (pcx.project.files.iter().map(|f| f.path.as_path()))
        .chain(pcx.project.texts.iter().map(|t| t.path.as_path()));
    let suppressions = pcx.suppressions.iter().chain(&pcx.text_suppressions);
    let uses = used.files.iter_mut().chain(used.texts.iter_mut());
    let mut by_path: HashMap<&Path, (&suppress::FileSuppressions, &mut Vec<bool>)> =
        paths.zip(suppressions.zip(uses)).collect();
    diags.retain(|d| match by_path.get_mut(d.path.as_path()) {
        Some((s, u)) => !s.cover(d, u),
        None => true,
    });
}

/// Order by path, position, then rule name.
pub fn sort_diagnostics(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (a.path.as_path(), a.range.start(), a.range.end(), a.name).cmp(&(
            b.path.as_path(),
            b.range.start(),
            b.range.end(),
            b.name,
        ))
    });
}

/// Path used in diagnostics when none fits better.
pub fn display_path(p: &Path) -> PathBuf {
    p.to_path_buf()
}
