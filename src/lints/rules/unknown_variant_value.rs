//! ## unknown-variant-value (NF0201)
//!
//! Finds values of environment variables that the configuration never tests,
//! where a variant is declared (`[[variants]]` in nixfold.toml) or where the
//! tree's scripts and docs set them (`NIXOS_PACKAGES=kubernets nix build
//! .#container`, `export HOST=laptpo`). Also reports declared variants that
//! set a variable the configuration does not read at all. A plain shell
//! variable (`MODE=x` on a line of its own, never exported) is not in the
//! environment of `nix` and is not judged. A tree that reads
//! no environment at all (migrated with `nixfold migrate`, whose flake.nix
//! builds each declared variant as an output) is not checked against them.
//!
//! What counts as "tested" comes from the variant analysis (`nixfold
//! variants`): the literals a variable is compared with, the items a list
//! variable is tested for (after splitting on its separator, with aliases
//! such as `full`), the files or folders a path built from it can name, the
//! attributes it can select, and whether `lib.toInt` accepts it. Variables
//! also used as free strings (HOME, USER, image tags) accept any value.
//!
//! ### Why it matters
//!
//! A misspelt value is not an error anywhere: the comparison is simply false,
//! so the build quietly falls back to the default selection (or to an empty
//! package group) and the mistake shows up only at run time.
//!
//! ### Example
//!
//! ```sh
//! # overlays/packages.nix tests "kubernetes"
//! NIXOS_CONTAINER=1 NIXOS_PACKAGES=essential,kubernets nix build .#container --impure
//! ```
//!
//! ### How to fix
//!
//! Use one of the values the code handles (the message names the closest);
//! `nixfold variants` lists every variable's values.

use std::path::PathBuf;

use crate::analysis::variants::{VariantAnalysis, domain, matrix};
use crate::diagnostics::Diagnostic;
use crate::lints::{ProjectCx, Rule, RuleMeta};
use crate::syntax::{LineIndex, TextRange, TextSize};

pub struct UnknownVariantValue;
pub static RULE: UnknownVariantValue = UnknownVariantValue;

pub use crate::catalog::UNKNOWN_VARIANT_VALUE as META;

fn span(r: &std::ops::Range<usize>) -> TextRange {
    TextRange::new(TextSize::from(r.start as u32), TextSize::from(r.end as u32))
}

/// The message for a rejected value, or `None` when the value is handled.
fn judge(an: &VariantAnalysis, var: &str, value: &str) -> Option<String> {
    let v = an.var(var)?;
    let rej = v.domain.reject(value)?;
    let mut msg = if rej.bad == value {
        format!("`{var}={value}`: {}", rej.what)
    } else {
        format!("`{var}={value}`: item `{}`: {}", rej.bad, rej.what)
    };
    if let Some(s) = rej.suggestion() {
        msg.push_str(&format!("; did you mean `{s}`?"));
    }
    Some(msg)
}

fn known_values(an: &VariantAnalysis, var: &str) -> Option<String> {
    let v = an.var(var)?;
    (!v.domain.values.is_empty())
        .then(|| format!("known values of `{var}`: {}", v.domain.values.join(", ")))
}

impl Rule for UnknownVariantValue {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    /// With no declared variant, only a script or doc that sets a variable
    /// to a literal value can be judged, and only when the configuration
    /// reads that variable ([`ProjectCx::scripts_set_read_env`]).
    fn needs_variants(&self, cx: &ProjectCx<'_>) -> bool {
        !cx.config.variants.is_empty() || cx.scripts_set_read_env()
    }

    // Whether the analysis is needed is known from the files alone: found
    // while the per-file pass runs.
    fn check_project_early(&self, cx: &ProjectCx<'_>, _out: &mut Vec<Diagnostic>) {
        self.needs_variants(cx);
    }

    fn check_project(&self, cx: &ProjectCx<'_>, out: &mut Vec<Diagnostic>) {
        if !self.needs_variants(cx) {
            return;
        }
        let sev = cx.config.severity(&META);
        let project = cx.project;
        let an = cx.variants();
        // Declared variants. A tree that reads no environment at all (as
        // after `nixfold migrate`) builds them as outputs: nothing to check.
        if !cx.config.variants.is_empty() && !an.env.is_empty() {
            let path: PathBuf = project.root.join("nixfold.toml");
            if let Ok(text) = std::fs::read_to_string(&path) {
                let index = LineIndex::new(&text);
                let spans = matrix::decl_spans(&text);
                for (i, decl) in cx.config.variants.iter().enumerate() {
                    let Some(sp) = spans.get(i) else { continue };
                    for (var, value) in &decl.env {
                        let Some((kspan, vspan)) = sp.env.get(var) else {
                            continue;
                        };
                        if an.var(var).is_none() {
                            let mut msg = format!(
                                "variant `{}` sets `{var}`, which the configuration never reads",
                                decl.name
                            );
                            if let Some(s) =
                                domain::closest(var, an.env.iter().map(|v| v.name.as_str()))
                            {
                                msg.push_str(&format!("; did you mean `{s}`?"));
                            }
                            out.push(Diagnostic::in_text(
                                &META,
                                sev,
                                path.clone(),
                                &text,
                                &index,
                                span(kspan),
                                msg,
                            ));
                            continue;
                        }
                        if let Some(msg) = judge(an, var, value) {
                            let mut d = Diagnostic::in_text(
                                &META,
                                sev,
                                path.clone(),
                                &text,
                                &index,
                                span(vspan),
                                format!("variant `{}`: {msg}", decl.name),
                            );
                            if let Some(n) = known_values(an, var) {
                                d = d.with_note(n);
                            }
                            out.push(d);
                        }
                    }
                }
            }
        }
        // Scripts and docs.
        for (ti, a) in &an.scripts.assignments {
            // A plain shell variable never reaches Nix.
            let (true, Some(value)) = (a.env, &a.value) else {
                continue;
            };
            if an.var(&a.name).is_none() {
                continue;
            }
            let Some(msg) = judge(an, &a.name, value) else {
                continue;
            };
            let t = &project.texts[*ti];
            let mut d = Diagnostic::in_text(
                &META,
                sev,
                t.path.clone(),
                &t.text,
                &t.line_index,
                a.value_range,
                msg,
            );
            if let Some(n) = known_values(an, &a.name) {
                d = d.with_note(n);
            }
            out.push(d);
        }
    }
}
