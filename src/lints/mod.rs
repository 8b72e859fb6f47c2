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
use crate::syntax::{SourceFile, SyntaxKind};

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
    suppressions: &'a suppress::FileSuppressions,
    /// Set when a rule asked about reachability before it was known (see
    /// [`FileCx::reach`]).
    asked_reach: std::cell::Cell<bool>,
}

impl<'a> FileCx<'a> {
    pub fn new(file: &'a SourceFile, project: &'a ProjectCx<'a>, file_index: usize) -> Self {
        Self::with_suppressions(file, project, file_index, &project.suppressions[file_index])
    }

    fn with_suppressions(
        file: &'a SourceFile,
        project: &'a ProjectCx<'a>,
        file_index: usize,
        suppressions: &'a suppress::FileSuppressions,
    ) -> Self {
        FileCx {
            file,
            project,
            file_index,
            nodes: std::cell::OnceCell::new(),
            scopes: std::sync::OnceLock::new(),
            suppressions,
            asked_reach: std::cell::Cell::new(false),
        }
    }

    /// Which files a flake evaluates. While [`check`] runs the per-file
    /// rules this is not known yet (it needs every file): the answer is then
    /// "not reachable", and the rules that asked run again once it is known,
    /// on the files a flake does reach (most files never ask).
    pub fn reach(&self) -> &crate::analysis::reach::Reachability {
        if !self.project.reach_known {
            self.asked_reach.set(true);
        }
        &self.project.reach
    }

    /// The shared node index of this file (one tree walk for all rules).
    pub fn index(&self) -> &index::NodeIndex {
        self.nodes
            .get_or_init(|| index::NodeIndex::build(self.file.parsed().syntax()))
    }

    /// All nodes of `kind` in this file, in document order.
    pub fn nodes(&self, kind: crate::syntax::SyntaxKind) -> &[crate::syntax::SyntaxNode] {
        self.index().nodes(kind)
    }

    /// Scopes and name resolution of this file, computed on first use and
    /// shared by every rule that asks.
    pub fn scopes(&self) -> &crate::hir::Scopes {
        self.scopes
            .get_or_init(|| crate::hir::Scopes::from_parsed(&self.file.parsed()))
    }

    /// Whether this file is reachable from a flake output.
    pub fn reachable_from_flake(&self) -> bool {
        self.reach().is_reachable(self.file_index)
    }

    /// What a purity rule's findings in this file depend on: whether a
    /// flake evaluates the file, the severity that gives, and the import
    /// chain to show. It asks about reachability (see [`FileCx::reach`]),
    /// so a rule calls it once it has something to report: a file whose
    /// rules never ask is not visited again.
    pub fn purity(&self, meta: &RuleMeta) -> Purity {
        let reach = self.reach();
        Purity {
            reachable: reach.is_reachable(self.file_index),
            severity: reach.purity_severity(self.file_index, self.project.config.severity(meta)),
            chain: reach.describe(self.project.project, self.file_index),
        }
    }
}

/// See [`FileCx::purity`].
pub struct Purity {
    pub reachable: bool,
    pub severity: Severity,
    /// How a flake reaches the file, as a note.
    pub chain: Option<String>,
}

impl Purity {
    /// `d` with the import chain as a note, if there is one.
    pub fn note(&self, d: Diagnostic) -> Diagnostic {
        match &self.chain {
            Some(c) => d.with_note(c.clone()),
            None => d,
        }
    }
}

impl FileCx<'_> {
    /// The suppression comments of this file (`invalid-suppression` reads
    /// their problems).
    pub fn suppressions(&self) -> &suppress::FileSuppressions {
        self.suppressions
    }
}

/// Whole-project context handed to rules.
pub struct ProjectCx<'a> {
    pub project: &'a Project,
    pub config: &'a Config,
    pub reach: crate::analysis::reach::Reachability,
    /// Whether `reach` is computed (see [`FileCx::reach`]).
    reach_known: bool,
    /// What [`check`] learnt of each file while its tree was held.
    summaries: Option<crate::analysis::scope::FileSummaries>,
    /// Per file, the rules' [`Rule::file_summary`]s (by rule name), when
    /// [`check`] computed them.
    rule_summaries: Option<Vec<Vec<(&'static str, RuleSummary)>>>,
    /// Suppression comments of `project.files`, by index.
    pub suppressions: Vec<suppress::FileSuppressions>,
    /// Suppression comments of `project.texts`, by index.
    pub text_suppressions: Vec<suppress::FileSuppressions>,
    /// The variant analysis, computed on first use (see [`ProjectCx::variants`]).
    pub variants: std::sync::OnceLock<crate::analysis::variants::VariantAnalysis>,
    /// What the scripts and docs run and set, scanned once.
    pub scripts: std::sync::OnceLock<crate::analysis::variants::usage::ScriptFacts>,
    /// [`ProjectCx::scripts_set_read_env`], found once.
    pub scripts_set_read_env: std::sync::OnceLock<bool>,
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
        Self::from_parts(project, config, reach, suppressions, None)
    }

    fn from_parts(
        project: &'a Project,
        config: &'a Config,
        reach: crate::analysis::reach::Reachability,
        suppressions: Vec<suppress::FileSuppressions>,
        summaries: Option<crate::analysis::scope::FileSummaries>,
    ) -> Self {
        let text_suppressions = project
            .texts
            .iter()
            .map(|t| suppress::FileSuppressions::for_text(&t.path, &t.text, &t.line_index))
            .collect();
        ProjectCx {
            project,
            config,
            reach,
            reach_known: true,
            summaries,
            rule_summaries: None,
            suppressions,
            text_suppressions,
            variants: std::sync::OnceLock::new(),
            scripts: std::sync::OnceLock::new(),
            scripts_set_read_env: std::sync::OnceLock::new(),
            suppression_use: std::sync::OnceLock::new(),
        }
    }

    /// The variant analysis of the project (environment reads, domains,
    /// outputs, declared variants), computed once and shared by rules.
    pub fn variants(&self) -> &crate::analysis::variants::VariantAnalysis {
        self.variants.get_or_init(|| {
            crate::analysis::variants::analyse_with(
                self.project,
                self.config,
                self.summaries.as_ref(),
            )
        })
    }

    /// The variables and builds the project's scripts and docs mention
    /// (cheap: no Nix file is read).
    pub fn scripts(&self) -> &crate::analysis::variants::usage::ScriptFacts {
        self.scripts
            .get_or_init(|| crate::analysis::variants::usage::scan(self.project))
    }

    /// Whether a script or doc sets, to a literal value, an environment
    /// variable (not a plain shell variable) that the configuration may
    /// read, as known without the variant analysis
    /// ([`crate::analysis::variants::flow::may_read_any`]).
    pub fn scripts_set_read_env(&self) -> bool {
        *self.scripts_set_read_env.get_or_init(|| {
            let mut names: Vec<&str> = (self.scripts().assignments.iter())
                .filter(|(_, a)| a.env && a.value.is_some())
                .map(|(_, a)| a.name.as_str())
                .collect();
            names.sort_unstable();
            names.dedup();
            !names.is_empty() && crate::analysis::variants::flow::may_read_any(self.project, &names)
        })
    }

    /// Rule `rule`'s [`Rule::file_summary`] of file `file`: `None` when no
    /// summaries were computed (the rule reads the file itself), `Some(None)`
    /// when the rule had nothing to keep of the file.
    pub fn file_summary<T: 'static>(&self, rule: &str, file: usize) -> Option<Option<&T>> {
        let all = self.rule_summaries.as_ref()?;
        Some(
            all.get(file)
                .and_then(|s| s.iter().find(|(name, _)| *name == rule))
                .and_then(|(_, v)| v.downcast_ref::<T>()),
        )
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
    /// The part of the project phase that needs only the loaded files and
    /// the configuration: [`check`] runs it alongside the per-file pass, on
    /// a context without what that pass learns (no reachability, no
    /// suppression comments, no file summaries; the engine applies
    /// suppressions to its findings afterwards). It reports findings that
    /// need nothing else, or computes the shared facts
    /// ([`ProjectCx::scripts_set_read_env`]) that [`Rule::needs_variants`]
    /// or [`Rule::check_project`] will read, so that they are ready when
    /// the project phase starts.
    fn check_project_early(&self, _cx: &ProjectCx<'_>, _out: &mut Vec<Diagnostic>) {}
    /// What [`Rule::check_project`] will want of one Nix file, computed by
    /// [`check`] while the file's tree is held (its tree may be gone by the
    /// project phase); read back with [`ProjectCx::file_summary`]. Called in
    /// parallel for every file within the parser's limits.
    fn file_summary(&self, _cx: &FileCx<'_>) -> Option<RuleSummary> {
        None
    }
    /// Whether [`Rule::check_project`] reads [`ProjectCx::variants`] on this
    /// project: then [`check`] computes the analysis while the per-file
    /// rules still run, and when no rule does, not at all. A rule that says
    /// `false` must not read it.
    fn needs_variants(&self, _cx: &ProjectCx<'_>) -> bool {
        false
    }
}

/// A rule's summary of one file ([`Rule::file_summary`]).
pub type RuleSummary = Box<dyn std::any::Any + Send + Sync>;

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

/// What the per-file pass learns of one file while its tree is held.
struct FilePass {
    /// Findings of the enabled rules that found something, by rule index,
    /// in rule order.
    found: RuleFindings,
    /// Rules (indices) that asked about reachability.
    asked: Vec<usize>,
    suppressions: suppress::FileSuppressions,
    edges: Vec<crate::analysis::reach::Edge>,
    mentions: Vec<String>,
    rel_paths: bool,
    rule_summaries: Vec<(&'static str, RuleSummary)>,
}

/// Run the enabled rules over a loaded project.
///
/// Each file is handled once, in parallel: its per-file rules run and what
/// the project rules need of it (suppression comments, the paths it
/// evaluates and mentions) is kept, then its tree is released when the
/// project allows it ([`Project::release_trees`]), so memory does not grow
/// with the tree. Meanwhile the project rules' early parts
/// ([`Rule::check_project_early`]) run. Rules that asked whether a flake
/// evaluates the file run again on the reachable ones; then the project
/// rules run, parsing again only the files they read.
pub fn check(project: &Project, config: &Config) -> Vec<Diagnostic> {
    let enabled: Vec<&'static dyn Rule> = rules::all()
        .iter()
        .copied()
        .filter(|r| config.is_enabled(r.meta()))
        .collect();
    // Per-file rules cannot see reachability yet.
    let probe = ProjectCx {
        reach_known: false,
        ..ProjectCx::from_parts(project, config, Default::default(), Vec::new(), None)
    };
    let (late, in_time): (Vec<IndexedRule>, Vec<IndexedRule>) = enabled
        .iter()
        .copied()
        .enumerate()
        .partition(|(_, r)| LATE_RULES.contains(&r.meta().name));
    // The project rules' early parts run alongside the per-file pass
    // (rayon takes their work up whenever a file's work leaves a thread
    // free), so that little of the project phase is left once it ends.
    // The index of the files' paths, too, so that only the walk along the
    // edges is left for reachability once they are known.
    let (passes, (mut per_rule, file_index)) = rayon::join(
        || per_file_pass(&probe, &enabled),
        || {
            rayon::join(
                || run_rules(&in_time, |rule, out| rule.check_project_early(&probe, out)),
                || crate::analysis::reach::FileIndex::new(project),
            )
        },
    );
    let reach =
        crate::analysis::reach::Reachability::from_indexed_edges(project, &file_index, &|i| {
            passes[i].edges.clone()
        });
    let mut suppressions = Vec::with_capacity(passes.len());
    let mut found = Vec::with_capacity(passes.len());
    let mut asked = Vec::with_capacity(passes.len());
    let mut summaries = crate::analysis::scope::FileSummaries::default();
    let mut rule_summaries = Vec::with_capacity(passes.len());
    for p in passes {
        suppressions.push(p.suppressions);
        found.push(p.found);
        asked.push(p.asked);
        summaries.mentions.push(p.mentions);
        summaries.rel_paths.push(p.rel_paths);
        rule_summaries.push(p.rule_summaries);
    }
    // What the early parts computed (the scripts' facts, the text files'
    // suppression comments) carries over.
    let pcx = ProjectCx {
        reach,
        reach_known: true,
        summaries: Some(summaries),
        rule_summaries: Some(rule_summaries),
        suppressions,
        ..probe
    };
    // The rules that asked, again, where the answer was not "no"; meanwhile
    // the variant analysis, if a project rule needs it.
    let needs_variants = enabled.iter().any(|r| r.needs_variants(&pcx));
    // The project rules are independent of each other: in parallel, their
    // findings kept in rule order. Those that do not read the variant
    // analysis run while it is computed (they never ask for it, so no
    // thread waits on it from inside its own computation).
    let run_project =
        |rules: &[IndexedRule]| run_rules(rules, |rule, out| rule.check_project(&pcx, out));
    let (with_variants, without): (Vec<_>, Vec<_>) = in_time
        .into_iter()
        .partition(|(_, r)| r.needs_variants(&pcx));
    // The analysis (and what the project rules read of it) holds nodes of
    // the files it reads and resolves them with scopes of the file's tree:
    // no tree is released under it, or a re-parse would give a file a
    // second tree. Pass 2 then keeps the trees it parses.
    let (in_project, ()) = rayon::join(
        || {
            rerun_asked(&pcx, &enabled, &asked, &mut found, !needs_variants);
            run_project(&without)
        },
        || {
            if needs_variants {
                pcx.variants();
            }
        },
    );
    let per_file: Vec<(Vec<Diagnostic>, Vec<bool>)> = found
        .into_par_iter()
        .enumerate()
        .map(|(i, found)| {
            let mut out: Vec<Diagnostic> = found.into_iter().flat_map(|(_, d)| d).collect();
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
    // By rule (index into `enabled`), early findings first.
    per_rule.extend(in_project);
    per_rule.extend(run_project(&with_variants));
    per_rule.sort_by_key(|(k, _)| *k);
    diags.extend(per_rule.into_iter().flat_map(|(_, d)| d));
    remove_suppressed(&pcx, &mut diags, &mut used);
    if !late.is_empty() {
        let _ = pcx.suppression_use.set(used);
        let mut found = Vec::new();
        for (_, rule) in late {
            rule.check_project(&pcx, &mut found);
        }
        // `ignore[unused-suppression]` silences them too.
        remove_suppressed(&pcx, &mut found, &mut SuppressionUse::none(&pcx));
        diags.extend(found);
    }
    sort_diagnostics(&mut diags);
    diags
}

/// An enabled rule with its index into the enabled rules.
type IndexedRule = (usize, &'static dyn Rule);

/// Run one phase of the project rules in parallel; each rule's findings
/// are kept with its index (rules that found nothing are left out).
fn run_rules(
    rules: &[IndexedRule],
    phase: impl Fn(&dyn Rule, &mut Vec<Diagnostic>) + Sync,
) -> Vec<(usize, Vec<Diagnostic>)> {
    rules
        .par_iter()
        .map(|(k, rule)| {
            let mut out = Vec::new();
            phase(*rule, &mut out);
            (*k, out)
        })
        .filter(|(_, out)| !out.is_empty())
        .collect()
}

/// Pass 1 of [`check`]: every file once, in parallel (see [`FilePass`]).
fn per_file_pass(probe: &ProjectCx<'_>, enabled: &[&'static dyn Rule]) -> Vec<FilePass> {
    let project = probe.project;
    project
        .files
        .par_iter()
        .enumerate()
        // Small pieces: a thread that comes free (from the early project
        // work) finds work to take instead of waiting on a long run.
        .with_max_len(8)
        .map(|(i, file)| {
            let suppressions = suppress::FileSuppressions::for_nix(file);
            let cx = FileCx::with_suppressions(file, probe, i, &suppressions);
            let (found, asked) = run_file_rules(&cx, enabled, None);
            // What the project phase needs, from the index the rules built.
            let index = cx.index();
            let edges = crate::analysis::reach::edges_in(
                index.root(),
                index
                    .nodes_of(crate::analysis::reach::edge_kinds(&file.text))
                    .into_iter(),
            );
            // Strings without a `/` name no file: the index keeps only the
            // others.
            let mut named = index.nodes_of(&[SyntaxKind::NODE_PATH_REL, SyntaxKind::NODE_PATH_ABS]);
            if !index.strings_with_slash().is_empty() {
                named.extend(index.strings_with_slash().iter().cloned());
                index::in_document_order(&mut named);
            }
            let mentions = crate::analysis::scope::mentions_in(project, i, named.into_iter());
            let rel_paths = !index.nodes(SyntaxKind::NODE_PATH_REL).is_empty();
            let rule_summaries = if file.tree.exceeded_limits() {
                Vec::new()
            } else {
                enabled
                    .iter()
                    .filter_map(|r| Some((r.meta().name, r.file_summary(&cx)?)))
                    .collect()
            };
            drop(cx);
            let pass = FilePass {
                found,
                asked,
                edges,
                mentions,
                rel_paths,
                rule_summaries,
                suppressions,
            };
            if project.release_trees {
                file.tree.release();
            }
            pass
        })
        .collect()
}

/// Pass 2 of [`check`]: the per-file rules that asked about reachability
/// (`asked`, per file), again on the files a flake may evaluate.
fn rerun_asked(
    pcx: &ProjectCx<'_>,
    enabled: &[&'static dyn Rule],
    asked: &[Vec<usize>],
    found: &mut [RuleFindings],
    release: bool,
) {
    found
        .par_iter_mut()
        .enumerate()
        .filter(|(i, _)| !asked[*i].is_empty() && pcx.reach.is_reachable(*i))
        .for_each(|(i, found)| {
            let file = &pcx.project.files[i];
            let cx = FileCx::new(file, pcx, i);
            let (again, _) = run_file_rules(&cx, enabled, Some(&asked[i]));
            found.retain(|(k, _)| !asked[i].contains(k));
            found.extend(again);
            found.sort_by_key(|(k, _)| *k);
            drop(cx);
            if release && pcx.project.release_trees {
                file.tree.release();
            }
        });
}

/// The findings of one file: (index into the enabled rules, findings) for
/// each rule that found something, in rule order. Most rules find nothing
/// in most files, so nothing is kept for them.
type RuleFindings = Vec<(usize, Vec<Diagnostic>)>;

/// Run the per-file rules on one file (`only`: just these, by index into
/// `enabled`). Returns the findings of the rules that found something and
/// the rules that asked about reachability.
fn run_file_rules(
    cx: &FileCx<'_>,
    enabled: &[&'static dyn Rule],
    only: Option<&[usize]>,
) -> (RuleFindings, Vec<usize>) {
    // A file over the parser's limits is mostly one error node: only the
    // rules about the file itself read it (the others would find nothing,
    // slowly).
    let limited = cx.file.parsed().exceeded_limits();
    // Generated code is rewritten by its tool, not by hand: findings about
    // style and dead code there cannot be acted on.
    let generated = cx.project.project.is_generated(cx.file_index);
    let mut found = Vec::new();
    let mut asked = Vec::new();
    let indices: Vec<usize> = match only {
        Some(only) => only.to_vec(),
        None => (0..enabled.len()).collect(),
    };
    for k in indices {
        let rule = enabled[k];
        let mut out = Vec::new();
        let skipped = generated
            && matches!(
                rule.meta().category,
                crate::catalog::Category::DeadCode | crate::catalog::Category::Style
            );
        if !skipped && (!limited || reads_limited_files(rule.meta().name)) {
            cx.asked_reach.set(false);
            rule.check_file(cx, &mut out);
            if cx.asked_reach.get() {
                asked.push(k);
            }
        }
        if !out.is_empty() {
            found.push((k, out));
        }
    }
    (found, asked)
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
