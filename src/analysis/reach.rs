//! Which files a flake evaluates.
//!
//! Starting from every `flake.nix` of the project, nixfold follows literal
//! paths in the places where Nix evaluates the file they name, transitively:
//!
//! - the arguments of `import`, `scopedImport`, any `*callPackage*`
//!   (`callPackage ./x.nix { }`, `pkgs.callPackage`, `lib.callPackageWith pkgs
//!   ./x.nix { }`), `nixos` (`pkgs.nixos ./configuration.nix`), `nixosTest`,
//!   `runNixOSTest` and `makeTest`;
//! - module lists: the value of attributes named `modules`, `imports`,
//!   `extraModules` or `sharedModules`, of any attribute path with a part
//!   ending in `Module`/`Modules` (`nixosModules.default = ./module.nix`), and
//!   of `home-manager.users.<name>`. Inside them: list items, both sides of
//!   `++`, both branches of `if`, the bodies of `let` and `with`, and the last
//!   argument of `optional`, `optionals`, `mkIf`, `mkMerge`, `mkDefault`,
//!   `mkForce`, `mkBefore`, `mkAfter`, `mkOverride` (as `lib.optional c ./x.nix`).
//!
//! A literal path is `./x.nix`, `../x`, `/abs/x.nix`, or such a path plus a
//! literal string (`./. + "/hosts/x.nix"`), relative to the directory of the
//! file it appears in. A path naming a directory means its `default.nix`.
//! Interpolated paths (`./hosts/${name}.nix`) and paths computed at run time
//! are not followed, so a file reached only that way counts as not reachable.

use std::collections::VecDeque;
use std::path::{Component, Path, PathBuf};

use crate::diagnostics::Severity;
use crate::hir::{literal_string, static_attr_name, strip_parens};
use crate::project::Project;
use crate::syntax::{SourceFile, SyntaxKind, SyntaxNode, TextRange};

use SyntaxKind::*;

/// How a file was reached: the file (index into `project.files`) and the
/// range of the path expression in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Via {
    pub file: usize,
    pub range: TextRange,
}

/// Per-file flag: reachable from a flake output.
#[derive(Debug, Clone, Default)]
pub struct Reachability {
    reachable: Vec<bool>,
    via: Vec<Option<Via>>,
    /// Per file, the argument names of each evaluation of it by a reachable
    /// file: `Some(names)` for `import ./x.nix { a = ...; inherit b; }`,
    /// `None` for any other (module lists, `callPackage`, an `import` whose
    /// argument is not a literal set).
    calls: Vec<Vec<Option<Vec<String>>>>,
}

/// A path expression in an evaluated position (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRef {
    /// Range of the whole path expression.
    pub range: TextRange,
    /// The literal path as written (`./x.nix`, `/etc/nixos`).
    pub path: String,
    /// A literal string appended with `+` (`"/x.nix"` in `./. + "/x.nix"`).
    pub suffix: String,
}

/// The project's files by normalised absolute path.
pub struct FileIndex(rustc_hash::FxHashMap<PathBuf, usize>);

impl FileIndex {
    pub fn new(project: &Project) -> Self {
        let cwd = crate::project::cwd();
        FileIndex(
            project
                .files
                .iter()
                .enumerate()
                .map(|(i, f)| (normalize(&cwd.join(&f.path)), i))
                .collect(),
        )
    }
}

impl Reachability {
    /// Mark every `flake.nix` and every file reached from one.
    pub fn compute(project: &Project) -> Self {
        Self::from_edges(project, &|i| edges(&project.files[i]))
    }

    /// [`Reachability::compute`] from each file's [`edges`] (which the
    /// caller may have computed earlier, while the file's tree was held).
    pub fn from_edges(project: &Project, edges: &dyn Fn(usize) -> Vec<Edge>) -> Self {
        Self::from_indexed_edges(project, &FileIndex::new(project), edges)
    }

    /// [`Reachability::from_edges`] with the project's [`FileIndex`]
    /// built beforehand (it needs only the paths, so it can be built while
    /// the edges are still being found).
    pub fn from_indexed_edges(
        project: &Project,
        index: &FileIndex,
        edges: &dyn Fn(usize) -> Vec<Edge>,
    ) -> Self {
        let n = project.files.len();
        let cwd = crate::project::cwd();
        let index = &index.0;
        let mut reachable = vec![false; n];
        let mut via = vec![None; n];
        let mut calls = vec![Vec::new(); n];
        let mut queue = VecDeque::new();
        for (i, f) in project.files.iter().enumerate() {
            if f.path.file_name().is_some_and(|name| name == "flake.nix") {
                reachable[i] = true;
                queue.push_back(i);
            }
        }
        while let Some(i) = queue.pop_front() {
            let file = &project.files[i];
            let abs = normalize(&cwd.join(&file.path));
            let dir = abs.parent().unwrap_or(Path::new("/"));
            for (r, args) in edges(i) {
                let Some(j) = lookup(index, dir, &r) else {
                    continue;
                };
                calls[j].push(args);
                if !reachable[j] {
                    reachable[j] = true;
                    via[j] = Some(Via {
                        file: i,
                        range: r.range,
                    });
                    queue.push_back(j);
                }
            }
        }
        Reachability {
            reachable,
            via,
            calls,
        }
    }

    /// Whether every evaluation of the file that a flake reaches is
    /// `import ./file.nix { ... }` with a literal set naming `arg` (so the
    /// default of a formal `arg ? ...` is never taken there); `false` when
    /// the file is reached no such way at all.
    pub fn every_call_passes(&self, file_index: usize, arg: &str) -> bool {
        let Some(calls) = self.calls.get(file_index) else {
            return false;
        };
        !calls.is_empty()
            && calls.iter().all(|c| {
                c.as_ref()
                    .is_some_and(|names| names.iter().any(|n| n == arg))
            })
    }

    pub fn is_reachable(&self, file_index: usize) -> bool {
        self.reachable.get(file_index).copied().unwrap_or(false)
    }

    /// Where the file was first reached from (`None` for a `flake.nix` or an
    /// unreachable file).
    pub fn via(&self, file_index: usize) -> Option<Via> {
        self.via.get(file_index).copied().flatten()
    }

    /// Severity for a purity finding in `file_index`: `base` (the rule's
    /// configured severity, normally error) when a flake evaluates the file,
    /// at most a warning otherwise.
    pub fn purity_severity(&self, file_index: usize, base: Severity) -> Severity {
        if self.is_reachable(file_index) {
            base
        } else {
            base.min(Severity::Warning)
        }
    }

    /// A note naming how a flake reaches the file, e.g.
    /// `evaluated by the flake: flake.nix → hosts/a.nix → this file`
    /// (paths relative to the project root); `None` if it is not reachable.
    pub fn describe(&self, project: &Project, file_index: usize) -> Option<String> {
        let chain = self.chain(file_index);
        if chain.is_empty() {
            return None;
        }
        if chain.len() == 1 {
            return Some("this is a flake's flake.nix, evaluated by every flake command".into());
        }
        let mut s = String::from("evaluated by the flake: ");
        for &i in &chain[..chain.len() - 1] {
            let p = &project.files[i].path;
            let rel = p.strip_prefix(&project.root).unwrap_or(p);
            s.push_str(&rel.to_string_lossy().replace('\\', "/"));
            s.push_str(" → ");
        }
        s.push_str("this file");
        Some(s)
    }

    /// The chain of files from a `flake.nix` to `file_index` (inclusive);
    /// empty when the file is not reachable.
    pub fn chain(&self, file_index: usize) -> Vec<usize> {
        if !self.is_reachable(file_index) {
            return Vec::new();
        }
        let mut out = vec![file_index];
        let mut cur = file_index;
        while let Some(v) = self.via(cur) {
            if out.contains(&v.file) {
                break;
            }
            out.push(v.file);
            cur = v.file;
        }
        out.reverse();
        out
    }
}

/// A path a file evaluates, with the argument names of its `import` call
/// (see [`Reachability::every_call_passes`]).
pub type Edge = (PathRef, Option<Vec<String>>);

/// The paths `file` evaluates (see the module docs), each with its call's
/// argument names.
pub fn edges(file: &SourceFile) -> Vec<Edge> {
    let root = file.parsed().syntax();
    edges_in(&root, root.descendants())
}

/// The node kinds at which [`edges_in`] can find an edge in a file with
/// this text: an application's head names a function that takes a path
/// (every such name contains one of a few words), and a binding's path
/// names a module list. Most files have neither, and their nodes are not
/// looked at. (Like the look at a binding's tokens in `is_module_attr`,
/// this goes by the spelling: a name written with escapes in a string,
/// `"imp\ort"`, is not recognised.)
pub fn edge_kinds(text: &str) -> &'static [SyntaxKind] {
    use crate::syntax::has_text;
    let calls = [
        "import",
        "Import",
        "nixos",
        "NixOS",
        "makeTest",
        "callPackage",
    ]
    .into_iter()
    .any(|w| has_text(text, w));
    let modules = ["odule", "imports", "home-manager"]
        .into_iter()
        .any(|w| has_text(text, w));
    match (calls, modules) {
        (true, true) => &[NODE_APPLY, NODE_ATTRPATH_VALUE],
        (true, false) => &[NODE_APPLY],
        (false, true) => &[NODE_ATTRPATH_VALUE],
        (false, false) => &[],
    }
}

/// [`edges`] from the file's `NODE_APPLY` and `NODE_ATTRPATH_VALUE` nodes
/// in document order (others are skipped), e.g. from an index the caller
/// already built.
pub fn edges_in(root: &SyntaxNode, nodes: impl Iterator<Item = SyntaxNode>) -> Vec<Edge> {
    let paths = paths_in(nodes);
    if paths.is_empty() {
        return Vec::new();
    }
    paths
        .into_iter()
        .map(|r| {
            let args = import_call_args(root, r.range);
            (r, args)
        })
        .collect()
}

/// The file a path reference names, if it is in the project: the file
/// itself, or `default.nix` inside the directory.
fn lookup(index: &rustc_hash::FxHashMap<PathBuf, usize>, dir: &Path, r: &PathRef) -> Option<usize> {
    if r.path.starts_with('~') || r.path.starts_with('<') {
        return None;
    }
    let mut full = normalize(&dir.join(&r.path)).into_os_string();
    if !r.suffix.is_empty() {
        full.push(&r.suffix);
    }
    let full = normalize(Path::new(&full));
    if let Some(&i) = index.get(&full) {
        return Some(i);
    }
    index.get(&full.join("default.nix")).copied()
}

/// The names of the literal set that the path expression at `range` is
/// imported with: `import ./x.nix { a = 1; inherit b; }` gives `[a, b]`;
/// `None` if the path is not the argument of such an `import` call.
fn import_call_args(root: &SyntaxNode, range: TextRange) -> Option<Vec<String>> {
    let mut node = match root.covering_element(range) {
        rowan::NodeOrToken::Node(n) => n,
        rowan::NodeOrToken::Token(t) => t.parent()?,
    };
    while let Some(p) = node.parent().filter(|p| p.text_range() == range) {
        node = p;
    }
    while let Some(p) = node.parent().filter(|p| p.kind() == NODE_PAREN) {
        node = p;
    }
    let import = node.parent().filter(|p| {
        p.kind() == NODE_APPLY
            && p.children().nth(1).as_ref() == Some(&node)
            && p.first_child()
                .and_then(|f| static_attr_name(&strip_parens(&f)))
                .is_some_and(|n| &*n == "import")
    })?;
    let mut applied = import;
    while let Some(p) = applied.parent().filter(|p| p.kind() == NODE_PAREN) {
        applied = p;
    }
    let call = applied
        .parent()
        .filter(|p| p.kind() == NODE_APPLY && p.first_child().as_ref() == Some(&applied))?;
    let set = strip_parens(&call.children().nth(1)?);
    if set.kind() != NODE_ATTR_SET
        || set
            .children_with_tokens()
            .any(|c| c.kind() == SyntaxKind::TOKEN_REC)
    {
        return None;
    }
    let mut names = Vec::new();
    for entry in set.children() {
        match entry.kind() {
            NODE_ATTRPATH_VALUE => {
                let first = entry.first_child()?.first_child()?;
                names.push(static_attr_name(&first)?.to_string());
            }
            NODE_INHERIT => {
                for a in entry.children().filter(|c| c.kind() != NODE_INHERIT_FROM) {
                    names.push(static_attr_name(&a)?.to_string());
                }
            }
            _ => {}
        }
    }
    Some(names)
}

/// Lexical normalization: drop `.`, resolve `..` against earlier parts.
pub fn normalize(p: &Path) -> PathBuf {
    if is_normal(p) {
        return p.to_path_buf();
    }
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let popped = match out.components().next_back() {
                    Some(Component::Normal(_)) => out.pop(),
                    Some(Component::RootDir) | Some(Component::Prefix(_)) => true,
                    _ => false,
                };
                if !popped {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Whether `p` is already what [`normalize`] makes of it: no `.` or `..`
/// segment, no empty one (`a//b`, a trailing `/`) but a leading root.
fn is_normal(p: &Path) -> bool {
    let b = p.as_os_str().as_encoded_bytes();
    let mut segs = b.split(|&c| c == b'/');
    if b.first() == Some(&b'/') {
        segs.next();
    }
    !b.is_empty() && segs.all(|s| !s.is_empty() && s != b"." && s != b"..")
}

/// Every literal path in `file` that Nix evaluates as a Nix file (see the
/// module docs), in source order.
pub fn evaluated_paths(file: &SourceFile) -> Vec<PathRef> {
    paths_in(file.parsed().syntax().descendants())
}

fn paths_in(nodes: impl Iterator<Item = SyntaxNode>) -> Vec<PathRef> {
    let mut out = Vec::new();
    for node in nodes {
        match node.kind() {
            NODE_APPLY => {
                if head_name(&node).is_some_and(|n| takes_path(&n))
                    && let Some(arg) = node.children().nth(1)
                    && let Some(p) = path_expr(&arg)
                {
                    out.push(p);
                }
            }
            NODE_ATTRPATH_VALUE if is_module_attr(&node) => {
                if let Some(value) = node.children().nth(1) {
                    collect_modules(&value, &mut out);
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|p| p.range.start());
    out.dedup_by_key(|p| p.range);
    out
}

/// Name of the function at the head of an application chain: `f` of
/// `f a b`, `callPackage` of `pkgs.callPackage ./x.nix { }`.
fn head_name(apply: &SyntaxNode) -> Option<crate::hir::AttrName> {
    let mut f = strip_parens(&apply.first_child()?);
    while f.kind() == NODE_APPLY {
        f = strip_parens(&f.first_child()?);
    }
    crate::hir::callee_name(&f)
}

fn takes_path(name: &str) -> bool {
    matches!(
        name,
        "import" | "scopedImport" | "nixos" | "nixosTest" | "runNixOSTest" | "makeTest"
    ) || name.contains("callPackage")
}

fn is_module_attr(entry: &SyntaxNode) -> bool {
    let Some(path) = entry.first_child().filter(|p| p.kind() == NODE_ATTRPATH) else {
        return false;
    };
    // Most bindings name no module list: a look at the path's tokens, before
    // any name is built.
    fn any_token(g: &rowan::GreenNodeData, f: &impl Fn(&str) -> bool) -> bool {
        g.children().any(|c| match c {
            rowan::NodeOrToken::Token(t) => f(t.text()),
            rowan::NodeOrToken::Node(n) => any_token(n, f),
        })
    }
    if !any_token(path.green(), &|t| {
        t.contains("odule") || t == "imports" || t == "home-manager"
    }) {
        return false;
    }
    let names: Vec<_> = path
        .children()
        .map(|a| static_attr_name(&a).map(|n| n.to_string()))
        .collect();
    let Some(Some(last)) = names.last() else {
        return false;
    };
    if matches!(
        last.as_str(),
        "modules" | "imports" | "extraModules" | "sharedModules"
    ) {
        return true;
    }
    if names
        .iter()
        .flatten()
        .any(|n| n.ends_with("Modules") || n.ends_with("Module"))
    {
        return true;
    }
    names.len() == 3
        && names[0].as_deref() == Some("home-manager")
        && names[1].as_deref() == Some("users")
}

/// Paths in a module-list expression.
fn collect_modules(expr: &SyntaxNode, out: &mut Vec<PathRef>) {
    stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || {
        let expr = strip_parens(expr);
        if let Some(p) = path_expr(&expr) {
            out.push(p);
            return;
        }
        match expr.kind() {
            NODE_LIST => {
                for item in expr.children() {
                    collect_modules(&item, out);
                }
            }
            NODE_BIN_OP => {
                let concat = expr
                    .children_with_tokens()
                    .any(|c| c.kind() == TOKEN_CONCAT);
                if concat {
                    for side in expr.children() {
                        collect_modules(&side, out);
                    }
                }
            }
            NODE_IF_ELSE => {
                for branch in expr.children().skip(1) {
                    collect_modules(&branch, out);
                }
            }
            NODE_LET_IN | NODE_WITH => {
                if let Some(body) = expr.last_child() {
                    collect_modules(&body, out);
                }
            }
            NODE_APPLY => {
                let wraps = head_name(&expr).is_some_and(|n| {
                    matches!(
                        &*n,
                        "optional"
                            | "optionals"
                            | "mkIf"
                            | "mkMerge"
                            | "mkDefault"
                            | "mkForce"
                            | "mkBefore"
                            | "mkAfter"
                            | "mkOverride"
                    )
                });
                if wraps && let Some(arg) = expr.children().nth(1) {
                    collect_modules(&arg, out);
                }
            }
            _ => {}
        }
    })
}

/// A literal path, or a literal path plus a literal string.
fn path_expr(expr: &SyntaxNode) -> Option<PathRef> {
    let expr = strip_parens(expr);
    match expr.kind() {
        NODE_PATH_REL | NODE_PATH_ABS => {
            let mut parts = expr.children_with_tokens();
            let tok = parts.next()?.into_token()?;
            if parts.next().is_some() {
                return None; // interpolated
            }
            Some(PathRef {
                range: expr.text_range(),
                path: tok.text().to_string(),
                suffix: String::new(),
            })
        }
        NODE_BIN_OP => {
            let is_add = expr.children_with_tokens().any(|c| c.kind() == TOKEN_ADD);
            let mut sides = expr.children();
            let (lhs, rhs) = (sides.next()?, sides.next()?);
            if !is_add {
                return None;
            }
            let mut base = path_expr(&lhs)?;
            base.suffix.push_str(&literal_string(&strip_parens(&rhs))?);
            base.range = expr.text_range();
            Some(base)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> Project {
        Project::from_sources(
            "/virtual",
            files
                .iter()
                .map(|(p, t)| SourceFile::from_text(format!("/virtual/{p}"), *t))
                .collect(),
        )
    }

    fn reached(files: &[(&str, &str)]) -> Vec<String> {
        let p = project(files);
        let r = Reachability::compute(&p);
        let mut out: Vec<String> = p
            .files
            .iter()
            .enumerate()
            .filter(|(i, _)| r.is_reachable(*i))
            .map(|(_, f)| {
                f.path
                    .strip_prefix("/virtual")
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        out.sort();
        out
    }

    /// Files whose text rules out one kind of edge give the same edges
    /// from the other kind's nodes alone as from every node.
    #[test]
    fn edge_kinds_leave_no_edge_out() {
        for src in [
            "import ./a.nix { x = 1; }",
            "{ imports = [ ./a.nix ]; }",
            "{ home-manager.users.me = ./home.nix; }",
            "{ sharedModules = [ ./m.nix ]; }",
            "pkgs.callPackage ./p.nix { }",
            "(scopedImport { } ./a.nix)",
            "nixosTest ./t.nix",
            "runNixOSTest ./t.nix",
            "{ a = import ./x.nix; modules = [ ./y.nix ]; }",
            "{ a = ./x.nix; b = f ./y.nix; }",
        ] {
            let file = SourceFile::from_text("/virtual/a.nix", src);
            let root = file.parsed().syntax();
            let kinds = edge_kinds(src);
            let nodes = root.descendants().filter(|n| kinds.contains(&n.kind()));
            assert_eq!(edges_in(&root, nodes), edges(&file), "{src}");
        }
        assert!(edge_kinds("{ a = ./x.nix; b = f ./y.nix; }").is_empty());
    }

    #[test]
    fn normalize_paths() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), Path::new("/a/c"));
        assert_eq!(normalize(Path::new("/../a")), Path::new("/a"));
        assert_eq!(normalize(Path::new("../a/./b")), Path::new("../a/b"));
        assert_eq!(normalize(Path::new("a/../../b")), Path::new("../b"));
        assert_eq!(normalize(Path::new("/a/b.nix")), Path::new("/a/b.nix"));
        assert_eq!(normalize(Path::new("a//b/")), Path::new("a/b"));
        assert_eq!(normalize(Path::new("/")), Path::new("/"));
        assert_eq!(normalize(Path::new("./a")), Path::new("a"));
    }

    #[test]
    fn follows_imports_callpackage_and_modules() {
        let r = reached(&[
            (
                "flake.nix",
                r#"{ outputs = { self, nixpkgs }: {
                    nixosConfigurations.x = nixpkgs.lib.nixosSystem {
                      modules = [ ./configuration.nix ] ++ (if true then [ ./a.nix ] else [ ./b.nix ]);
                    };
                    packages.x86_64-linux.p = nixpkgs.legacyPackages.x86_64-linux.callPackage ./pkgs/p.nix { };
                    overlays.default = import ./overlays;
                    nixosModules.default = ./module.nix;
                  }; }"#,
            ),
            (
                "configuration.nix",
                "{ lib, ... }: { imports = lib.optional true ./hw.nix ++ lib.optionals false [ ../outside.nix ./c.nix ]; }",
            ),
            ("a.nix", "{ }"),
            ("b.nix", "{ }"),
            ("c.nix", "{ }"),
            ("hw.nix", "{ }"),
            ("module.nix", "{ }"),
            (
                "pkgs/p.nix",
                "{ stdenv }: stdenv.mkDerivation { src = ./.; }",
            ),
            ("pkgs/default.nix", "{ }"),
            (
                "overlays/default.nix",
                "final: prev: { q = final.callPackage ../pkgs/q.nix { }; }",
            ),
            ("pkgs/q.nix", "{ }"),
            ("unused.nix", "import ./a.nix"),
            ("other/x.nix", "{ }"),
        ]);
        assert_eq!(
            r,
            [
                "a.nix",
                "b.nix",
                "c.nix",
                "configuration.nix",
                "flake.nix",
                "hw.nix",
                "module.nix",
                "overlays/default.nix",
                "pkgs/p.nix",
                "pkgs/q.nix",
            ]
        );
    }

    #[test]
    fn path_forms() {
        let r = reached(&[
            (
                "flake.nix",
                r#"{ outputs = _: {
                  a = import (./. + "/hosts/a.nix");
                  b = import ./hosts/${name}.nix;
                  c = import ./dir { x = 1; };
                  d = pkgs.nixos ./sys.nix;
                  e = lib.callPackageWith pkgs ./e.nix { };
                  f = builtins.readFile ./readme.nix;
                }; }"#,
            ),
            ("hosts/a.nix", "{ }"),
            ("hosts/b.nix", "{ }"),
            ("dir/default.nix", "{ }"),
            ("sys.nix", "{ }"),
            ("e.nix", "{ }"),
            ("readme.nix", "{ }"),
        ]);
        assert_eq!(
            r,
            [
                "dir/default.nix",
                "e.nix",
                "flake.nix",
                "hosts/a.nix",
                "sys.nix"
            ]
        );
    }

    #[test]
    fn no_flake_nothing_reachable_and_cycles_terminate() {
        assert!(reached(&[("a.nix", "import ./b.nix"), ("b.nix", "import ./a.nix")]).is_empty());
        let p = project(&[
            ("flake.nix", "{ outputs = _: import ./a.nix; }"),
            ("a.nix", "import ./b.nix"),
            ("b.nix", "import ./a.nix"),
        ]);
        let r = Reachability::compute(&p);
        assert!((0..3).all(|i| r.is_reachable(i)));
        let b = p.file_index(Path::new("/virtual/b.nix")).unwrap();
        let chain: Vec<_> = r
            .chain(b)
            .iter()
            .map(|&i| p.files[i].path.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(chain, ["flake.nix", "a.nix", "b.nix"]);
        let via = r.via(b).unwrap();
        assert_eq!(&*p.files[via.file].text, "import ./b.nix");
        assert_eq!(&p.files[via.file].text[via.range], "./b.nix");
    }

    #[test]
    fn home_manager_users_and_nested_flakes() {
        let r = reached(&[
            (
                "flake.nix",
                r#"{ outputs = _: { m = { home-manager.users.alice = ./home.nix; }; }; }"#,
            ),
            ("home.nix", "{ }"),
            ("sub/flake.nix", "{ outputs = _: import ./x.nix; }"),
            ("sub/x.nix", "{ }"),
        ]);
        assert_eq!(r, ["flake.nix", "home.nix", "sub/flake.nix", "sub/x.nix"]);
    }
}
