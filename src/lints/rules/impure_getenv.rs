//! ## impure-getenv (NF0101)
//!
//! Finds every call of `builtins.getEnv`, however it is spelled:
//! `builtins.getEnv "X"`, `__getEnv "X"`, `with builtins; getEnv "X"`,
//! through aliases (`let env = builtins.getEnv; in env "X"`,
//! `inherit (builtins) getEnv;`, `let b = builtins; in b.getEnv "X"`), and
//! places where the function itself is passed on as a value
//! (`map builtins.getEnv names`). A local function that happens to be called
//! `getEnv` is not reported.
//!
//! ### Why it matters
//!
//! Selecting a configuration through environment variables
//! (`NIXOS_PACKAGES=full nixos-rebuild switch`) works with channels, but
//! flakes evaluate in *pure* mode, where `builtins.getEnv` returns `""` for
//! every variable, without any error. `nix build .#...` therefore silently
//! builds the default selection, whatever the environment says.
//!
//! Severity: `error` when the file is evaluated by a flake (reachable from a
//! `flake.nix` through imports, module lists or `callPackage`), because the
//! selection is then ignored for real; `warning` elsewhere, where the result
//! still depends on the environment of whoever evaluates it.
//! An override with a fallback is at most a warning in flake files and
//! `info` elsewhere: a call whose value the code tests for `""` (`let r =
//! getEnv "LON_OVERRIDE_x"; in if r == "" then path else ...`, as lon and
//! npins generate) and calls in a branch taken only when such a tested
//! variable is set. Pure evaluation takes the fallback, as the code intends.
//!
//! ### Example
//!
//! ```nix
//! { pkgs, ... }:
//! let
//!   selection = builtins.getEnv "NIXOS_PACKAGES";   # "" under flakes
//! in {
//!   environment.systemPackages =
//!     if selection == "full" then [ pkgs.git pkgs.kubectl ] else [ pkgs.git ];
//! }
//! ```
//!
//! ### How to fix
//!
//! Make the choice an explicit input: one flake output per variant
//! (`nixosConfigurations.full`, `nixosConfigurations.minimal`), a module
//! option (`options.my.packages = lib.mkOption { ... }`) set by each output,
//! or a function argument. `nixfold migrate` automates this for the common
//! patterns.

use crate::diagnostics::{Diagnostic, Severity};
use crate::hir::{Resolution, Scopes, UseKind, follow_bindings, literal_string, strip_parens};
use crate::lints::{FileCx, Rule, RuleMeta};
use crate::syntax::{SyntaxKind, SyntaxNode, TextRange};

pub struct ImpureGetenv;
pub static RULE: ImpureGetenv = ImpureGetenv;

pub use crate::catalog::IMPURE_GETENV as META;

/// Whether `node` is an operand of `== ""` or `!= ""` (either side).
fn compared_with_empty(node: &SyntaxNode) -> bool {
    let mut cur = node.clone();
    while let Some(p) = cur.parent() {
        if p.kind() == SyntaxKind::NODE_PAREN {
            cur = p;
            continue;
        }
        let is_cmp = p.kind() == SyntaxKind::NODE_BIN_OP
            && p.children_with_tokens().any(|c| {
                matches!(
                    c.kind(),
                    SyntaxKind::TOKEN_EQUAL | SyntaxKind::TOKEN_NOT_EQUAL
                )
            });
        return is_cmp
            && p.children().any(|o| {
                o != cur && {
                    let o = strip_parens(&o);
                    o.kind() == SyntaxKind::NODE_STRING && o.text() == "\"\""
                }
            });
    }
    false
}

/// The variable reference node at `range` (its `NODE_IDENT`).
fn ident_at(root: &SyntaxNode, range: TextRange) -> Option<SyntaxNode> {
    root.covering_element(range)
        .into_token()
        .and_then(|t| t.parent())
}

/// Whether the value of the `getEnv` call `call` is tested for `""`, as a
/// whole (`getEnv "X" == ""`) or through the `let` binding it is the value
/// of (`let r = getEnv "X"; in if r == "" then path else ...`).
fn value_tested_for_empty(scopes: &Scopes, root: &SyntaxNode, call: &SyntaxNode) -> bool {
    if compared_with_empty(call) {
        return true;
    }
    let mut cur = call.clone();
    while let Some(p) = cur.parent() {
        if p.kind() != SyntaxKind::NODE_PAREN {
            break;
        }
        cur = p;
    }
    let Some(binding) = cur.parent().filter(|b| {
        b.kind() == SyntaxKind::NODE_ATTRPATH_VALUE
            && b.parent()
                .is_some_and(|l| l.kind() == SyntaxKind::NODE_LET_IN)
    }) else {
        return false;
    };
    let Some(id) = binding
        .first_child()
        .and_then(|ap| ap.first_child())
        .and_then(|name| scopes.binding_at(name.text_range().start()))
    else {
        return false;
    };
    scopes
        .uses(id)
        .any(|r| ident_at(root, r.range).is_some_and(|i| compared_with_empty(&i)))
}

/// Whether `call` sits in a branch of an `if` whose condition tests some
/// `getEnv` value for `""` (`if replacement == "" then path else /. +
/// getEnv "PWD" + ...`): the branch runs only when that variable is set.
fn guarded_by_set_variable(
    scopes: &Scopes,
    root: &SyntaxNode,
    call: &SyntaxNode,
    calls: &[TextRange],
) -> bool {
    let mut child = call.clone();
    for anc in call.ancestors().skip(1) {
        if anc.kind() == SyntaxKind::NODE_IF_ELSE
            && anc.first_child().as_ref() != Some(&child)
            && let Some(cond) = anc.first_child()
        {
            let tests_env = cond.descendants().any(|n| {
                if !compared_with_empty(&n) {
                    return false;
                }
                let n = strip_parens(&n);
                if calls.contains(&n.text_range()) {
                    return true;
                }
                let Some(Resolution::Local(id)) = scopes.resolve(&n) else {
                    return false;
                };
                scopes
                    .binding(id)
                    .expr
                    .and_then(|e| e.try_to_node(root))
                    .is_some_and(|e| calls.contains(&strip_parens(&e).text_range()))
            });
            if tests_env {
                return true;
            }
        }
        child = anc;
    }
    false
}

impl Rule for ImpureGetenv {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        let scopes = cx.scopes();
        let mut uses = scopes
            .builtin_uses()
            .iter()
            .filter(|u| u.name == "getEnv" && u.kind != UseKind::Alias)
            .peekable();
        if uses.peek().is_none() {
            return;
        }
        let root = cx.file.parsed.syntax();
        let reachable = cx.reachable_from_flake();
        let sev = cx
            .project
            .reach
            .purity_severity(cx.file_index, cx.project.config.severity(&META));
        let chain = cx.project.reach.describe(cx.project.project, cx.file_index);
        let calls: Vec<TextRange> = scopes
            .builtin_uses()
            .iter()
            .filter(|u| u.name == "getEnv" && u.kind == UseKind::Call)
            .filter_map(|u| u.call.and_then(|c| c.try_to_node(&root)))
            .map(|c| c.text_range())
            .collect();
        for u in uses {
            let Some(expr) = u.expr.try_to_node(&root) else {
                continue;
            };
            let spelled = expr.text().to_string();
            let callee = if u.aliased {
                format!("`{spelled}` (an alias of `builtins.getEnv`)")
            } else {
                format!("`{spelled}`")
            };
            let (range, what) = match u.kind {
                UseKind::Call => {
                    let args = u.args(&root);
                    let var = args
                        .first()
                        .and_then(|a| literal_string(&follow_bindings(scopes, a)));
                    let range = u.call.map_or(expr.text_range(), |c| c.text_range());
                    let what = match var {
                        Some(v) => format!("{callee} reads the environment variable `{v}`"),
                        None => format!("{callee} reads an environment variable"),
                    };
                    (range, what)
                }
                _ => (
                    expr.text_range(),
                    format!(
                        "{callee} is passed on as a value; every call of it reads an environment variable"
                    ),
                ),
            };
            let message = if reachable {
                format!(
                    "{what}: under pure evaluation (flakes) it returns \"\" silently, so the selection is ignored by `nix build .#...`"
                )
            } else {
                format!(
                    "{what}: the result depends on the environment of whoever evaluates it, and under pure evaluation (flakes) it returns \"\" silently"
                )
            };
            // An override with a fallback (lon's and npins' generated
            // `LON_OVERRIDE_<name>`): the code itself handles "", which is
            // what pure evaluation gives, so it is not sure to be a mistake.
            let call = u
                .call
                .and_then(|c| c.try_to_node(&root))
                .filter(|_| u.kind == UseKind::Call);
            let fallback = call.as_ref().and_then(|c| {
                if value_tested_for_empty(scopes, &root, c) {
                    Some("the code tests it for \"\" and falls back, which is what pure evaluation takes")
                } else if guarded_by_set_variable(scopes, &root, c, &calls) {
                    Some("it sits in a branch taken only when an environment variable tested for \"\" is set, which pure evaluation never takes")
                } else {
                    None
                }
            });
            let (sev, message) = match fallback {
                Some(why) => (
                    sev.min(if reachable {
                        Severity::Warning
                    } else {
                        Severity::Info
                    }),
                    format!("{what}; {why}"),
                ),
                None => (sev, message),
            };
            let mut d = Diagnostic::new(&META, sev, cx.file, range, message);
            if let Some(c) = &chain {
                d = d.with_note(c.clone());
            }
            out.push(d.with_note(
                "make the choice an explicit input instead: one flake output per variant, a module option, or a function argument",
            ));
        }
    }
}
