//! Lint engine: rule metadata, the [`Rule`] trait, the registry and the
//! `check` pipeline (parallel per-file rules, then project rules, then
//! suppressions).
//!
//! One rule per file under `rules/`; the file's `//!` doc comment is the
//! rule's user documentation (`nixfold explain NAME`).

pub mod fixkit;
pub mod index;
pub mod rules;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
pub use crate::diagnostics::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::project::Project;
use crate::syntax::SourceFile;

/// What kind of problem a rule finds (used for grouping in `nixfold rules`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Syntax,
    Purity,
    Variants,
    Correctness,
    DeadCode,
    Style,
}

/// Static facts about a rule. Names and codes are part of the interface.
#[derive(Debug)]
pub struct RuleMeta {
    /// kebab-case name, e.g. `impure-getenv`.
    pub name: &'static str,
    /// Stable code, e.g. `NF0002`.
    pub code: &'static str,
    /// Name of the rule's module file under src/lints/rules (for its docs).
    pub module: &'static str,
    pub category: Category,
    pub default_severity: Severity,
    /// Whether the rule runs without being enabled in config.
    pub default_enabled: bool,
    /// One line, shown by `nixfold rules`.
    pub summary: &'static str,
}

impl RuleMeta {
    /// The rule's documentation: its module doc comment.
    pub fn doc(&self) -> &'static str {
        rules::RULE_DOCS
            .iter()
            .find(|(m, _)| *m == self.module)
            .map(|(_, d)| *d)
            .unwrap_or("")
    }
}

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

/// Whole-project context handed to rules.
pub struct ProjectCx<'a> {
    pub project: &'a Project,
    pub config: &'a Config,
    pub reach: crate::analysis::reach::Reachability,
    /// The variant analysis, computed on first use (see [`ProjectCx::variants`]).
    pub variants: std::sync::OnceLock<crate::analysis::variants::VariantAnalysis>,
}

impl ProjectCx<'_> {
    /// The variant analysis of the project (environment reads, domains,
    /// outputs, declared variants), computed once and shared by rules.
    pub fn variants(&self) -> &crate::analysis::variants::VariantAnalysis {
        self.variants
            .get_or_init(|| crate::analysis::variants::analyse(self.project, self.config))
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

/// Run the enabled rules over a loaded project.
pub fn check(project: &Project, config: &Config) -> Vec<Diagnostic> {
    let reach = crate::analysis::reach::Reachability::compute(project);
    let pcx = ProjectCx {
        project,
        config,
        reach,
        variants: std::sync::OnceLock::new(),
    };
    let enabled: Vec<&'static dyn Rule> = rules::all()
        .iter()
        .copied()
        .filter(|r| config.is_enabled(r.meta()))
        .collect();
    let mut diags: Vec<Diagnostic> = project
        .files
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, file)| {
            let cx = FileCx::new(file, &pcx, i);
            let mut out = Vec::new();
            for rule in &enabled {
                rule.check_file(&cx, &mut out);
            }
            supersede::drop_superseded_syntax_errors(&mut out);
            out
        })
        .collect();
    for rule in &enabled {
        rule.check_project(&pcx, &mut diags);
    }
    diags.retain(|d| !crate::lints::suppress::is_suppressed(project, d));
    sort_diagnostics(&mut diags);
    diags
}

pub mod supersede;
pub mod suppress;

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
