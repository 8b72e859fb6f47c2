//! Variant analysis: which environment variables a configuration reads, what
//! it does with each (their kinds and domains), which flake outputs depend on
//! them, and the declared variant matrix.
//!
//! Domains come from two sources, merged per variable:
//!
//! - the evaluator (when available): each reachable file is evaluated with
//!   `getEnv` returning a symbolic `env:NAME`, and the comparisons it records
//!   are the primary facts ([`observe`]);
//! - a syntactic flow analysis over the tree ([`flow`]) for reads the
//!   evaluator cannot reach (code under an unknown function such as
//!   `nixpkgs.lib.nixosSystem`), following the read through let bindings,
//!   `if`, splits and function parameters to the comparisons, membership
//!   tests, attribute selections and paths that use it.

pub mod builds;
pub mod domain;
pub mod evalout;
pub mod flow;
pub mod matrix;
pub mod observe;
pub mod outputs;
pub mod report;
pub mod shell;
pub mod syn;
pub mod usage;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::project::Project;
use crate::syntax::TextRange;

pub use builds::{Build, BuildKind};
pub use domain::{Domain, Kind};
pub use flow::{Branch, Fact, FactKind, Facts, Site, Test};
pub use matrix::Variant;
pub use outputs::{Output, OutputMap};

/// One environment variable the tree reads.
#[derive(Debug, Clone)]
pub struct EnvVar {
    pub name: String,
    pub reads: Vec<Site>,
    pub domain: Domain,
}

/// Everything `nixfold variants`, `nixfold init` and the variant lints need.
pub struct VariantAnalysis {
    /// The directory analysed (paths in reports are relative to it).
    pub root: PathBuf,
    pub env: Vec<EnvVar>,
    /// Reads whose variable name is not a literal.
    pub dynamic_reads: Vec<Site>,
    pub outputs: OutputMap,
    pub facts: Facts,
    pub scripts: usage::ScriptFacts,
    /// Default variants (one per output that depends on the environment)
    /// followed by the declared ones.
    pub variants: Vec<Variant>,
    /// Problems with the declared matrix (unknown output, duplicate name).
    pub matrix_errors: Vec<String>,
    /// The build matrix ([`builds`]): what `nixfold emit` generates.
    pub builds: Vec<Build>,
    /// Problems with `[emit]` in nixfold.toml.
    pub emit_errors: Vec<String>,
    /// Per variable, how many tests the evaluator observed (confirming the
    /// syntactic analysis or adding to it); absent when evaluation did not
    /// reach any comparison of it.
    pub evaluated: std::collections::HashMap<String, usize>,
}

impl VariantAnalysis {
    pub fn var(&self, name: &str) -> Option<&EnvVar> {
        self.env.iter().find(|v| v.name == name)
    }

    /// The output with this dotted name.
    pub fn output(&self, dotted: &str) -> Option<&Output> {
        self.outputs.outputs.iter().find(|o| o.dotted() == dotted)
    }

    /// The names of every output (dotted), for `dangling-flake-ref`.
    pub fn output_names(&self) -> Vec<String> {
        self.outputs.outputs.iter().map(Output::dotted).collect()
    }

    /// Whether a flake reference `.#attr` used with `tool`/`subcommand`
    /// names an output (see [`matrix::resolve_target`]).
    pub fn resolves(&self, target: &usage::Target) -> bool {
        matrix::resolve_target(&self.outputs, target).is_some()
    }

    /// `path` relative to the analysed directory.
    pub fn rel(&self, path: &Path) -> PathBuf {
        path.strip_prefix(&self.root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

/// Analyse a loaded project rooted at `project.root`.
pub fn analyse(project: &Project, config: &Config) -> VariantAnalysis {
    analyse_with(project, config, None)
}

/// [`analyse`], with what the caller learnt of every file while its tree was
/// held ([`crate::analysis::scope::FileSummaries`]); `None` computes it where
/// needed.
pub fn analyse_with(
    project: &Project,
    config: &Config,
    summaries: Option<&crate::analysis::scope::FileSummaries>,
) -> VariantAnalysis {
    let a = match summaries {
        Some(s) => flow::Analyzer::with_summaries(project, s),
        None => flow::Analyzer::new(project),
    };
    let entry = entry_dir(project);
    // Files the flake does not evaluate are left alone (issue 10, class 1).
    let scope = match summaries {
        Some(s) => {
            crate::analysis::scope::flake_scope_with(project, &entry, &|i| s.mentions[i].clone())
        }
        None => crate::analysis::scope::flake_scope(project, &entry),
    };
    let all: Vec<usize> = (0..project.files.len())
        .filter(|&i| !crate::analysis::scope::outside(&scope, i))
        .collect();
    // Without any read there is nothing to learn about values.
    let any_read = all.iter().any(|&i| !a.reads_in(i).is_empty());
    let mut facts = if any_read {
        a.collect(&a.fact_files())
    } else {
        Facts::default()
    };
    facts
        .reads
        .retain(|r| !crate::analysis::scope::outside(&scope, r.site.file));
    // The evaluator's observations are the primary source of tests.
    let reading: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| !a.reads_in(i).is_empty())
        .collect();
    let observed = observe::observe(&a, &entry, &reading);
    let evaluated = observe::merge(&mut facts.facts, observed);
    let outputs = outputs::find(&a, &entry);
    let scripts = usage::scan(project);

    // Variables: reads with literal names, in order of first appearance.
    let mut names: Vec<String> = Vec::new();
    let mut reads: BTreeMap<String, Vec<Site>> = BTreeMap::new();
    let mut defaults: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut dynamic_reads = Vec::new();
    for r in &facts.reads {
        match &r.var {
            Some(v) => {
                if !reads.contains_key(v) {
                    names.push(v.clone());
                }
                reads.entry(v.clone()).or_default().push(r.site.clone());
                if let Some(d) = &r.default {
                    defaults.entry(v.clone()).or_default().push(d.clone());
                }
            }
            None => dynamic_reads.push(r.site.clone()),
        }
    }
    names.sort();
    let mut env = Vec::new();
    for name in names {
        let var_facts: Vec<&Fact> = facts.facts.iter().filter(|f| f.var == name).collect();
        let domain = domain::domain(
            &var_facts,
            defaults.get(&name).map(Vec::as_slice).unwrap_or(&[]),
        );
        let mut sites = reads.remove(&name).unwrap_or_default();
        sites.sort_by_key(|s| (project.files[s.file].path.clone(), s.range.start()));
        env.push(EnvVar {
            name,
            reads: sites,
            domain,
        });
    }
    let (variants, matrix_errors) = matrix::variants(&outputs, config);
    let (builds, emit_errors) = builds::builds(&a, &outputs, &variants, config);
    VariantAnalysis {
        root: project.root.clone(),
        env,
        dynamic_reads,
        outputs,
        facts,
        scripts,
        variants,
        matrix_errors,
        builds,
        emit_errors,
        evaluated,
    }
}

/// The directory whose flake.nix (or configuration.nix, home.nix,
/// default.nix) defines the outputs: the project root if it has one, else the
/// shallowest directory with a flake.nix (`nixfold check some/dir`).
pub fn entry_dir(project: &Project) -> PathBuf {
    for name in ["flake.nix", "configuration.nix", "home.nix", "default.nix"] {
        if flow::resolve_file(project, &project.root, name).is_some() {
            return project.root.clone();
        }
    }
    project
        .files
        .iter()
        .filter(|f| f.path.file_name().is_some_and(|n| n == "flake.nix"))
        .min_by_key(|f| (f.path.components().count(), f.path.clone()))
        .and_then(|f| f.path.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| project.root.clone())
}

/// The 1-based line and column of a site.
pub fn line_col(project: &Project, site: &Site) -> crate::syntax::LineCol {
    project.files[site.file].line_col(site.range.start())
}

/// Variables that decide a branch, for `unreachable-variant-branch`.
pub fn branch_vars(facts: &Facts) -> BTreeSet<String> {
    facts.branches.iter().map(|b| b.test.var.clone()).collect()
}

/// A range helper for callers building diagnostics.
pub fn range_of(site: &Site) -> TextRange {
    site.range
}

#[cfg(test)]
mod sync_tests {
    /// The analysis is shared between lint rules running in parallel.
    #[test]
    fn analysis_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<super::VariantAnalysis>();
    }
}
