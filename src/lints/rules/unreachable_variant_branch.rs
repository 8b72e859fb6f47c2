//! ## unreachable-variant-branch (NF0202)
//!
//! When nixfold.toml declares a variant matrix (`[[variants]]`), finds the
//! branches on an environment variable that no variant takes: an `if`, a
//! `lib.mkIf`, `lib.optional(s)` or `lib.optionalString` whose condition tests
//! a variable (`p == "minimal"`, `includeGroup "extras"`, `isContainer`) such
//! that neither the default variant (every variable unset) nor any declared
//! variant of an output that evaluates the file makes it true (or false).
//!
//! Only runs when a matrix is declared: without one, nixfold cannot know
//! which environments are meant to be built.
//!
//! ### Why it matters
//!
//! After migration every variant becomes its own flake output, and code that
//! no variant selects is dead: it is never built, never tested, and will rot.
//! Often it means a variant is missing from the matrix (the `extras` package
//! group that only `full` selects, but `full` was not declared).
//!
//! ### Example
//!
//! ```nix
//! let p = builtins.getEnv "PROFILE"; in
//! if p == "minimal" then [ ] else [ pkgs.git ]   # no variant sets PROFILE=minimal
//! ```
//!
//! ### How to fix
//!
//! Declare the missing variant in nixfold.toml, or delete the branch if the
//! selection is no longer wanted.

use std::collections::{BTreeMap, BTreeSet};

use crate::analysis::variants::flow::{Pred, Shape, Test};
use crate::analysis::variants::{Variant, VariantAnalysis};
use crate::diagnostics::Diagnostic;
use crate::lints::{ProjectCx, Rule, RuleMeta};

pub struct UnreachableVariantBranch;
pub static RULE: UnreachableVariantBranch = UnreachableVariantBranch;

pub use crate::catalog::UNREACHABLE_VARIANT_BRANCH as META;

/// "NIXOS_PACKAGES includes \"extras\"" (or its negation).
fn describe(t: &Test, holds: bool) -> String {
    let positive = t.positive == holds;
    let v = &t.var;
    match (&t.pred, positive) {
        (Pred::Eq(l), true) if matches!(t.shape, Shape::Raw { .. }) => format!("`{v}` is {l:?}"),
        (Pred::Eq(l), false) if matches!(t.shape, Shape::Raw { .. }) => {
            format!("`{v}` is not {l:?}")
        }
        (Pred::Eq(l) | Pred::Member(l), true) => format!("`{v}` includes {l:?}"),
        (Pred::Eq(l) | Pred::Member(l), false) => format!("`{v}` does not include {l:?}"),
        (Pred::OneOf(ls), true) => format!("`{v}` is one of {}", quoted(ls)),
        (Pred::OneOf(ls), false) => format!("`{v}` is none of {}", quoted(ls)),
    }
}

fn quoted(ls: &[String]) -> String {
    ls.iter()
        .map(|l| format!("{l:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The environments that evaluate `file`: the default, and the declared
/// variants of outputs that reach it (all declared variants when none does).
fn environments(an: &VariantAnalysis, file: usize) -> Vec<(String, BTreeMap<String, String>)> {
    let declared: Vec<&Variant> = an
        .variants
        .iter()
        .filter(|v| v.declared.is_some())
        .collect();
    let reaching: Vec<&Variant> = declared
        .iter()
        .copied()
        .filter(|v| {
            an.output(&v.output)
                .is_none_or(|o| o.files.is_empty() || o.files.contains(&file))
        })
        .collect();
    let chosen = if reaching.is_empty() {
        declared
    } else {
        reaching
    };
    let mut out = vec![("the default variant".to_string(), BTreeMap::new())];
    for v in chosen {
        out.push((format!("`{}`", v.name), v.env.clone()));
    }
    out
}

impl Rule for UnreachableVariantBranch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn needs_variants(&self, cx: &ProjectCx<'_>) -> bool {
        !cx.config.variants.is_empty()
    }

    fn check_project(&self, cx: &ProjectCx<'_>, out: &mut Vec<Diagnostic>) {
        if !self.needs_variants(cx) {
            return;
        }
        let sev = cx.config.severity(&META);
        let an = cx.variants();
        let mut reported = BTreeSet::new();
        for b in &an.facts.branches {
            let envs = environments(an, b.site.file);
            let outcomes: Vec<bool> = envs
                .iter()
                .map(|(_, env)| {
                    b.test
                        .eval(env.get(&b.test.var).map(String::as_str).unwrap_or(""))
                })
                .collect();
            let file = &cx.project.files[b.site.file];
            for (holds, range) in [(true, b.then_range), (false, b.else_range)] {
                let Some(range) = range else { continue };
                if outcomes.contains(&holds)
                    || !reported.insert((
                        b.site.file,
                        u32::from(range.start()),
                        u32::from(range.end()),
                    ))
                {
                    continue;
                }
                let names: Vec<&str> = envs.iter().map(|(n, _)| n.as_str()).collect();
                let message = format!(
                    "no variant takes this branch: it runs only when {}, and none of {} sets that",
                    describe(&b.test, holds),
                    names.join(", ")
                );
                out.push(
                    Diagnostic::new(&META, sev, file, range, message)
                        .with_label(b.site.range, "the condition")
                        .with_note(
                            "declare a variant that selects it in nixfold.toml ([[variants]]), or remove the branch",
                        ),
                );
            }
        }
    }
}
