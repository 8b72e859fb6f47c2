//! Rewriting the reads and threading the parameter to them.
//!
//! Each read of V becomes `<param>.V`. A file that then refers to the
//! parameter gets it as a formal; every place that names the file by path
//! is classified (a call with arguments, a module list of `nixosSystem` or
//! `homeManagerConfiguration`, an `imports` list, a Home Manager user) and
//! passes the parameter on: `inherit variant;` in the call's arguments,
//! `specialArgs` / `extraSpecialArgs`, or (for `imports`) the module system
//! of the importing module. Passing it makes the caller refer to the
//! parameter in turn, until flake.nix is reached.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::text;
use super::{MigrateError, Planner};
use crate::analysis::variants::flow::{literal_path, resolve_file};
use crate::analysis::variants::syn;
use crate::hir::{self, Resolution, Scopes, UseKind};
use crate::syntax::ast::{self, HasEntry};
use crate::syntax::{AstNode, SyntaxKind, SyntaxNode, TextRange, TextSize};

/// How a file is used at one place that names it.
#[derive(Debug, Clone)]
pub enum Ctx {
    /// `import ./f.nix ARGS` or `callPackage ./f.nix ARGS`.
    CallArgs { file: usize, args: ast::Expr },
    /// `import ./f.nix` used as a value (the file is not a function).
    ImportValue { file: usize, node: SyntaxNode },
    /// In an `imports` list of the module `file`.
    ModuleImports { file: usize },
    /// In the `modules` of a call whose argument set is `set`; the parameter
    /// goes into `key` (`specialArgs` or `extraSpecialArgs`).
    Root {
        file: usize,
        set: ast::AttrSet,
        key: &'static str,
    },
    /// `home-manager.users.<name>`: the parameter goes into
    /// `<prefix>.extraSpecialArgs` of `set`.
    HmUsers {
        file: usize,
        set: ast::AttrSet,
        prefix: Vec<String>,
    },
    /// The file `file` evaluates to this file (`default.nix = import ./x.nix`).
    Forward { file: usize },
    /// Anything else.
    Unknown { file: usize, node: SyntaxNode },
}

impl Ctx {
    /// The file holding the place.
    pub fn file(&self) -> usize {
        match self {
            Ctx::CallArgs { file, .. }
            | Ctx::ImportValue { file, .. }
            | Ctx::ModuleImports { file }
            | Ctx::Root { file, .. }
            | Ctx::HmUsers { file, .. }
            | Ctx::Forward { file }
            | Ctx::Unknown { file, .. } => *file,
        }
    }
}

impl Planner<'_> {
    /// Rewrite every environment read of `file`; returns whether it had any.
    pub(super) fn rewrite_reads(&mut self, file: usize) -> Result<bool, MigrateError> {
        let root = self.roots[file].clone();
        let scopes = self.scopes(file);
        let uses: Vec<hir::BuiltinUse> =
            hir::find_builtin_uses(&scopes, "getEnv").copied().collect();
        let param = self.param.clone();
        // `lib.maybeEnv "V" default` (the read happens inside lib).
        let mut maybe = false;
        for r in syn::env_reads(&scopes, &root) {
            let Some(e) = ast::Expr::cast(r.node.clone()) else {
                continue;
            };
            let Some((name, args)) = syn::prim_call(&scopes, &e) else {
                continue;
            };
            if name != "maybeEnv" {
                continue;
            }
            let (Some(v), [_, d]) = (r.name.clone(), args.as_slice()) else {
                return Err(self.err_at(
                    file,
                    r.range.start(),
                    "`maybeEnv` with a computed variable name cannot be migrated",
                ));
            };
            self.vars.insert(v.clone());
            let sel = format!("{param}.{}", text::attr_name(&v));
            let d = text::paren_if_needed(d, d.syntax().text().to_string());
            self.edits[file].push(
                r.range,
                format!("(if {sel} == \"\" then {d} else {sel})"),
                true,
            );
            maybe = true;
        }
        if uses.is_empty() {
            return Ok(maybe);
        }
        let mut rewritten: Vec<TextRange> = Vec::new();
        let mut aliases: Vec<SyntaxNode> = Vec::new();
        for u in &uses {
            let Some(expr) = u.expr.try_to_node(&root) else {
                continue;
            };
            match u.kind {
                UseKind::Call => {
                    let Some(call) = u.call.and_then(|c| c.try_to_node(&root)) else {
                        continue;
                    };
                    let args = u.args(&root);
                    let Some(arg) = args.first() else { continue };
                    let replacement = match hir::literal_string(&hir::strip_parens(arg)) {
                        Some(v) => {
                            self.vars.insert(v.clone());
                            format!("{param}.{}", text::attr_name(&v))
                        }
                        None => {
                            self.dynamic = true;
                            format!("({param}.${{{}}} or \"\")", hir::strip_parens(arg).text())
                        }
                    };
                    self.edits[file].push(call.text_range(), replacement, true);
                    rewritten.push(call.text_range());
                }
                UseKind::Alias => aliases.push(expr),
                UseKind::Reference => {
                    return Err(self.err_at(
                        file,
                        expr.text_range().start(),
                        "`getEnv` is used as a value here; nixfold migrate can only rewrite \
                         calls `getEnv \"NAME\"` (call it directly, then migrate)",
                    ));
                }
            }
        }
        self.remove_aliases(file, &scopes, &aliases, &rewritten)?;
        Ok(true)
    }

    /// Remove alias bindings of getEnv whose every use was rewritten.
    fn remove_aliases(
        &mut self,
        file: usize,
        scopes: &Scopes,
        aliases: &[SyntaxNode],
        rewritten: &[TextRange],
    ) -> Result<(), MigrateError> {
        let text = self.text(file).to_string();
        // (binding id, defining node)
        let mut cands = Vec::new();
        for a in aliases {
            let Some(id) = scopes.binding_at(a.text_range().start()).or_else(|| {
                // `env = builtins.getEnv;`: the binder is the attrpath.
                let entry = a
                    .ancestors()
                    .find(|n| n.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)?;
                let ap = ast::AttrpathValue::cast(entry)?.attrpath()?;
                scopes.binding_at(ap.syntax().text_range().start())
            }) else {
                continue;
            };
            cands.push((id, a.clone()));
        }
        let mut removed: Vec<TextRange> = Vec::new();
        loop {
            let mut changed = false;
            for (id, node) in &cands {
                let def_range = match node.ancestors().find(|n| {
                    matches!(
                        n.kind(),
                        SyntaxKind::NODE_ATTRPATH_VALUE | SyntaxKind::NODE_INHERIT
                    )
                }) {
                    Some(d) => d.text_range(),
                    None => continue,
                };
                if removed.contains(&def_range) && node.kind() != SyntaxKind::NODE_IDENT {
                    continue;
                }
                let all_rewritten = scopes.uses(*id).all(|r| {
                    rewritten
                        .iter()
                        .chain(removed.iter())
                        .any(|w| w.contains_range(r.range))
                });
                if all_rewritten && !removed.iter().any(|r| r.contains_range(node.text_range())) {
                    let r = self.remove_binding(file, &text, node)?;
                    removed.push(r);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        Ok(())
    }

    /// Delete the binding that defines the alias at `node`; returns the
    /// range of what was deleted.
    fn remove_binding(
        &mut self,
        file: usize,
        text: &str,
        node: &SyntaxNode,
    ) -> Result<TextRange, MigrateError> {
        if let Some(inherit) = node.ancestors().find_map(ast::Inherit::cast) {
            let attrs: Vec<ast::Attr> = inherit.attrs().collect();
            if attrs.len() > 1 {
                // Only this name: delete it with the space before it.
                let r = node.text_range();
                let start = text[..usize::from(r.start())]
                    .trim_end_matches([' ', '\t'])
                    .len();
                let range = TextRange::new(TextSize::from(start as u32), r.end());
                self.edits[file].push(range, "", false);
                return Ok(range);
            }
            let range = whole_lines(text, inherit.syntax());
            self.edits[file].push(range, "", false);
            return Ok(range);
        }
        let Some(entry) = node
            .ancestors()
            .find(|n| n.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)
        else {
            return Err(self.err_at(file, node.text_range().start(), "cannot remove this alias"));
        };
        let range = whole_lines(text, &entry);
        self.edits[file].push(range, "", false);
        Ok(range)
    }

    /// Every place that names each file by a literal path.
    pub(super) fn index_references(&mut self) {
        let mut refs: HashMap<usize, Vec<(usize, SyntaxNode)>> = HashMap::new();
        for (g, root) in self.roots.iter().enumerate() {
            let Some(dir) = self.project.files[g].path.parent() else {
                continue;
            };
            for n in root.descendants() {
                if n.kind() != SyntaxKind::NODE_PATH_REL {
                    continue;
                }
                let Some(e) = ast::Expr::cast(n.clone()) else {
                    continue;
                };
                let Some(p) = literal_path(&e) else { continue };
                if let Some(f) = resolve_file(self.project, dir, &p)
                    && f != g
                {
                    refs.entry(f).or_default().push((g, n));
                }
            }
        }
        self.refs = refs;
    }

    /// Classify every place that names `f`.
    fn contexts(&self, f: usize) -> Vec<Ctx> {
        let mut out = Vec::new();
        for (g, node) in self.refs.get(&f).cloned().unwrap_or_default() {
            self.classify(g, node, 0, &mut out);
        }
        out
    }

    fn classify(&self, g: usize, node: SyntaxNode, depth: u32, out: &mut Vec<Ctx>) {
        use SyntaxKind::*;
        if depth > 16 {
            out.push(Ctx::Unknown { file: g, node });
            return;
        }
        let mut cur = node;
        let mut imported = false;
        loop {
            let Some(parent) = cur.parent() else {
                out.push(Ctx::Unknown { file: g, node: cur });
                return;
            };
            match parent.kind() {
                NODE_ROOT => {
                    out.push(Ctx::Forward { file: g });
                    return;
                }
                NODE_PAREN | NODE_LIST | NODE_BIN_OP => cur = parent,
                NODE_IF_ELSE => {
                    let ie = ast::IfElse::cast(parent.clone()).unwrap();
                    if ie.condition().is_some_and(|c| c.syntax() == &cur) {
                        out.push(Ctx::Unknown { file: g, node: cur });
                        return;
                    }
                    cur = parent;
                }
                NODE_APPLY => {
                    let app = ast::Apply::cast(parent.clone()).unwrap();
                    let is_arg = app.argument().is_some_and(|a| a.syntax() == &cur);
                    if !is_arg {
                        out.push(Ctx::Unknown { file: g, node: cur });
                        return;
                    }
                    let f = app.lambda().map(syn::unparen);
                    let is_import = f.as_ref().is_some_and(is_import_fn);
                    let is_call_package = f
                        .as_ref()
                        .is_some_and(|f| is_call_package_fn(f) || is_call_package_with_fn(f));
                    if is_import || is_call_package {
                        // Applied to arguments?
                        let mut outer = parent.clone();
                        while let Some(p) = outer.parent()
                            && p.kind() == NODE_PAREN
                        {
                            outer = p;
                        }
                        if let Some(p) = outer.parent()
                            && let Some(app2) = ast::Apply::cast(p)
                            && app2.lambda().is_some_and(|l| l.syntax() == &outer)
                            && let Some(args) = app2.argument()
                        {
                            out.push(Ctx::CallArgs { file: g, args });
                            return;
                        }
                        if is_call_package {
                            out.push(Ctx::Unknown {
                                file: g,
                                node: parent,
                            });
                            return;
                        }
                        imported = true;
                        cur = parent;
                        continue;
                    }
                    // Another function applied to it (`lib.optionals c [ ./x.nix ]`).
                    cur = parent;
                }
                NODE_ATTRPATH_VALUE => {
                    let entry = ast::AttrpathValue::cast(parent.clone()).unwrap();
                    let names = entry.attrpath().map(|p| path_names(&p)).unwrap_or_default();
                    let in_let = parent
                        .parent()
                        .is_some_and(|p| matches!(p.kind(), NODE_LET_IN | NODE_LEGACY_LET));
                    if in_let && names.len() == 1 {
                        self.classify_binding_uses(g, &parent, depth, out);
                        return;
                    }
                    let last = names.last().map(String::as_str).unwrap_or("");
                    if last == "imports" {
                        out.push(Ctx::ModuleImports { file: g });
                        return;
                    }
                    if last == "modules"
                        && let Some(set) = parent.parent().and_then(ast::AttrSet::cast)
                    {
                        let callee = call_of_set(&set);
                        let key = match callee.as_deref() {
                            Some("nixosSystem" | "evalModules" | "darwinSystem") => {
                                Some("specialArgs")
                            }
                            Some("homeManagerConfiguration") => Some("extraSpecialArgs"),
                            _ => None,
                        };
                        if let Some(key) = key {
                            out.push(Ctx::Root { file: g, set, key });
                            return;
                        }
                    }
                    if let Some(ctx) = hm_users(g, &entry) {
                        out.push(ctx);
                        return;
                    }
                    let _ = imported;
                    out.push(Ctx::Unknown { file: g, node: cur });
                    return;
                }
                _ => {
                    if imported && parent.kind() != NODE_LAMBDA {
                        out.push(Ctx::ImportValue { file: g, node: cur });
                        return;
                    }
                    out.push(Ctx::Unknown { file: g, node: cur });
                    return;
                }
            }
        }
    }

    /// The uses of the `let` binding defined by `entry`, classified.
    fn classify_binding_uses(&self, g: usize, entry: &SyntaxNode, depth: u32, out: &mut Vec<Ctx>) {
        let root = &self.roots[g];
        let scopes = self.scopes(g);
        let Some(ap) = ast::AttrpathValue::cast(entry.clone()).and_then(|e| e.attrpath()) else {
            return;
        };
        let Some(id) = scopes.binding_at(ap.syntax().text_range().start()) else {
            out.push(Ctx::Unknown {
                file: g,
                node: entry.clone(),
            });
            return;
        };
        for r in scopes.uses(id) {
            let Some(tok) = root.token_at_offset(r.range.start()).right_biased() else {
                continue;
            };
            let Some(ident) = tok.parent() else { continue };
            if ident
                .parent()
                .is_some_and(|p| p.kind() == SyntaxKind::NODE_INHERIT)
            {
                out.push(Ctx::Unknown {
                    file: g,
                    node: ident,
                });
                continue;
            }
            self.classify(g, ident, depth + 1, out);
        }
    }

    /// The file `f` refers to the parameter: give it to `f` and make every
    /// user of `f` pass it.
    pub(super) fn thread_file(&mut self, f: usize) -> Result<(), MigrateError> {
        let (ctxs, unreached): (Vec<Ctx>, Vec<Ctx>) = self
            .contexts(f)
            .into_iter()
            .partition(|c| !self.outside(c.file()));
        // Callers the flake does not evaluate are left as they are; the new
        // formal gets a default so that they keep working.
        let callers: BTreeSet<String> = unreached.iter().map(|c| self.rel(c.file())).collect();
        if !callers.is_empty() {
            let plain = unreached.iter().all(|c| matches!(c, Ctx::CallArgs { .. }));
            self.notes.push(format!(
                "{} (which the flake does not evaluate, left as it is) uses {}; its new `{}` \
                 argument defaults to the default variant{}",
                callers.into_iter().collect::<Vec<_>>().join(", "),
                self.rel(f),
                self.param,
                if plain {
                    " so that it keeps working"
                } else {
                    ", but a module system gives modules no defaults: set \
                     `_module.args` there if you still use it"
                }
            ));
            self.defaulted.insert(f);
        }
        // A module handed around as a value (a let-bound list, a helper's
        // argument, `map`): every module system of the flake gets the
        // parameter.
        let broadcast =
            ctxs.iter().any(|c| matches!(c, Ctx::Unknown { .. })) && self.module_shaped(f);
        // A module the flake reaches in a way nixfold cannot follow
        // (`./. + "/${name}.nix"`, `readDir`, `import-tree`): the same.
        let reached_somehow = ctxs.is_empty()
            && self.has_flake
            && !self.flake_parts()
            && self.module_shaped(f)
            && !self.defaulted.contains(&f)
            && !self.module_roots().is_empty();
        if reached_somehow {
            let root = self.roots[f].clone();
            self.broadcast(f, f, &root)?;
            self.add_formal(f, true, false, false)?;
            return Ok(());
        }
        let module = broadcast
            || ctxs.iter().any(|c| {
                matches!(
                    c,
                    Ctx::ModuleImports { .. } | Ctx::Root { .. } | Ctx::HmUsers { .. }
                )
            });
        let import_value = ctxs.iter().any(|c| matches!(c, Ctx::ImportValue { .. }));
        let orphan = ctxs.is_empty();
        self.add_formal(f, module, import_value, orphan)?;
        self.pass_on(f, &ctxs, &mut HashSet::new())
    }

    fn pass_on(
        &mut self,
        f: usize,
        ctxs: &[Ctx],
        seen: &mut HashSet<usize>,
    ) -> Result<(), MigrateError> {
        let param = self.param.clone();
        for c in ctxs {
            if self.outside(c.file()) {
                continue;
            }
            match c {
                Ctx::CallArgs { file, args } if self.positional.contains(&f) => {
                    // `import ./f.nix a` of `a: ...` made `a: variant: ...`.
                    if self.done.insert((
                        *file,
                        args.syntax().text_range().end(),
                        "positional".into(),
                    )) {
                        self.edits[*file].append(
                            args.syntax().text_range().end(),
                            format!(" {param}"),
                            true,
                        );
                    }
                    self.need(*file);
                }
                Ctx::CallArgs { file, args } => {
                    self.add_inherit(*file, args);
                    self.need(*file);
                }
                Ctx::ImportValue { file, node } => {
                    if self
                        .done
                        .insert((*file, node.text_range().start(), String::new()))
                    {
                        self.edits[*file].append(
                            node.text_range().end(),
                            format!(" {{ inherit {param}; }}"),
                            true,
                        );
                    }
                    self.need(*file);
                }
                Ctx::ModuleImports { file } => {
                    if seen.insert(*file) {
                        let up = self.contexts(*file);
                        if up.is_empty() && !self.has_flake && self.is_module_file(*file) {
                            // A root module without flake.nix: it binds the
                            // variant and hands it on with `_module.args`.
                            self.check_not_for_imports(f, *file)?;
                            self.module_args_roots.insert(*file);
                            self.need(*file);
                        } else if up.is_empty() && self.has_flake {
                            if self.flake_parts() {
                                let what = self.rel(f);
                                return Err(self.err_at(
                                    *file,
                                    TextSize::from(0),
                                    &format!(
                                        "{what} reads the environment and is imported by a \
                                         flake-parts module ({}); nixfold migrate does not thread \
                                         the variant through flake-parts modules yet. Move the \
                                         read into a NixOS or Home Manager module that a \
                                         `nixosSystem` / `homeManagerConfiguration` call lists by \
                                         path and run again",
                                        self.rel(*file)
                                    ),
                                ));
                            }
                            if self.module_shaped(*file) && !self.module_roots().is_empty() {
                                let root = self.roots[*file].clone();
                                self.broadcast(*file, *file, &root)?;
                            }
                        }
                        self.pass_on(*file, &up, seen)?;
                    }
                }
                Ctx::Root { file, set, key } => {
                    self.ensure_arg(*file, set, &[key.to_string()]);
                    self.need(*file);
                }
                Ctx::HmUsers { file, set, prefix } => {
                    let mut path = prefix.clone();
                    path.push("extraSpecialArgs".into());
                    self.ensure_arg(*file, set, &path);
                    self.need(*file);
                }
                Ctx::Forward { file } => {
                    if seen.insert(*file) {
                        let up = self.contexts(*file);
                        self.pass_on(*file, &up, seen)?;
                    }
                }
                Ctx::Unknown { file, node } if self.module_shaped(f) => {
                    self.broadcast(f, *file, node)?;
                }
                Ctx::Unknown { file, node } => {
                    let what = self.rel(f);
                    return Err(self.err_at(
                        *file,
                        node.text_range().start(),
                        &format!(
                            "cannot pass `{param}` to {what} here: it is not a call \
                             (`import`/`callPackage` with arguments), a module list or an `imports` list"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The `let` bindings of `file` whose values read the environment,
    /// directly or through other such bindings.
    fn env_let_bindings(&self, file: usize) -> HashSet<hir::BindingId> {
        let scopes = self.scopes(file);
        let sites = self.edits[file].need_sites();
        let lets: Vec<(hir::BindingId, TextRange)> = scopes
            .bindings()
            .filter(|(_, b)| b.kind == hir::BindingKind::Let)
            .filter_map(|(id, b)| b.expr.map(|e| (id, e.text_range())))
            .collect();
        let mut dep: HashSet<hir::BindingId> = lets
            .iter()
            .filter(|(_, r)| sites.iter().any(|s| r.contains(*s)))
            .map(|(id, _)| *id)
            .collect();
        loop {
            let before = dep.len();
            for (id, r) in &lets {
                if !dep.contains(id)
                    && dep
                        .iter()
                        .any(|d| scopes.uses(*d).any(|u| r.contains_range(u.range)))
                {
                    dep.insert(*id);
                }
            }
            if dep.len() == before {
                return dep;
            }
        }
    }

    /// Whether the flake is built with flake-parts (`mkFlake`).
    fn flake_parts(&self) -> bool {
        (0..self.roots.len()).any(|g| {
            self.project.files[g]
                .path
                .file_name()
                .is_some_and(|n| n == "flake.nix")
                && !self.outside(g)
                && self.text(g).contains("mkFlake")
        })
    }

    /// Whether file `f` looks like a module: a function of an attribute set
    /// with `...` or with module arguments.
    fn module_shaped(&self, f: usize) -> bool {
        match ast::Root::cast(self.roots[f].clone()).and_then(|r| r.expr()) {
            Some(ast::Expr::Lambda(l)) => match l.param() {
                Some(ast::Param::Pattern(p)) => {
                    p.ellipsis_token().is_some() || looks_like_module(&p)
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// The module `f` is used as a value at `node` of `g`, where nixfold
    /// cannot follow it: give the parameter to every module system the
    /// flake builds (`specialArgs`, `extraSpecialArgs`, Home Manager's
    /// `home-manager.extraSpecialArgs`), which hand it to all their modules.
    fn broadcast(&mut self, f: usize, g: usize, node: &SyntaxNode) -> Result<(), MigrateError> {
        let roots = self.module_roots();
        if roots.is_empty() {
            let what = self.rel(f);
            return Err(self.err_at(
                g,
                node.text_range().start(),
                &format!(
                    "cannot pass `{}` to {what}: the module is used as a value here and no \
                     `nixosSystem`, `darwinSystem`, `homeManagerConfiguration` or Home Manager \
                     `home-manager.users` the flake evaluates could hand it on; pass it with \
                     `specialArgs` yourself and run again",
                    self.param
                ),
            ));
        }
        if g == f
            && self
                .done
                .insert((g, TextSize::from(0), format!("broadcast {f}")))
        {
            self.notes.push(format!(
                "{} is reached in a way nixfold cannot follow (nothing names it by a literal \
                 path); every module system of the flake gets `{}` (`specialArgs`/`extraSpecialArgs`)",
                self.rel(f),
                self.param
            ));
        } else if self
            .done
            .insert((g, TextSize::from(0), format!("broadcast {f}")))
        {
            let lc = self.project.files[g].line_col(node.text_range().start());
            self.notes.push(format!(
                "{} is handed around as a value ({}:{}); every module system of the flake gets \
                 `{}` (`specialArgs`/`extraSpecialArgs`)",
                self.rel(f),
                self.rel(g),
                lc.line,
                self.param
            ));
        }
        for (file, set, path) in roots {
            self.ensure_arg(file, &set, &path);
            self.need(file);
        }
        Ok(())
    }

    /// Every module system the flake may evaluate whose arguments are
    /// written as an attribute set: (file, set, where the parameter goes).
    fn module_roots(&self) -> Vec<(usize, ast::AttrSet, Vec<String>)> {
        let mut out = Vec::new();
        for g in 0..self.roots.len() {
            if self.outside(g) {
                continue;
            }
            for n in self.roots[g].descendants() {
                if let Some(set) = ast::AttrSet::cast(n.clone()) {
                    let key = match call_of_set(&set).as_deref() {
                        Some("nixosSystem" | "evalModules" | "darwinSystem") => "specialArgs",
                        Some("homeManagerConfiguration") => "extraSpecialArgs",
                        _ => continue,
                    };
                    out.push((g, set, vec![key.to_string()]));
                } else if let Some(entry) = ast::AttrpathValue::cast(n)
                    && let Some(Ctx::HmUsers { set, prefix, .. }) = hm_users(g, &entry)
                {
                    let mut path = prefix;
                    path.push("extraSpecialArgs".into());
                    if !out
                        .iter()
                        .any(|(h, s, p): &(usize, ast::AttrSet, Vec<String>)| {
                            *h == g && s.syntax() == set.syntax() && *p == path
                        })
                    {
                        out.push((g, set, path));
                    }
                }
            }
        }
        out
    }

    /// Add the parameter to the file's function (or make it one).
    fn add_formal(
        &mut self,
        f: usize,
        module: bool,
        import_value: bool,
        orphan: bool,
    ) -> Result<(), MigrateError> {
        let param = self.param.clone();
        let root = self.roots[f].clone();
        let Some(expr) = ast::Root::cast(root).and_then(|r| r.expr()) else {
            return Err(self.err_at(f, TextSize::from(0), "empty file"));
        };
        let module_like = match &expr {
            ast::Expr::Lambda(l) => match l.param() {
                Some(ast::Param::Pattern(p)) => looks_like_module(&p),
                _ => false,
            },
            _ => false,
        };
        if orphan && module_like && !self.has_flake {
            // No flake.nix to pass it: the root module chooses its variant.
            let ast::Expr::Lambda(l) = &expr else {
                unreachable!("module_like implies a lambda")
            };
            return self.bind_in_root(f, l);
        }
        // Refusals point at the file's first read (its first use of the
        // parameter), or at the file when it only passes the variant on.
        let first_read = self.edits[f]
            .need_sites()
            .into_iter()
            .min()
            .unwrap_or(expr.syntax().text_range().start());
        if orphan && module_like && !self.defaulted.contains(&f) && self.flake_parts() {
            return Err(self.err_at(
                f,
                first_read,
                &format!(
                    "{} reads the environment and is a flake-parts module (or reached only \
                     through flake-parts' `imports`/`import-tree`); nixfold migrate does not \
                     thread the variant through flake-parts modules yet. Move the read into a \
                     NixOS or Home Manager module that a `nixosSystem` / \
                     `homeManagerConfiguration` call lists by path, or declare the values in \
                     the flake-parts module itself, and run again",
                    self.rel(f)
                ),
            ));
        }
        if orphan && module_like && !self.defaulted.contains(&f) {
            return Err(self.err_at(
                f,
                first_read,
                &format!(
                    "{} is a module that nothing in the tree passes arguments to; nixfold migrate \
                     gives modules the variant through `specialArgs` of `nixosSystem` (or \
                     `extraSpecialArgs` of Home Manager), so it needs a flake.nix that builds this \
                     module",
                    self.rel(f)
                ),
            ));
        }
        let default = if (orphan && !module) || self.defaulted.contains(&f) {
            Some(self.default_record())
        } else {
            None
        };
        let formal = match &default {
            Some(d) => format!("{param} ? {d}"),
            None => param.clone(),
        };
        match &expr {
            ast::Expr::Lambda(l) => match l.param() {
                Some(ast::Param::Pattern(p)) => {
                    if p.pat_entries().any(|e| {
                        e.ident()
                            .and_then(|i| syn::ident_name(&i))
                            .is_some_and(|n| n == param)
                    }) {
                        return Ok(());
                    }
                    let text = self.text(f).to_string();
                    let entries: Vec<ast::PatEntry> = p.pat_entries().collect();
                    match entries.last() {
                        Some(last) => {
                            // Follow the separator style between formals.
                            let sep = if entries.len() >= 2 {
                                let a = entries[entries.len() - 2].syntax().text_range().end();
                                let b = last.syntax().text_range().start();
                                text[usize::from(a)..usize::from(b)].to_string()
                            } else {
                                let after = &text[usize::from(last.syntax().text_range().end())..];
                                let comma_nl =
                                    after.trim_start_matches([' ', '\t']).starts_with(",\n");
                                if comma_nl
                                    || p.ellipsis_token().is_none()
                                        && after.trim_start().starts_with('\n')
                                {
                                    format!(
                                        ",\n{}",
                                        text::line_indent(
                                            &text,
                                            last.syntax().text_range().start()
                                        )
                                    )
                                } else {
                                    ", ".to_string()
                                }
                            };
                            self.edits[f].insert(
                                last.syntax().text_range().end(),
                                format!("{sep}{formal}"),
                                false,
                            );
                        }
                        None => match p.ellipsis_token() {
                            Some(dots) => self.edits[f].insert(
                                dots.text_range().start(),
                                format!("{formal}, "),
                                false,
                            ),
                            None => {
                                // `{ }:`
                                let open = p.syntax().first_token().map(|t| t.text_range());
                                let close = p
                                    .syntax()
                                    .children_with_tokens()
                                    .filter_map(|c| c.into_token())
                                    .find(|t| t.kind() == SyntaxKind::TOKEN_R_BRACE)
                                    .map(|t| t.text_range());
                                let (Some(o), Some(c)) = (open, close) else {
                                    return Err(self.err_at(
                                        f,
                                        p.syntax().text_range().start(),
                                        "odd pattern",
                                    ));
                                };
                                self.edits[f].push(
                                    TextRange::new(o.end(), c.start()),
                                    format!(" {formal} "),
                                    false,
                                );
                            }
                        },
                    }
                    Ok(())
                }
                Some(ast::Param::IdentParam(ip)) if module => {
                    let r = ip.syntax().text_range();
                    let name = ip.syntax().text().to_string();
                    self.edits[f].push(r, format!("{{ {param}, ... }}@{name}"), false);
                    Ok(())
                }
                Some(ast::Param::IdentParam(_))
                    if !import_value
                        && !orphan
                        && self.contexts(f).iter().all(|c| {
                            matches!(c, Ctx::CallArgs { .. }) || self.outside(c.file())
                        }) =>
                {
                    // `a: body` called as `import ./f.nix x`: it becomes
                    // `a: variant: body`, called as `import ./f.nix x variant`.
                    let Some(colon) = l
                        .syntax()
                        .children_with_tokens()
                        .filter_map(|c| c.into_token())
                        .find(|t| t.kind() == SyntaxKind::TOKEN_COLON)
                    else {
                        return Err(self.err_at(
                            f,
                            l.syntax().text_range().start(),
                            "odd function",
                        ));
                    };
                    if self.defaulted.contains(&f) {
                        return Err(self.err_at(
                            f,
                            l.syntax().text_range().start(),
                            &format!(
                                "{} takes a plain argument and is also called from files the \
                                 flake does not evaluate; a second argument cannot have a default. \
                                 Make it take an attribute set (`{{ name }}: ...`) and run again",
                                self.rel(f)
                            ),
                        ));
                    }
                    self.edits[f].insert(colon.text_range().end(), format!(" {param}:"), false);
                    self.positional.insert(f);
                    Ok(())
                }
                _ => Err(self.err_at(
                    f,
                    expr.syntax().text_range().start(),
                    &format!(
                        "cannot add `{param}` to this function: it takes a plain argument and \
                         is not only called with one (`import ./file.nix value`); make it take \
                         an attribute set (`{{ name, ... }}: ...`) and run again"
                    ),
                )),
            },
            _ => {
                let at = expr.syntax().text_range().start();
                let head = if module {
                    format!("{{ {param}, ... }}:\n")
                } else if import_value || orphan {
                    format!("{{ {formal} }}:\n")
                } else {
                    return Err(self.err_at(
                        f,
                        at,
                        &format!(
                            "this file is called with arguments but is not a function; cannot add `{param}`"
                        ),
                    ));
                };
                self.edits[f].insert(at, head, false);
                Ok(())
            }
        }
    }

    /// Add `inherit <param>;` to an argument set (or `// { inherit <param>; }`).
    pub(super) fn add_inherit(&mut self, file: usize, args: &ast::Expr) {
        let param = self.param.clone();
        let key = (
            file,
            args.syntax().text_range().start(),
            "inherit".to_string(),
        );
        if !self.done.insert(key) {
            return;
        }
        let text = self.text(file).to_string();
        match syn::unparen(args.clone()) {
            ast::Expr::AttrSet(set) if set.rec_token().is_none() => {
                let mut first_inherit = None;
                for e in set.entries() {
                    match e {
                        ast::Entry::Inherit(inh) if inh.from().is_none() => {
                            if inh
                                .attrs()
                                .any(|a| syn::attr_name(&a).as_deref() == Some(&param))
                            {
                                return;
                            }
                            // Not next to a `let` binding, which may become
                            // a function of the variant (`inherit user;` →
                            // `user = user variant;`).
                            let scopes = self.scopes(file);
                            let env_lets = self.env_let_bindings(file);
                            let of_let = inh.attrs().any(|a| {
                                matches!(
                                    scopes.resolve(a.syntax()),
                                    Some(Resolution::Local(id)) if env_lets.contains(&id)
                                )
                            });
                            if first_inherit.is_none() && !of_let {
                                first_inherit = Some(inh);
                            }
                        }
                        ast::Entry::AttrpathValue(av)
                            if av
                                .attrpath()
                                .map(|p| path_names(&p))
                                .is_some_and(|n| n == [param.clone()]) =>
                        {
                            return;
                        }
                        _ => {}
                    }
                }
                if let Some(inh) = first_inherit
                    && let Some(last) = inh.attrs().last()
                {
                    self.edits[file].insert(
                        last.syntax().text_range().end(),
                        format!(" {param}"),
                        true,
                    );
                    return;
                }
                text::insert_set_entry(
                    &text,
                    &mut self.edits[file],
                    &set,
                    &format!("inherit {param};"),
                    true,
                );
            }
            other => {
                let s = text::paren_if_needed(&other, args.syntax().text().to_string());
                self.edits[file].push(
                    args.syntax().text_range(),
                    format!("{s} // {{ inherit {param}; }}"),
                    true,
                );
            }
        }
    }

    /// Make `path` (relative to `set`) an argument set that inherits the parameter.
    fn ensure_arg(&mut self, file: usize, set: &ast::AttrSet, path: &[String]) {
        let key = (file, set.syntax().text_range().start(), path.join("."));
        if !self.done.insert(key) {
            return;
        }
        let param = self.param.clone();
        for e in set.entries() {
            let ast::Entry::AttrpathValue(av) = e else {
                continue;
            };
            let Some(names) = av.attrpath().map(|p| path_names(&p)) else {
                continue;
            };
            let Some(value) = av.value() else { continue };
            if names == path {
                self.add_inherit(file, &value);
                return;
            }
            if names.len() < path.len()
                && path.starts_with(&names)
                && let ast::Expr::AttrSet(inner) = syn::unparen(value)
            {
                self.ensure_arg(file, &inner, &path[names.len()..]);
                return;
            }
        }
        let text = self.text(file).to_string();
        let name: Vec<String> = path.iter().map(|n| text::attr_name(n)).collect();
        text::insert_set_entry(
            &text,
            &mut self.edits[file],
            set,
            &format!("{} = {{ inherit {param}; }};", name.join(".")),
            true,
        );
    }

    /// Whether file `f` is a module (`{ config, ... }: ...`).
    fn is_module_file(&self, f: usize) -> bool {
        match ast::Root::cast(self.roots[f].clone()).and_then(|r| r.expr()) {
            Some(ast::Expr::Lambda(l)) => match l.param() {
                Some(ast::Param::Pattern(p)) => looks_like_module(&p),
                _ => false,
            },
            _ => false,
        }
    }

    /// Modules below a root without flake.nix get the variant from
    /// `_module.args`, which their `imports` must not depend on: refuse a
    /// module whose `imports` may.
    fn check_not_for_imports(&self, f: usize, root: usize) -> Result<(), MigrateError> {
        let sites = self.edits[f].need_sites();
        let tree = self.roots[f].clone();
        let mut in_let = false;
        for node in tree.descendants() {
            let Some(av) = ast::AttrpathValue::cast(node.clone()) else {
                continue;
            };
            let r = av.syntax().text_range();
            let names = av.attrpath().map(|p| path_names(&p)).unwrap_or_default();
            let in_let_in = node
                .parent()
                .is_some_and(|p| p.kind() == SyntaxKind::NODE_LET_IN);
            if in_let_in && sites.iter().any(|s| r.contains(*s)) {
                in_let = true;
            }
            if names.first().is_some_and(|n| n == "imports")
                && (in_let || sites.iter().any(|s| r.contains(*s)))
            {
                let param = &self.param;
                return Err(self.err_at(
                    f,
                    r.start(),
                    &format!(
                        "the `imports` of {} may depend on the environment; without a flake.nix, \
                         {} can hand `{param}` to the modules it imports only through \
                         `_module.args`, which `imports` cannot use; build {} from a flake.nix \
                         (`nixosSystem {{ modules = [ ./{} ]; }}`) and run again",
                        self.rel(f),
                        self.rel(root),
                        self.rel(root),
                        self.rel(root)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// A root module without flake.nix: bind the parameter to the default
    /// variant in the module's own `let`, where the user chooses another.
    fn bind_in_root(&mut self, f: usize, l: &ast::Lambda) -> Result<(), MigrateError> {
        let param = self.param.clone();
        let text = self.text(f).to_string();
        let Some(body) = l.body() else {
            return Err(self.err_at(f, l.syntax().text_range().start(), "function without body"));
        };
        let unit = text::indent_unit(&text);
        let record = self.default_record();
        let comment = |indent: &str| {
            format!(
                "{indent}# The variant this configuration builds (nixfold migrate): set values here\n\
                 {indent}# instead of environment variables (\"\" is unset).\n\
                 {indent}{param} = {record};\n"
            )
        };
        match syn::unparen(body.clone()) {
            ast::Expr::LetIn(li) if li.entries().next().is_some() => {
                let first = li.entries().next().unwrap();
                let at = first.syntax().text_range().start();
                let indent = text::line_indent(&text, at);
                if text::starts_line(&text, at) {
                    let line_start = TextSize::from(
                        text[..usize::from(at)]
                            .rfind('\n')
                            .map(|i| i + 1)
                            .unwrap_or(0) as u32,
                    );
                    self.edits[f].insert(line_start, comment(&indent), false);
                } else {
                    self.edits[f].insert(at, format!("{param} = {record}; "), false);
                }
            }
            _ => {
                let at = body.syntax().text_range().start();
                if text::starts_line(&text, at) {
                    let indent = text::line_indent(&text, at);
                    let inner = format!("{indent}{unit}");
                    self.edits[f].insert(
                        at,
                        format!("let\n{}{indent}in\n{indent}", comment(&inner)),
                        false,
                    );
                } else {
                    self.edits[f].insert(at, format!("let {param} = {record}; in "), false);
                }
            }
        }
        self.notes.push(format!(
            "the tree has no flake.nix: {} binds `{param}` in its `let` to the default variant; \
             set its values there to build another variant",
            self.rel(f)
        ));
        Ok(())
    }

    /// `_module.args.<param> = <param>;` in the root modules whose imported
    /// modules use the parameter.
    pub(super) fn hand_on_module_args(&mut self) -> Result<(), MigrateError> {
        let param = self.param.clone();
        for f in std::mem::take(&mut self.module_args_roots) {
            let Some(ast::Expr::Lambda(l)) =
                ast::Root::cast(self.roots[f].clone()).and_then(|r| r.expr())
            else {
                continue;
            };
            let mut body = l.body().map(syn::unparen);
            if let Some(ast::Expr::LetIn(li)) = &body {
                body = li.body().map(syn::unparen);
            }
            let Some(ast::Expr::AttrSet(set)) = body else {
                return Err(self.err_at(
                    f,
                    l.syntax().text_range().start(),
                    &format!(
                        "{} must end in an attribute set for nixfold migrate to add \
                         `_module.args.{param} = {param};` to it",
                        self.rel(f)
                    ),
                ));
            };
            let text = self.text(f).to_string();
            text::insert_set_entry(
                &text,
                &mut self.edits[f],
                &set,
                &format!("_module.args.{param} = {param};"),
                false,
            );
        }
        Ok(())
    }

    /// `{ NAME = "value"; ... }` of the default variant.
    pub(super) fn default_record(&self) -> String {
        let fields: Vec<String> = self
            .all_vars()
            .iter()
            .map(|v| format!("{} = \"\";", text::attr_name(v)))
            .collect();
        format!("{{ {} }}", fields.join(" "))
    }

    /// Names bound or referenced in a file (for the clash check).
    pub(super) fn names_in(&self, f: usize) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let scopes = self.scopes(f);
        for (id, _) in scopes.bindings() {
            out.insert(scopes.name(id).to_string());
        }
        let text = self.text(f);
        for r in scopes.references() {
            if !matches!(r.resolution, Resolution::Local(_)) {
                out.insert(text[r.range].to_string());
            }
        }
        out
    }
}

/// The names of an attribute path (`${...}` for dynamic parts).
pub fn path_names(p: &ast::Attrpath) -> Vec<String> {
    p.attrs()
        .map(|a| syn::attr_name(&a).unwrap_or_else(|| a.syntax().text().to_string()))
        .collect()
}

fn is_import_fn(e: &ast::Expr) -> bool {
    match e {
        ast::Expr::Ident(id) => syn::ident_name(id).is_some_and(|n| n == "import"),
        ast::Expr::Select(s) => {
            s.expr().is_some_and(|b| b.syntax().text() == "builtins")
                && s.attrpath().is_some_and(|p| p.syntax().text() == "import")
        }
        _ => false,
    }
}

fn is_call_package_fn(e: &ast::Expr) -> bool {
    match e {
        ast::Expr::Ident(id) => syn::ident_name(id).is_some_and(|n| n == "callPackage"),
        ast::Expr::Select(s) => s
            .attrpath()
            .and_then(|p| p.attrs().last())
            .and_then(|a| syn::attr_name(&a))
            .is_some_and(|n| n == "callPackage"),
        _ => false,
    }
}

/// `callPackageWith AUTO` (`lib.callPackageWith inputs`): called with a
/// file and then its arguments, like `callPackage`.
fn is_call_package_with_fn(e: &ast::Expr) -> bool {
    let ast::Expr::Apply(app) = e else {
        return false;
    };
    match app.lambda().map(syn::unparen) {
        Some(ast::Expr::Ident(id)) => syn::ident_name(&id).is_some_and(|n| n == "callPackageWith"),
        Some(ast::Expr::Select(s)) => s
            .attrpath()
            .and_then(|p| p.attrs().last())
            .and_then(|a| syn::attr_name(&a))
            .is_some_and(|n| n == "callPackageWith"),
        _ => false,
    }
}

/// The name of the function a set literal is passed to (`nixosSystem` for
/// `lib.nixosSystem { ... }`).
fn call_of_set(set: &ast::AttrSet) -> Option<String> {
    let mut cur = set.syntax().clone();
    while let Some(p) = cur.parent()
        && p.kind() == SyntaxKind::NODE_PAREN
    {
        cur = p;
    }
    let app = ast::Apply::cast(cur.parent()?)?;
    if app.argument()?.syntax() != &cur {
        return None;
    }
    match syn::unparen(app.lambda()?) {
        ast::Expr::Ident(id) => syn::ident_name(&id),
        ast::Expr::Select(s) => s
            .attrpath()?
            .attrs()
            .last()
            .and_then(|a| syn::attr_name(&a)),
        _ => None,
    }
}

/// `home-manager.users.<n> = ...` (directly or nested in sets).
fn hm_users(g: usize, entry: &ast::AttrpathValue) -> Option<Ctx> {
    // Collect (set, entry names) from the innermost entry outwards.
    let mut chain: Vec<(ast::AttrSet, Vec<String>)> = Vec::new();
    let mut cur = entry.clone();
    loop {
        let Some(set) = cur.syntax().parent().and_then(ast::AttrSet::cast) else {
            break;
        };
        let names = path_names(&cur.attrpath()?);
        chain.push((set.clone(), names));
        match set.syntax().parent().and_then(ast::AttrpathValue::cast) {
            Some(outer) => cur = outer,
            None => break,
        }
    }
    // Full path from the outermost set.
    let mut full: Vec<(usize, usize)> = Vec::new(); // (chain index, name index)
    for (ci, (_, names)) in chain.iter().enumerate().rev() {
        for ni in 0..names.len() {
            full.push((ci, ni));
        }
    }
    let name_at = |&(ci, ni): &(usize, usize)| chain[ci].1[ni].as_str();
    let hm = full.iter().position(|p| name_at(p) == "home-manager")?;
    let users = full[hm..].iter().position(|p| name_at(p) == "users")? + hm;
    if users + 1 >= full.len() {
        return None;
    }
    let (ci, ni) = full[users];
    let (set, names) = &chain[ci];
    Some(Ctx::HmUsers {
        file: g,
        set: set.clone(),
        prefix: names[..ni].to_vec(),
    })
}

fn looks_like_module(p: &ast::Pattern) -> bool {
    p.pat_entries().any(|e| {
        e.ident()
            .and_then(|i| syn::ident_name(&i))
            .is_some_and(|n| matches!(n.as_str(), "config" | "options" | "modulesPath"))
    })
}

/// The range of an entry with its whole line(s) when it stands alone on
/// them (indentation, trailing comment and newline included).
fn whole_lines(text: &str, node: &SyntaxNode) -> TextRange {
    let r = node.text_range();
    let end = text::entry_end(node);
    let s = usize::from(r.start());
    let e = usize::from(end);
    let line_start = text[..s].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let before_blank = text[line_start..s].trim().is_empty();
    let rest = &text[e..];
    let nl = rest.find('\n');
    let tail = &rest[..nl.unwrap_or(rest.len())];
    let after_blank = tail.trim().is_empty() || tail.trim().starts_with('#');
    if before_blank && after_blank {
        let stop = e + nl.map(|i| i + 1).unwrap_or(rest.len());
        TextRange::new(
            TextSize::from(line_start as u32),
            TextSize::from(stop as u32),
        )
    } else {
        let stop = e + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
        TextRange::new(r.start(), TextSize::from(stop as u32))
    }
}
