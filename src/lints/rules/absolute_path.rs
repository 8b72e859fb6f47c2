//! ## absolute-path (NF0107)
//!
//! Finds path literals that start with `/` or `~/`: `/etc/nixos/hardware.nix`,
//! `~/dotfiles/vimrc`, `/home/me/${name}.nix`.
//!
//! Such a path names a file of the machine that evaluates the expression, not
//! of the repository. The configuration silently depends on that machine's
//! layout (and, for `~/`, on who runs it), and flakes' pure evaluation refuses
//! to read it at all: `nix build .#...` fails with "access to absolute path
//! ... is forbidden in pure eval mode". In files a flake output evaluates the
//! finding is therefore an error; elsewhere it is a warning, since the file may
//! still be used with `nix-build` or `nixos-rebuild` without flakes.
//!
//! Two forms are not reported because they name no file of this machine: the
//! root path `/.` (the idiom `/. + "/x"` or `/. + path` turns a string that is
//! already absolute into a path), and a path whose first segment is an
//! interpolation (`/${pkgs.path}/lib`), which is as absolute as the value
//! interpolated. Nor is a path appended to something that is not a string
//! (`nixpkgs + /lib`, `drv + /share/applications/x.desktop`): added to a
//! path it names a file under that path, added to a derivation it only
//! extends the derivation's store path as a string. Appended to a string
//! (`"${x}" + /lib`, `toString x + /lib`) it is copied to the store and is
//! still reported.
//!
//! Relative paths (`./x`, `../x`), search paths (`<nixpkgs>`, see
//! `search-path-lookup`) and strings are not reported. A path that only goes
//! through `toString` is never read, so it stays a warning even in flake files.
//!
//! ### Example
//!
//! ```nix
//! { imports = [ /etc/nixos/hardware-configuration.nix ]; }
//! ```
//!
//! ### How to fix
//!
//! Copy the file into the repository and refer to it relatively
//! (`./hardware-configuration.nix`), or make the other tree a flake input.
//! For a deliberate use, suppress the finding with
//! `# nixfold: ignore[absolute-path]`.

use crate::diagnostics::Diagnostic;
use crate::hir::{builtin_ref, strip_parens};
use crate::lints::{FileCx, Rule, RuleMeta, Severity};
use crate::syntax::{SyntaxKind, SyntaxNode};

pub struct AbsolutePathRule;
pub static RULE: AbsolutePathRule = AbsolutePathRule;

pub use crate::catalog::ABSOLUTE_PATH as META;

/// Whether `path` is the argument of a `toString` call.
fn is_to_string_arg(cx: &FileCx<'_>, path: &SyntaxNode) -> bool {
    let mut cur = path.clone();
    let mut parent = path.parent();
    while let Some(p) = parent.clone() {
        if p.kind() != SyntaxKind::NODE_PAREN {
            break;
        }
        cur = p.clone();
        parent = p.parent();
    }
    let Some(apply) = parent else {
        return false;
    };
    if apply.kind() != SyntaxKind::NODE_APPLY || apply.children().nth(1).as_ref() != Some(&cur) {
        return false;
    }
    let Some(func) = apply.first_child() else {
        return false;
    };
    builtin_ref(cx.scopes(), &strip_parens(&func)).is_some_and(|b| b.name == "toString")
}

/// `/.` (the root, used as `/. + "/x"` to make a path of an absolute string)
/// and `/${e}/...` (as absolute as the value of `e`) name no file of this
/// machine by themselves.
fn names_no_machine_file(text: &str) -> bool {
    text == "/." || text.starts_with("/${")
}

/// Whether `path` is a later operand of a `+` chain whose first operand is
/// not a string: `nixpkgs + /lib` (a path under `nixpkgs`) or
/// `drv + /share/x` (the derivation's store path extended as a string); in
/// neither does the literal name a file of this machine. After a string
/// (`"${x}" + /lib`, `toString x + /lib`) Nix copies the path to the store,
/// which reads it.
fn appended_to_non_string(cx: &FileCx<'_>, path: &SyntaxNode) -> bool {
    let mut cur = path.clone();
    let mut parent = path.parent();
    while let Some(p) = parent.clone() {
        if p.kind() != SyntaxKind::NODE_PAREN {
            break;
        }
        cur = p.clone();
        parent = p.parent();
    }
    let is_add = |n: &SyntaxNode| {
        n.kind() == SyntaxKind::NODE_BIN_OP
            && n.children_with_tokens()
                .any(|c| c.kind() == SyntaxKind::TOKEN_ADD)
    };
    let Some(op) = parent.filter(|p| is_add(p)) else {
        return false;
    };
    if op.first_child().as_ref() == Some(&cur) {
        return false;
    }
    // the first operand of the chain: `a + b + /x` is `(a + b) + /x`
    let mut first = op;
    loop {
        let Some(lhs) = first.first_child().map(|l| strip_parens(&l)) else {
            return false;
        };
        if is_add(&lhs) {
            first = lhs;
        } else {
            first = lhs;
            break;
        }
    }
    match first.kind() {
        SyntaxKind::NODE_STRING => false,
        SyntaxKind::NODE_APPLY => !first.first_child().is_some_and(|f| {
            builtin_ref(cx.scopes(), &strip_parens(&f)).is_some_and(|b| b.name == "toString")
        }),
        _ => true,
    }
}

/// `x /2`: a one-segment path given as an argument, most likely a division
/// missing its space.
fn looks_like_division(path: &SyntaxNode, text: &str) -> bool {
    text.len() > 1
        && !text[1..].contains('/')
        && path.children().next().is_none()
        && path.parent().is_some_and(|p| {
            p.kind() == SyntaxKind::NODE_APPLY && p.first_child().as_ref() != Some(path)
        })
}

impl Rule for AbsolutePathRule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, cx: &FileCx<'_>, out: &mut Vec<Diagnostic>) {
        let base = cx.project.config.severity(&META);
        let mut flake_reachable = None;
        let abs = cx.nodes(SyntaxKind::NODE_PATH_ABS);
        let home = cx.nodes(SyntaxKind::NODE_PATH_HOME);
        let mut paths: Vec<SyntaxNode> = abs.iter().chain(home).cloned().collect();
        paths.sort_by_key(|n| n.text_range().start());
        for node in paths {
            let home = match node.kind() {
                SyntaxKind::NODE_PATH_ABS => false,
                SyntaxKind::NODE_PATH_HOME => true,
                _ => continue,
            };
            let text = node.text().to_string();
            if !home && (names_no_machine_file(&text) || appended_to_non_string(cx, &node)) {
                continue;
            }
            let only_named = is_to_string_arg(cx, &node);
            let reachable = *flake_reachable.get_or_insert_with(|| cx.reachable_from_flake());
            let (severity, consequence) = if reachable && !only_named {
                (
                    Severity::Error,
                    "this file is evaluated by a flake output, and pure evaluation refuses to read it",
                )
            } else if only_named {
                (
                    base,
                    "it is only turned into a string here, but the result still names a file of this machine",
                )
            } else {
                (base, "flakes' pure evaluation would refuse to read it")
            };
            let what = if home {
                format!(
                    "home path `{text}` depends on $HOME of whoever evaluates it; {consequence}"
                )
            } else {
                format!(
                    "absolute path `{text}` names a file of this machine, not of the repository; {consequence}"
                )
            };
            let mut d = Diagnostic::new(&META, severity, cx.file, node.text_range(), what)
                .with_note(
                    "copy the file into the repository and use a relative path (./...), or make its tree a flake input",
                );
            if !home && looks_like_division(&node, &text) {
                d = d.with_note(format!(
                    "`f {text}` applies a function to the path `{text}`; for a division write `a / {}`",
                    &text[1..]
                ));
            }
            out.push(d);
        }
    }
}
