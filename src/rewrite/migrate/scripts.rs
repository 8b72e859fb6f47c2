//! Scripts and docs follow the migration: a build command that selects a
//! variant through the environment (`NIXOS_PACKAGES=full nix build
//! .#container` in a shell script, Makefile, justfile, .envrc or Markdown
//! code block) builds that variant's output instead (`nix build
//! .#container-full`), and the `NAME=value` prefixes that only chose the
//! variant go, with `--impure` when the flake needs it for nothing else.
//!
//! A variable whose value a shell script computes
//! (`NIXOS_PACKAGES="$profile" nix build .#container --impure`) selects
//! among the declared variants of that output at run time: the command
//! builds `".#container-${profile}"` when every such variant is named
//! `<output>-<value>`, else a `case` on the shell variable picks the
//! variant's output first (and a value no variant has stops the script with
//! a message instead of building the default). In shell scripts, an
//! `export NAME=value` line that only fed rewritten build commands (nothing
//! else in the script reads `$NAME`) goes too; `.envrc` keeps its exports,
//! they are the shell's environment.

use std::collections::BTreeMap;

use std::collections::BTreeSet;

use super::text::{self, Ed};
use super::{FileChange, Planner};
use crate::analysis::variants::shell::TextKind;
use crate::analysis::variants::usage::Usage;
use crate::analysis::variants::{VariantAnalysis, matrix};
use crate::syntax::{TextRange, TextSize};

/// The shell variable a value such as `"$profile"`, `$profile` or
/// `"${profile}"` expands to, if it is nothing else.
fn expanded_variable(written: &str) -> Option<String> {
    let w = written
        .strip_prefix('"')
        .and_then(|w| w.strip_suffix('"'))
        .unwrap_or(written);
    let w = w.strip_prefix('$')?;
    let name = w
        .strip_prefix('{')
        .and_then(|w| w.strip_suffix('}'))
        .unwrap_or(w);
    let ok = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    ok.then(|| name.to_string())
}

/// Whether a shell text expands `$name` or `${name...}` anywhere.
fn reads_variable(text: &str, name: &str) -> bool {
    let plain = format!("${name}");
    let braced = format!("${{{name}");
    let boundary = |rest: &str| {
        !rest
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    text.match_indices(&plain)
        .any(|(k, m)| boundary(&text[k + m.len()..]))
        || text
            .match_indices(&braced)
            .any(|(k, m)| boundary(&text[k + m.len()..]))
}

/// Single quotes around a `case` pattern or a word.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

impl Planner<'_> {
    /// Rewrite one build command that chooses a declared variant through
    /// the environment; whether it was rewritten.
    fn follow_usage(
        &self,
        analysis: &VariantAnalysis,
        u: &Usage,
        vars: &BTreeSet<String>,
        pure_otherwise: bool,
        per_text: &mut BTreeMap<usize, Vec<Ed>>,
    ) -> bool {
        let Some(oi) = matrix::resolve_target(&analysis.outputs, &u.target) else {
            return false;
        };
        let o = &analysis.outputs.outputs[oi];
        if !u.env.iter().any(|a| vars.contains(&a.name)) {
            return false;
        }
        let Some(t) = self.project.texts.get(u.text) else {
            return false;
        };
        let value = |m: &BTreeMap<String, String>, k: &str| m.get(k).cloned().unwrap_or_default();
        // The output name of declared variant `d` in the migrated flake.
        let name_of = |d: &crate::config::VariantDecl| -> Option<String> {
            self.pairs
                .iter()
                .find(|(v, a, _)| *v == d.name && *a == o.attr)
                .and_then(|(_, _, m)| m.last().cloned())
                .or_else(|| Some(d.name.clone()))
        };
        let literal: BTreeMap<String, String> = u
            .env
            .iter()
            .filter_map(|a| a.value.clone().map(|v| (a.name.clone(), v)))
            .collect();
        let dynamic: Vec<_> = u
            .env
            .iter()
            .filter(|a| a.value.is_none() && vars.contains(&a.name))
            .collect();
        if u.env
            .iter()
            .any(|a| a.value.is_none() && !vars.contains(&a.name))
        {
            return false;
        }
        // What the last part of the attribute becomes, and a `case` to put
        // before the command, if one is needed.
        let (new_name, case) = match dynamic.as_slice() {
            [] => {
                let Some(d) = self.declared.iter().find(|d| {
                    d.output == o.dotted()
                        && vars.iter().all(|k| value(&literal, k) == value(&d.env, k))
                }) else {
                    return false;
                };
                let Some(n) = name_of(d) else { return false };
                (n, None)
            }
            [a] => {
                if TextKind::of(&t.path) != TextKind::Script || !u.range.contains_range(a.range) {
                    return false;
                }
                let written =
                    &t.text[usize::from(a.value_range.start())..usize::from(a.value_range.end())];
                let Some(shell_var) = expanded_variable(written) else {
                    return false;
                };
                let choices: Vec<(String, String)> = self
                    .declared
                    .iter()
                    .filter(|d| {
                        d.output == o.dotted()
                            && vars
                                .iter()
                                .filter(|k| **k != a.name)
                                .all(|k| value(&literal, k) == value(&d.env, k))
                    })
                    .filter_map(|d| Some((value(&d.env, &a.name), name_of(d)?)))
                    .collect();
                if choices.is_empty() {
                    return false;
                }
                let Some(base) = o.attr.last() else {
                    return false;
                };
                if choices
                    .iter()
                    .all(|(v, n)| !v.is_empty() && *n == format!("{base}-{v}"))
                {
                    (format!("{base}-${{{shell_var}}}"), None)
                } else {
                    let out_var = "nixfold_output";
                    if reads_variable(&t.text, out_var) {
                        return false;
                    }
                    let start = usize::from(u.range.start());
                    let line_start = t.text[..start].rfind('\n').map_or(0, |k| k + 1);
                    let indent: String = t.text[line_start..start]
                        .chars()
                        .take_while(|c| *c == ' ' || *c == '\t')
                        .collect();
                    if indent.len() != start - line_start {
                        return false;
                    }
                    let mut case = format!("case \"${shell_var}\" in\n");
                    for (v, n) in &choices {
                        case.push_str(&format!(
                            "{indent}  {}) {out_var}={} ;;\n",
                            shell_quote(v),
                            shell_quote(n)
                        ));
                    }
                    case.push_str(&format!(
                        "{indent}  *) echo \"no output of the flake builds {}=${shell_var}: declare \
                         it in nixfold.toml and run nixfold migrate\" >&2; exit 2 ;;\n{indent}esac\n{indent}",
                        a.name
                    ));
                    (
                        format!("${{{out_var}}}"),
                        Some((line_start + indent.len(), case)),
                    )
                }
            }
            _ => return false,
        };
        let written = u.target.attr_path();
        let idx = if written.len() >= o.attr.len() && written[..o.attr.len()] == o.attr[..] {
            o.attr.len() - 1
        } else if written.first() == o.attr.last() {
            0
        } else {
            return false;
        };
        let reference =
            &t.text[usize::from(u.target.range.start())..usize::from(u.target.range.end())];
        let Some(hash) = reference.find('#') else {
            return false;
        };
        let mut parts = written.clone();
        parts[idx] = new_name;
        if dynamic.len() == 1 && parts.iter().any(|p| p.contains('.')) {
            return false;
        }
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
        let push = |eds: &mut Vec<Ed>, range: TextRange, text: String| {
            let seq = eds.len() as u32;
            eds.push(Ed {
                range,
                text,
                need: false,
                seq,
            });
        };
        if let Some((at, case)) = case {
            let at = TextSize::from(at as u32);
            push(eds, TextRange::new(at, at), case);
        }
        if dynamic.is_empty() {
            push(
                eds,
                TextRange::new(
                    u.target.range.start() + TextSize::from(hash as u32 + 1),
                    u.target.range.end(),
                ),
                attr,
            );
        } else if reference.starts_with('"') && reference.ends_with('"') && reference.len() > 1 {
            push(
                eds,
                TextRange::new(
                    u.target.range.start() + TextSize::from(hash as u32 + 1),
                    u.target.range.end() - TextSize::from(1),
                ),
                attr,
            );
        } else if reference.contains(['"', '\'', '$', '\\']) {
            return false;
        } else {
            push(
                eds,
                u.target.range,
                format!("\"{}#{attr}\"", &reference[..hash]),
            );
        }
        // `NAME=value ` prefixes of the command itself.
        for a in &u.env {
            if !vars.contains(&a.name) || !u.range.contains_range(a.range) {
                continue;
            }
            let rest = &t.text[usize::from(a.range.end())..];
            let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            push(
                eds,
                TextRange::new(
                    a.range.start(),
                    a.range.end() + TextSize::from(spaces as u32),
                ),
                String::new(),
            );
        }
        // `--impure` that was there for the environment.
        if pure_otherwise {
            let cmd = &t.text[usize::from(u.range.start())..usize::from(u.range.end())];
            if let Some(k) = cmd.find(" --impure") {
                let at = u.range.start() + TextSize::from(k as u32);
                push(
                    eds,
                    TextRange::new(at, at + TextSize::from(" --impure".len() as u32)),
                    String::new(),
                );
            }
        }
        true
    }

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
        // Exported assignments in force for a command on a migrated
        // variable: (text, start of the `NAME=value` word) → whether every
        // command it reached was rewritten, and the assignment.
        let mut exports: BTreeMap<
            (usize, TextSize),
            (bool, crate::analysis::variants::usage::Assignment),
        > = BTreeMap::new();
        for u in analysis.scripts.usages.iter().filter(|u| !u.inline) {
            let done = self.follow_usage(analysis, u, &vars, pure_otherwise, &mut per_text);
            if done {
                *rewritten.entry(u.text).or_default() += 1;
            }
            for a in &u.env {
                if vars.contains(&a.name) && !u.range.contains_range(a.range) {
                    let e = exports
                        .entry((u.text, a.range.start()))
                        .or_insert_with(|| (true, a.clone()));
                    e.0 &= done;
                }
            }
        }
        // `export NAME=value` lines that only fed rewritten commands.
        for ((ti, _), (only_rewritten, a)) in &exports {
            let Some(t) = self.project.texts.get(*ti) else {
                continue;
            };
            if !only_rewritten
                || TextKind::of(&t.path) != TextKind::Script
                || t.path.file_name().is_some_and(|n| n == ".envrc")
                || reads_variable(&t.text, &a.name)
            {
                continue;
            }
            let start = usize::from(a.range.start());
            let end = usize::from(a.range.end());
            let line_start = t.text[..start].rfind('\n').map_or(0, |k| k + 1);
            let line_end = t.text[end..]
                .find('\n')
                .map_or(t.text.len(), |k| end + k + 1);
            let line = t.text[line_start..line_end].trim();
            if line != format!("export {}", &t.text[start..end]) {
                continue;
            }
            let eds = per_text.entry(*ti).or_default();
            let seq = eds.len() as u32;
            eds.push(Ed {
                range: TextRange::new(
                    TextSize::from(line_start as u32),
                    TextSize::from(line_end as u32),
                ),
                text: String::new(),
                need: false,
                seq,
            });
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
