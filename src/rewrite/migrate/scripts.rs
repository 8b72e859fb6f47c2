//! Scripts and docs follow the migration: a build command that selects a
//! variant through the environment (`NIXOS_PACKAGES=full nix build
//! .#container` in a shell script, Makefile, justfile, .envrc or Markdown
//! code block) builds that variant's output instead (`nix build
//! .#container-full`), and the `NAME=value` prefixes that only chose the
//! variant go, with `--impure` when the flake needs it for nothing else. Exported variables (`export NAME=...` lines) are left alone:
//! other commands may read them.

use std::collections::BTreeMap;

use super::text::{self, Ed};
use super::{FileChange, Planner};
use crate::analysis::variants::{VariantAnalysis, matrix};
use crate::syntax::{TextRange, TextSize};

impl Planner<'_> {
    /// The changed scripts and docs.
    pub(super) fn follow_scripts(&mut self, analysis: &VariantAnalysis) -> Vec<FileChange> {
        let vars = self.all_vars();
        // Whether the flake needs `--impure` for anything but the
        // environment: absolute paths, `currentSystem`, `<...>`, `getFlake`.
        let pure_otherwise = (0..self.roots.len())
            .filter(|&f| !self.outside(f))
            .all(|f| {
                let t = self.text(f);
                !t.contains("currentSystem")
                    && !t.contains("getFlake")
                    && !self.roots[f].descendants().any(|n| {
                        matches!(
                            n.kind(),
                            crate::syntax::SyntaxKind::NODE_PATH_ABS
                                | crate::syntax::SyntaxKind::NODE_PATH_SEARCH
                                | crate::syntax::SyntaxKind::NODE_PATH_HOME
                        )
                    })
            });
        let mut per_text: BTreeMap<usize, Vec<Ed>> = BTreeMap::new();
        let mut rewritten: BTreeMap<usize, usize> = BTreeMap::new();
        for u in analysis.scripts.usages.iter().filter(|u| !u.inline) {
            let Some(oi) = matrix::resolve_target(&analysis.outputs, &u.target) else {
                continue;
            };
            let o = &analysis.outputs.outputs[oi];
            let Some(env) = u.literal_env() else { continue };
            if !env.keys().any(|k| vars.contains(k)) {
                continue;
            }
            // The declared variant of this output with exactly this
            // environment (unset = "").
            let value =
                |m: &BTreeMap<String, String>, k: &str| m.get(k).cloned().unwrap_or_default();
            let Some(d) = self.declared.iter().find(|d| {
                d.output == o.dotted() && vars.iter().all(|k| value(&env, k) == value(&d.env, k))
            }) else {
                continue;
            };
            let to = self
                .pairs
                .iter()
                .find(|(v, a, _)| *v == d.name && *a == o.attr)
                .map(|(_, _, m)| m.clone())
                .unwrap_or_else(|| {
                    let mut to = o.attr.clone();
                    if let Some(last) = to.last_mut() {
                        *last = d.name.clone();
                    }
                    to
                });
            let written = u.target.attr_path();
            let idx = if written.len() >= o.attr.len() && written[..o.attr.len()] == o.attr[..] {
                o.attr.len() - 1
            } else if written.first() == o.attr.last() {
                0
            } else {
                continue;
            };
            let (Some(new_name), Some(t)) = (to.last(), self.project.texts.get(u.text)) else {
                continue;
            };
            let reference =
                &t.text[usize::from(u.target.range.start())..usize::from(u.target.range.end())];
            let Some(hash) = reference.find('#') else {
                continue;
            };
            let mut parts = written.clone();
            parts[idx] = new_name.clone();
            let attr = parts
                .iter()
                .map(|p| {
                    if p.contains('.') {
                        format!("\"{p}\"")
                    } else {
                        p.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(".");
            let eds = per_text.entry(u.text).or_default();
            let seq = eds.len() as u32;
            eds.push(Ed {
                range: TextRange::new(
                    u.target.range.start() + TextSize::from(hash as u32 + 1),
                    u.target.range.end(),
                ),
                text: attr,
                need: false,
                seq,
            });
            // `NAME=value ` prefixes of the command itself.
            for a in &u.env {
                if !vars.contains(&a.name) || !u.range.contains_range(a.range) {
                    continue;
                }
                let rest = &t.text[usize::from(a.range.end())..];
                let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
                let seq = eds.len() as u32;
                eds.push(Ed {
                    range: TextRange::new(
                        a.range.start(),
                        a.range.end() + TextSize::from(spaces as u32),
                    ),
                    text: String::new(),
                    need: false,
                    seq,
                });
            }
            // `--impure` that was there for the environment.
            if pure_otherwise {
                let cmd = &t.text[usize::from(u.range.start())..usize::from(u.range.end())];
                if let Some(k) = cmd.find(" --impure") {
                    let at = u.range.start() + TextSize::from(k as u32);
                    let seq = eds.len() as u32;
                    eds.push(Ed {
                        range: TextRange::new(at, at + TextSize::from(" --impure".len() as u32)),
                        text: String::new(),
                        need: false,
                        seq,
                    });
                }
            }
            *rewritten.entry(u.text).or_default() += 1;
        }
        let mut out = Vec::new();
        for (ti, eds) in per_text {
            let t = &self.project.texts[ti];
            let Ok(new) = text::apply(&t.text, &eds) else {
                continue;
            };
            if new == t.text {
                continue;
            }
            let rel = super::rel_path(&self.root_dir, &t.path);
            self.notes.push(format!(
                "{rel}: {} build command(s) now build the variant's output instead of setting \
                 the environment",
                rewritten.get(&ti).copied().unwrap_or(0)
            ));
            out.push(FileChange {
                path: t.path.clone(),
                rel,
                old: t.text.clone(),
                new,
            });
        }
        out
    }
}
