//! flake.nix: build every affected output from a function of the variant
//! and emit one output per declared variant.
//!
//! After the reads are rewritten and the parameter is passed on, some
//! bindings of the `let` of `outputs` refer to it. Those bindings become
//! functions of the parameter (`containerImage = variant: ...;`, every use
//! `(containerImage variant)`), a `variants` binding lists every variant's
//! environment, and each affected output is applied to its variant:
//! `container = containerImage variants.default;` plus one sibling per
//! declared variant (`container-full = containerImage variants.container-full;`).
//! An output written inline is moved into a `mk<Name> = variant: ...;`
//! binding first. Siblings under a dynamic attribute (`packages.${system}.x`)
//! are merged into one attribute set.
//!
//! A computed name above the environment's (`hydraJobs.${image}.${system}`)
//! is not shared: each variant gets its own binding
//! (`hydraJobs.web.${system}`).
//!
//! Outputs written inside a function of the system (`eachDefaultSystem
//! (system: ...)`, `forAllSystems (system: ...)`, `genAttrs systems f`) get
//! their siblings inside that function's body, and moved outputs go into its
//! own `let`, so every system has every variant. The function may be passed
//! by the name of a `let` binding of `outputs` used nowhere else
//! (`eachDefaultSystem perSystem`); that binding's body gets the variants.
//!
//! An output whose name the environment chooses (`nixosConfigurations.${host}`)
//! gets literal names: the original flake.nix, with each such output's value
//! replaced by a marker list of its dynamic names, is evaluated under every
//! variant's environment ([`super::verify::marked_names`]); the default keeps
//! its evaluated name, each declared variant gets its evaluated name unless
//! that is empty or taken, then its declared name.

use std::collections::{BTreeMap, BTreeSet};

use super::text::{self, Ed};
use super::thread::path_names;
use super::verify::{MarkerHit, NAME_MARKER};
use super::{MigrateError, Planner};
use crate::analysis::variants::outputs;
use crate::analysis::variants::syn;
use crate::hir::{BindingId, Resolution, Scopes};
use crate::syntax::ast::{self, BinOpKind, HasEntry};
use crate::syntax::{AstNode, SyntaxKind, SyntaxNode, TextRange, TextSize};

struct LetBinding {
    name: String,
    value: ast::Expr,
    id: BindingId,
}

enum Leaf {
    Value {
        entry: ast::AttrpathValue,
        value: ast::Expr,
        frame: usize,
    },
    Inherit(ast::Inherit),
    Opaque(ast::Expr),
}

/// A scope outputs are written in: the body of `outputs`, or the body of a
/// per-system function (`eachDefaultSystem (system: ...)`,
/// `forAllSystems (system: ...)`), whose outputs exist for every system.
struct Frame {
    /// The body: a `let` (`let_in`) or the attribute set itself.
    body: ast::Expr,
    let_in: Option<ast::LetIn>,
    /// Where the outputs are (the `let`'s body, or `body`).
    result: ast::Expr,
    /// The category a per-system function builds (`packages` in
    /// `packages = forAllSystems (...)`), for naming moved outputs.
    label: Option<String>,
    /// The name the per-system function is passed by, when it is not
    /// written inline (`eachDefaultSystem perSystem`).
    via: Option<ast::Ident>,
}

impl Frame {
    fn new(body: ast::Expr) -> Option<Frame> {
        let let_in = match syn::unparen(body.clone()) {
            ast::Expr::LetIn(l) => Some(l),
            _ => None,
        };
        let result = match &let_in {
            Some(l) => l.body()?,
            None => body.clone(),
        };
        Some(Frame {
            body,
            let_in,
            result,
            label: None,
            via: None,
        })
    }
}

impl Planner<'_> {
    pub(super) fn transform_flake(&mut self, f: usize) -> Result<(), MigrateError> {
        let text = self.text(f).to_string();
        let root = self.roots[f].clone();
        let param = self.param.clone();
        let set_name = self.set_name.clone();
        let top = ast::Root::cast(root.clone()).and_then(|r| r.expr());
        // `let username = ...; in { outputs = ...; }`: the top `let`'s
        // bindings are bindings of `outputs` too.
        let top_let = match top.clone().map(syn::unparen) {
            Some(ast::Expr::LetIn(l)) => Some(l),
            _ => None,
        };
        let top = match &top_let {
            Some(l) => l.body(),
            None => top,
        };
        let outputs = match top.map(syn::unparen) {
            Some(ast::Expr::AttrSet(s)) => s.attrpath_values().find(|av| {
                av.attrpath()
                    .map(|p| path_names(&p))
                    .is_some_and(|n| n == ["outputs"])
            }),
            _ => None,
        };
        let Some(lambda) = outputs
            .and_then(|av| av.value())
            .map(syn::unparen)
            .and_then(|e| match e {
                ast::Expr::Lambda(l) => Some(l),
                _ => None,
            })
        else {
            return Err(self.err_at(
                f,
                0.into(),
                "flake.nix has no `outputs = { ... }: ...` function",
            ));
        };
        let Some(body) = lambda.body() else {
            return Err(self.err_at(f, 0.into(), "`outputs` has no body"));
        };
        let sites = self.edits[f].need_sites();
        let in_top_let = |s: TextSize| {
            top_let.as_ref().is_some_and(|l| {
                l.entries()
                    .any(|e| e.syntax().text_range().contains_inclusive(s))
            })
        };
        if let Some(s) = sites
            .iter()
            .find(|s| !body.syntax().text_range().contains_inclusive(**s) && !in_top_let(**s))
        {
            return Err(self.err_at(
                f,
                *s,
                "an environment read outside the `outputs` function cannot be migrated",
            ));
        }
        let Some(frame0) = Frame::new(body.clone()) else {
            return Err(self.err_at(f, body.syntax().text_range().start(), "`let` without body"));
        };
        let mut frames = vec![frame0];
        let mut leaves = Vec::new();
        let result0 = frames[0].result.clone();
        let scopes = self.scopes(f);
        walk_outputs(&scopes, &result0, 0, None, &mut frames, &mut leaves);

        // The bindings of every frame's `let`.
        let mut binds: Vec<LetBinding> = Vec::new();
        let mut let_inherits: Vec<ast::Inherit> = Vec::new();
        let mut lets: Vec<ast::LetIn> = top_let.iter().cloned().collect();
        lets.extend(frames.iter().filter_map(|fr| fr.let_in.clone()));
        for l in &lets {
            for e in l.entries() {
                match e {
                    ast::Entry::AttrpathValue(av) => {
                        let Some(ap) = av.attrpath() else { continue };
                        let names = path_names(&ap);
                        let (Some(value), [name]) = (av.value(), names.as_slice()) else {
                            continue;
                        };
                        let Some(id) = scopes.binding_at(ap.syntax().text_range().start()) else {
                            continue;
                        };
                        binds.push(LetBinding {
                            name: name.clone(),
                            value,
                            id,
                        });
                    }
                    ast::Entry::Inherit(inh) => let_inherits.push(inh),
                }
            }
        }
        // A per-system function passed by name (`eachDefaultSystem
        // perSystem`) is a frame: its binding does not become a function of
        // the variant, its body gets the variants. That needs the binding in
        // a `let` of `outputs` and no other use of it (which would see the
        // variants too); otherwise the frame may not depend on the
        // environment.
        let mut unsplittable: Vec<(TextRange, TextSize, String)> = Vec::new();
        for fr in frames.iter().skip(1) {
            let Some(via) = &fr.via else { continue };
            let name = syn::ident_name(via).unwrap_or_default();
            let holder = match scopes.resolve(via.syntax()) {
                Some(Resolution::Local(bid)) => binds.iter().position(|b| b.id == bid),
                _ => None,
            };
            let lambda_range = fr
                .body
                .syntax()
                .parent()
                .map(|p| p.text_range())
                .unwrap_or(fr.body.syntax().text_range());
            let at = via.syntax().text_range().start();
            match holder {
                Some(i) if scopes.uses(binds[i].id).count() == 1 => {
                    binds.remove(i);
                }
                Some(_) => unsplittable.push((
                    lambda_range,
                    at,
                    format!(
                        "the per-system function `{name}` depends on the environment and is \
                         used more than once; nixfold migrate adds the variants to its body, \
                         which every use would see. Give each use its own function and run again"
                    ),
                )),
                None => unsplittable.push((
                    lambda_range,
                    at,
                    format!(
                        "the per-system function `{name}` depends on the environment but is not \
                         bound in the `let` of `outputs`; nixfold migrate cannot add variants \
                         to it"
                    ),
                )),
            }
        }
        let in_value = |b: &LetBinding, at: TextSize| {
            let r = b.value.syntax().text_range();
            r.start() <= at && at < r.end()
        };

        // Bindings that depend on the parameter, to a fixpoint.
        let mut dep: BTreeSet<usize> = BTreeSet::new();
        for (i, lb) in binds.iter().enumerate() {
            if sites.iter().any(|s| in_value(lb, *s)) {
                dep.insert(i);
            }
        }
        loop {
            let mut changed = false;
            for i in dep.clone() {
                for r in scopes.uses(binds[i].id) {
                    if let Some(j) = binds.iter().position(|lb| in_value(lb, r.range.start()))
                        && dep.insert(j)
                    {
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        // `inherit (x) ...;` in a let, from a dependent binding.
        for inh in &let_inherits {
            if let Some(from) = inh.from() {
                let r = from.syntax().text_range();
                let uses_dep = dep
                    .iter()
                    .any(|i| scopes.uses(binds[*i].id).any(|u| r.contains_range(u.range)));
                if uses_dep || sites.iter().any(|s| r.contains(*s)) {
                    return Err(self.err_at(
                        f,
                        r.start(),
                        "`inherit (...)` from a binding that depends on the environment is not \
                         supported yet; write `name = (...).name;` and run again",
                    ));
                }
            }
        }
        for (range, at, msg) in &unsplittable {
            let reads = sites.iter().any(|s| range.contains(*s))
                || dep.iter().any(|i| {
                    scopes
                        .uses(binds[*i].id)
                        .any(|u| range.contains_range(u.range))
                });
            if reads {
                return Err(self.err_at(f, *at, msg));
            }
        }
        let dep_ids: BTreeMap<BindingId, usize> = dep.iter().map(|i| (binds[*i].id, *i)).collect();

        // Every use of a dependent binding: in a let (→ `(b variant)`) or
        // where the outputs are written.
        let mut body_refs: Vec<(TextRange, usize)> = Vec::new();
        for &i in &dep {
            let lb = &binds[i];
            self.edits[f].insert(
                lb.value.syntax().text_range().start(),
                format!("{param}: "),
                false,
            );
            for r in scopes.uses(lb.id) {
                let ident = node_at(&root, r.range);
                let inherit = ident
                    .as_ref()
                    .and_then(|n| n.parent())
                    .filter(|p| p.kind() == SyntaxKind::NODE_INHERIT);
                if let Some(inh) = &inherit
                    && inherit_in_plain_set(inh)
                {
                    // `inherit user;` → `user = user;`, whose value is then
                    // a use like any other.
                    if self
                        .done
                        .insert((f, inh.text_range().start(), "inherit".into()))
                    {
                        let dep_names: BTreeSet<String> =
                            dep.iter().map(|j| binds[*j].name.clone()).collect();
                        for (range, text) in split_inherit(inh, &dep_names) {
                            self.edits[f].push(range, text, false);
                        }
                    }
                } else if inherit.is_some() {
                    return Err(self.err_at(
                        f,
                        r.range.start(),
                        &format!(
                            "`inherit {}` of a binding that depends on the environment, in a \
                             `let` or `rec` set, is not supported yet; write `{0} = ...;` with \
                             the binding's value and run again",
                            lb.name
                        ),
                    ));
                }
                if binds.iter().any(|x| in_value(x, r.range.start())) {
                    let s = applied(ident.as_ref(), &lb.name, &param);
                    self.edits[f].push(r.range, s, true);
                } else if frames
                    .iter()
                    .any(|fr| fr.result.syntax().text_range().contains_range(r.range))
                {
                    body_refs.push((r.range, i));
                } else {
                    return Err(self.err_at(f, r.range.start(), "cannot pass the variant here"));
                }
            }
        }

        // The outputs.
        let refs_in = |r: TextRange| body_refs.iter().filter(move |(x, _)| r.contains_range(*x));
        let unit = text::indent_unit(&text);
        let let_indents: Vec<String> = frames
            .iter()
            .map(|fr| frame_let_indent(&text, fr, &unit))
            .collect();
        let mut hoisted: Vec<Vec<(String, String, bool)>> = vec![Vec::new(); frames.len()];
        let mut generated: BTreeSet<Vec<String>> = BTreeSet::new();
        // Whether anything refers to the variants' record.
        let mut uses_set = false;

        // Outputs whose names depend on the environment: where each variant
        // of them lands in the original, and what it is called there, from
        // evaluating the original with each output's value replaced by a
        // marker listing its names.
        let env_attrs_of = |entry: &ast::AttrpathValue| -> Vec<usize> {
            let Some(ap) = entry.attrpath() else {
                return Vec::new();
            };
            ap.attrs()
                .enumerate()
                .filter(|(_, a)| {
                    let ar = a.syntax().text_range();
                    syn::attr_name(a).is_none()
                        && (sites.iter().any(|s| ar.contains(*s)) || refs_in(ar).next().is_some())
                })
                .map(|(i, _)| i)
                .collect()
        };
        let mut found: BTreeMap<String, (Vec<MarkerHit>, Option<String>)> = BTreeMap::new();
        let mut markers: Vec<Ed> = Vec::new();
        for (li, leaf) in leaves.iter().enumerate() {
            let Leaf::Value { entry, value, .. } = leaf else {
                continue;
            };
            let env_attrs = env_attrs_of(entry);
            let Some(ap) = entry.attrpath() else { continue };
            if env_attrs.is_empty() {
                continue;
            }
            let attrs: Vec<ast::Attr> = ap.attrs().collect();
            let mut list = format!("[ {}", text::nix_string(&format!("{NAME_MARKER}{li}")));
            for i in &env_attrs {
                list.push(' ');
                list.push_str(&name_expr(&attrs[*i]));
            }
            list.push_str(" ]");
            markers.push(Ed {
                range: value.syntax().text_range(),
                text: list,
                need: false,
                seq: markers.len() as u32,
            });
        }
        if !markers.is_empty() {
            let marked = text::apply(&text, &markers)
                .map_err(|bad| self.err_at(f, bad.start(), "overlapping edits (internal error)"))?;
            let path = self.project.files[f]
                .path
                .canonicalize()
                .map_err(|e| MigrateError::new(e.to_string()))?;
            let root_dir = self
                .project
                .root
                .canonicalize()
                .map_err(|e| MigrateError::new(e.to_string()))?;
            let dir = path.parent().unwrap_or(&root_dir).to_path_buf();
            for (vname, env) in self.variant_records() {
                let r = super::verify::marked_names(&root_dir, &dir, &marked, &env)
                    .unwrap_or_else(|e| (Vec::new(), Some(e)));
                found.insert(vname, r);
            }
        }
        let mut taken_names: BTreeSet<String> = self.flake_names.clone();
        let mut matched: BTreeSet<usize> = BTreeSet::new();

        // Outputs that use other outputs through `self` (`modules = [
        // self.homeManagerModules.default ]`): one using an output that
        // depends on the environment depends on it too, and each of its
        // variants uses the same variant of the other (`(mkHome variant)`
        // in place of `self.homeConfigurations.home`).
        let leaf_range = |l: &Leaf| match l {
            Leaf::Value { value, .. } => Some(value.syntax().text_range()),
            _ => None,
        };
        let leaf_paths: Vec<Option<Vec<String>>> = leaves
            .iter()
            .map(|l| {
                let Leaf::Value { value, .. } = l else {
                    return None;
                };
                let r = value.syntax().text_range();
                let ur = syn::unparen(value.clone()).syntax().text_range();
                let paths: BTreeSet<&Vec<String>> = self
                    .analysis_outputs
                    .iter()
                    .filter(|(file, range, _, _)| *file == f && (*range == r || *range == ur))
                    .map(|(_, _, _, a)| a)
                    .collect();
                match paths.len() {
                    1 => paths.into_iter().next().cloned(),
                    _ => None,
                }
            })
            .collect();
        let self_refs: Vec<(TextRange, usize)> = self_selects(&scopes, &lambda)
            .into_iter()
            .filter_map(|(range_of, names)| {
                let li = leaf_paths.iter().position(|p| {
                    p.as_ref()
                        .is_some_and(|p| names.len() >= p.len() && names[..p.len()] == p[..])
                })?;
                let n = leaf_paths[li].as_ref().map_or(0, Vec::len);
                Some((range_of(n), li))
            })
            .collect();
        let mut leaf_dep: Vec<bool> = leaves
            .iter()
            .map(|l| {
                leaf_range(l).is_some_and(|r| {
                    sites.iter().any(|s| r.contains(*s)) || refs_in(r).next().is_some()
                })
            })
            .collect();
        loop {
            let mut changed = false;
            for (rr, target) in &self_refs {
                if !leaf_dep[*target] {
                    continue;
                }
                for (li, l) in leaves.iter().enumerate() {
                    if !leaf_dep[li] && leaf_range(l).is_some_and(|r| r.contains_range(*rr)) {
                        leaf_dep[li] = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        // The function each such output is built from, named before any
        // output is moved: its users may come first.
        let mut builders: BTreeMap<usize, String> = BTreeMap::new();
        for (_, target) in &self_refs {
            let Leaf::Value {
                entry,
                value,
                frame,
            } = &leaves[*target]
            else {
                continue;
            };
            if !leaf_dep[*target] || builders.contains_key(target) {
                continue;
            }
            let direct = sites
                .iter()
                .any(|s| value.syntax().text_range().contains(*s));
            let name = match dependent_ident(value, direct, &scopes, &dep_ids) {
                Some(n) => n,
                None => {
                    let attrs: Vec<ast::Attr> = entry
                        .attrpath()
                        .map(|p| p.attrs().collect())
                        .unwrap_or_default();
                    let label = hoist_label_of(
                        &attrs,
                        frames[*frame].label.as_deref(),
                        leaf_paths[*target].as_deref(),
                    );
                    unique(&mk_name(&label), &mut taken_names)
                }
            };
            builders.insert(*target, name);
        }

        for (li, leaf) in leaves.iter().enumerate() {
            match leaf {
                Leaf::Opaque(e) => {
                    let r = e.syntax().text_range();
                    if (sites.iter().any(|s| r.contains(*s)) || refs_in(r).next().is_some())
                        && matches!(syn::unparen(e.clone()), ast::Expr::AttrSet(ref s) if s.rec_token().is_some())
                    {
                        return Err(self.err_at(
                            f,
                            r.start(),
                            "the outputs here depend on the environment and are a `rec { ... }` \
                             set, whose outputs refer to each other; nixfold migrate cannot give \
                             each output its own variants there. Move what the outputs share into \
                             the `let` of `outputs` (`let mkHome = ...; in { homeConfigurations = \
                             mkHome { ... }; }`), drop `rec`, and run again",
                        ));
                    }
                    if sites.iter().any(|s| r.contains(*s)) || refs_in(r).next().is_some() {
                        return Err(self.err_at(
                            f,
                            r.start(),
                            &format!(
                                "the outputs here depend on the environment but are built by {}, \
                                 not written as an attribute set; nixfold migrate cannot split \
                                 them into variants. Write the outputs as an attribute set \
                                 (`nixosConfigurations.NAME = ...;`, or `{{ ... }} // (...)` \
                                 with the environment-dependent ones in the literal part) and \
                                 run again",
                                construct(e)
                            ),
                        ));
                    }
                }
                Leaf::Inherit(inh) => {
                    let Some(from) = inh.from() else { continue };
                    let r = from.syntax().text_range();
                    for (rr, i) in refs_in(r) {
                        let ident = node_at(&root, *rr);
                        let s = applied(
                            ident.as_ref(),
                            &binds[*i].name,
                            &format!("{set_name}.default"),
                        );
                        uses_set = true;
                        self.edits[f].push(*rr, s, false);
                    }
                    if sites.iter().any(|s| r.contains(*s)) {
                        return Err(self.err_at(
                            f,
                            r.start(),
                            "an `inherit (...)` here reads the environment; nixfold migrate \
                             cannot split it into variants",
                        ));
                    }
                }
                Leaf::Value {
                    entry,
                    value,
                    frame,
                } => {
                    let r = value.syntax().text_range();
                    let direct = sites.iter().any(|s| r.contains(*s));
                    let inner: Vec<(TextRange, usize)> = refs_in(r).cloned().collect();
                    let env_attrs = env_attrs_of(entry);
                    let depends = leaf_dep[li];
                    if !depends && env_attrs.is_empty() {
                        continue;
                    }
                    let Some(ap) = entry.attrpath() else { continue };
                    let attrs: Vec<ast::Attr> = ap.attrs().collect();
                    // Declared variants of this output.
                    let unparen_range = syn::unparen(value.clone()).syntax().text_range();
                    let is_this = |file: usize, range: TextRange| {
                        file == f && (range == r || range == unparen_range)
                    };
                    let mine: Vec<(String, Vec<String>)> = self
                        .analysis_outputs
                        .iter()
                        .filter(|(file, range, _, _)| is_this(*file, *range))
                        .map(|(_, _, d, a)| (d.clone(), a.clone()))
                        .collect();
                    let mut decls: Vec<usize> = Vec::new();
                    for (k, v) in self.declared.iter().enumerate() {
                        if mine.iter().any(|(d, _)| *d == v.output)
                            && !decls.iter().any(|d| self.declared[*d].name == v.name)
                        {
                            decls.push(k);
                            matched.insert(k);
                        }
                    }
                    // Names chosen by the environment: one per variant.
                    let mut chosen: BTreeMap<String, Vec<String>> = BTreeMap::new();
                    if !env_attrs.is_empty() {
                        let n = attrs.len();
                        let at = attrs[env_attrs[0]].syntax().text_range().start();
                        let hits_of =
                            |vname: &str| -> Result<(Vec<Vec<String>>, Vec<String>), String> {
                                let (all, error) = found
                                    .get(vname)
                                    .map(|(h, e)| (h.as_slice(), e.clone()))
                                    .unwrap_or((&[], None));
                                let hits: Vec<&MarkerHit> =
                                    all.iter().filter(|(k, _, _)| *k == li).collect();
                                let Some(first) = hits.first() else {
                                    return Err(format!(
                                        "cannot tell what this output is called under variant \
                                         `{vname}`: {}",
                                        error.unwrap_or_else(|| {
                                            "nixfold's evaluator does not reach its name".into()
                                        })
                                    ));
                                };
                                let names = first.2.clone();
                                if hits.iter().any(|h| h.2 != names) {
                                    return Err(
                                        "the name of this output depends on the system as \
                                            well as on the environment; nixfold migrate cannot \
                                            name its variants"
                                            .into(),
                                    );
                                }
                                let mut paths = Vec::new();
                                for (_, p, _) in &hits {
                                    let ok = p.len() >= n
                                        && env_attrs
                                            .iter()
                                            .zip(&names)
                                            .all(|(i, s)| p[p.len() - n + i] == *s);
                                    if !ok {
                                        return Err(
                                            "cannot tell where this output lands among the outputs"
                                                .into(),
                                        );
                                    }
                                    paths.push(p.clone());
                                }
                                Ok((paths, names))
                            };
                        let place = |p: &[String], names: &[String]| {
                            let mut q = p.to_vec();
                            let base = q.len() - n;
                            for (i, s) in env_attrs.iter().zip(names) {
                                q[base + i] = s.clone();
                            }
                            q
                        };
                        let others: BTreeSet<Vec<String>> = self
                            .analysis_outputs
                            .iter()
                            .filter(|(file, range, _, _)| !is_this(*file, *range))
                            .map(|(_, _, _, a)| a.clone())
                            .collect();
                        let (dpaths, dnames) =
                            hits_of("default").map_err(|m| self.err_at(f, at, &m))?;
                        let shown = |names: &[String]| {
                            dpaths
                                .first()
                                .map(|p| outputs::dotted(&place(p, names)))
                                .unwrap_or_default()
                        };
                        for p in &dpaths {
                            self.pairs.push(("default".into(), p.clone(), p.clone()));
                        }
                        let mut taken: Vec<Vec<String>> = vec![dnames.clone()];
                        for d in &decls {
                            let vname = self.declared[*d].name.clone();
                            let (vpaths, vnames) =
                                hits_of(&vname).map_err(|m| self.err_at(f, at, &m))?;
                            let clash = |c: &Vec<String>| {
                                taken.contains(c)
                                    || dpaths.iter().any(|p| {
                                        let q = place(p, c);
                                        others.contains(&q) || generated.contains(&q)
                                    })
                            };
                            let mut cand = vnames.clone();
                            if cand.iter().any(String::is_empty) || clash(&cand) {
                                let was = shown(&cand);
                                for s in cand.iter_mut().filter(|s| s.is_empty()) {
                                    *s = vname.clone();
                                }
                                if let Some(last) = cand.last_mut() {
                                    *last = vname.clone();
                                }
                                if clash(&cand) {
                                    return Err(self.err_at(
                                        f,
                                        at,
                                        &format!(
                                            "variant `{vname}` would be called `{}`, which is \
                                             already taken; give the variant another name",
                                            shown(&cand)
                                        ),
                                    ));
                                }
                                self.notes.push(format!(
                                    "variant `{vname}`: the original calls this output `{was}` \
                                     under its environment ({}); the migrated flake calls it `{}`",
                                    if vnames.iter().any(String::is_empty) {
                                        "an empty name"
                                    } else {
                                        "a name another variant has"
                                    },
                                    shown(&cand)
                                ));
                            }
                            for p in &vpaths {
                                self.pairs.push((vname.clone(), p.clone(), place(p, &cand)));
                            }
                            taken.push(cand.clone());
                            chosen.insert(vname, cand);
                        }
                        for c in &taken {
                            for p in &dpaths {
                                generated.insert(place(p, c));
                            }
                        }
                        if dnames.iter().any(String::is_empty) {
                            self.notes.push(format!(
                                "the default variant calls an output `{}`, as the original does \
                                 with an empty environment",
                                shown(&dnames)
                            ));
                        }
                        self.renamed.extend(mine.iter().map(|(d, _)| d.clone()));
                        // The default keeps what the original evaluates to.
                        for (i, s) in env_attrs.iter().zip(&dnames) {
                            let ar = attrs[*i].syntax().text_range();
                            self.edits[f].take_inside(ar).map_err(|bad| {
                                self.err_at(f, bad.start(), "overlapping edits (internal error)")
                            })?;
                            self.edits[f].push(ar, text::attr_name(s), false);
                        }
                        chosen.insert("default".into(), dnames);
                    } else {
                        // Every system's copy of the output gets the variants.
                        for (_, a) in &mine {
                            for d in &decls {
                                let mut to = a.clone();
                                if let Some(last) = to.last_mut() {
                                    *last = self.declared[*d].name.clone();
                                }
                                self.pairs
                                    .push((self.declared[*d].name.clone(), a.clone(), to));
                            }
                        }
                    }
                    if !depends && decls.is_empty() {
                        continue;
                    }
                    // The function (or, when only the name depends on the
                    // environment, the value) the output is built from.
                    let base = match dependent_ident(value, direct, &scopes, &dep_ids) {
                        Some(n) => n,
                        None => {
                            for (rr, i) in &inner {
                                let ident = node_at(&root, *rr);
                                let s = applied(ident.as_ref(), &binds[*i].name, &param);
                                self.edits[f].push(*rr, s, true);
                            }
                            for (rr, target) in &self_refs {
                                if r.contains_range(*rr)
                                    && let Some(b) = builders.get(target)
                                {
                                    self.edits[f].push(*rr, format!("({b} {param})"), true);
                                }
                            }
                            let name = match builders.get(&li) {
                                Some(b) => b.clone(),
                                None => {
                                    let label = hoist_label_of(
                                        &attrs,
                                        frames[*frame].label.as_deref(),
                                        leaf_paths[li].as_deref(),
                                    );
                                    let name = if depends {
                                        mk_name(&label)
                                    } else {
                                        lower_first(&mk_name(&label)[2..]) + "Output"
                                    };
                                    unique(&name, &mut taken_names)
                                }
                            };
                            let eds: Vec<Ed> = self.edits[f].take_inside(r).map_err(|bad| {
                                self.err_at(f, bad.start(), "overlapping edits (internal error)")
                            })?;
                            let moved = text::apply_in(&text, r, &eds).map_err(|bad| {
                                self.err_at(f, bad.start(), "overlapping edits (internal error)")
                            })?;
                            let entry_indent =
                                text::line_indent(&text, entry.syntax().text_range().start());
                            let delta =
                                let_indents[*frame].len() as isize - entry_indent.len() as isize;
                            let moved = if text::has_multiline_plain_string(value.syntax()) {
                                moved
                            } else {
                                text::reindent(&moved, delta).unwrap_or(moved)
                            };
                            hoisted[*frame].push((name.clone(), moved, depends));
                            name
                        }
                    };
                    let call = |vname: &str| {
                        if depends {
                            format!("{base} {set_name}.{}", text::attr_name(vname))
                        } else {
                            base.clone()
                        }
                    };
                    // An attribute set of outputs built by a function
                    // (`nixosConfigurations = genAttrs hosts mkHost;`):
                    // each declared variant of one of its outputs is added
                    // with `//`, taken from the set built for the variant.
                    let static_path: Option<Vec<String>> =
                        attrs.iter().map(syn::attr_name).collect();
                    let mut generated_set: Vec<(String, String)> = Vec::new();
                    if depends
                        && env_attrs.is_empty()
                        && decls.is_empty()
                        && let Some(sp) = &static_path
                    {
                        let prefix = format!("{}.", outputs::dotted(sp));
                        for (k, v) in self.declared.iter().enumerate() {
                            if matched.contains(&k) {
                                continue;
                            }
                            if let Some(rest) = v.output.strip_prefix(&prefix)
                                && !rest.contains('.')
                            {
                                let inner = rest.trim_matches('"').to_string();
                                matched.insert(k);
                                let mut from = sp.clone();
                                from.push(inner.clone());
                                let mut to = sp.clone();
                                to.push(v.name.clone());
                                self.pairs.push((v.name.clone(), from, to));
                                generated_set.push((v.name.clone(), inner));
                            }
                        }
                    }
                    if generated_set.is_empty() {
                        self.edits[f].push(r, call("default"), false);
                    } else {
                        let extra: Vec<String> = generated_set
                            .iter()
                            .map(|(vname, inner)| {
                                format!(
                                    "{} = ({}).{};",
                                    text::attr_name(vname),
                                    call(vname),
                                    text::attr_name(inner)
                                )
                            })
                            .collect();
                        self.edits[f].push(
                            r,
                            format!("{} // {{ {} }}", call("default"), extra.join(" ")),
                            false,
                        );
                    }
                    uses_set |= depends;
                    if decls.is_empty() {
                        continue;
                    }
                    let indent = text::line_indent(&text, entry.syntax().text_range().start());
                    // The variants' names part at the first name the
                    // environment chooses (without one, at the last name):
                    // computed names above it (`${system}`) are shared, and
                    // Nix rejects two bindings through the same computed
                    // name, so the variants go into one set below the last
                    // of them. Computed names below it are not shared.
                    let plain_dynamic =
                        |i: usize| syn::attr_name(&attrs[i]).is_none() && !env_attrs.contains(&i);
                    let first_env = env_attrs.iter().min().copied();
                    if let (Some(a), Some(b)) = (first_env, env_attrs.iter().max().copied())
                        && let Some(i) = (a..b).find(|i| plain_dynamic(*i))
                    {
                        return Err(self.err_at(
                            f,
                            attrs[i].syntax().text_range().start(),
                            "this output's name is chosen by the environment both above and \
                             below this computed name; nixfold migrate cannot split it into \
                             variants",
                        ));
                    }
                    let limit = first_env.unwrap_or(attrs.len() - 1);
                    let split = (0..limit).rev().find(|i| plain_dynamic(*i));
                    let render = |from: usize, vname: &str| -> String {
                        let names = chosen.get(vname);
                        let mut parts: Vec<String> = Vec::new();
                        for (i, a) in attrs.iter().enumerate().skip(from) {
                            if let Some(j) = env_attrs.iter().position(|x| *x == i)
                                && let Some(ns) = names
                            {
                                parts.push(text::attr_name(&ns[j]));
                            } else if i + 1 == attrs.len() && names.is_none() {
                                parts.push(text::attr_name(vname));
                            } else {
                                parts.push(a.syntax().text().to_string());
                            }
                        }
                        parts.join(".")
                    };
                    if let Some(p) = split {
                        // `packages.${system}.x = ...;` → `packages.${system} = { x = ...; y = ...; };`
                        let prefix_text = text[usize::from(ap.syntax().text_range().start())
                            ..usize::from(attrs[p].syntax().text_range().end())]
                            .to_string();
                        self.edits[f].push(
                            TextRange::new(
                                ap.syntax().text_range().start(),
                                attrs[p + 1].syntax().text_range().start(),
                            ),
                            format!("{prefix_text} = {{\n{indent}{unit}"),
                            false,
                        );
                        let mut tail = String::new();
                        for d in &decls {
                            let vname = &self.declared[*d].name;
                            tail.push_str(&format!(
                                "\n{indent}{unit}{} = {};",
                                render(p + 1, vname),
                                call(vname)
                            ));
                        }
                        tail.push_str(&format!("\n{indent}}};"));
                        self.edits[f].insert(text::entry_end(entry.syntax()), tail, false);
                    } else {
                        let (at, inline) = text::after_entry(&text, entry.syntax());
                        let mut s = String::new();
                        for d in &decls {
                            let vname = &self.declared[*d].name;
                            let line = format!("{} = {};", render(0, vname), call(vname));
                            if inline {
                                s.push_str(&format!(" {line}"));
                            } else {
                                s.push_str(&format!("\n{indent}{line}"));
                            }
                        }
                        self.edits[f].insert(at, s, false);
                    }
                }
            }
        }
        for (rr, i) in &body_refs {
            let handled = leaves.iter().any(|l| match l {
                Leaf::Value { entry, .. } => entry.syntax().text_range().contains_range(*rr),
                Leaf::Inherit(inh) => inh.syntax().text_range().contains_range(*rr),
                Leaf::Opaque(_) => false,
            });
            if !handled {
                return Err(self.err_at(
                    f,
                    rr.start(),
                    &format!(
                        "the name of an output depends on the environment (through `{}`); \
                         nixfold migrate cannot give such outputs one name per variant yet",
                        binds[*i].name
                    ),
                ));
            }
        }
        for (k, v) in self.declared.iter().enumerate() {
            if !matched.contains(&k) {
                return Err(MigrateError::new(format!(
                    "nixfold.toml: variant `{}` is made from `{}`, which is not an output of \
                     flake.nix that depends on the environment (see `nixfold variants`)",
                    v.name, v.output
                )));
            }
        }

        // The variants' record goes first in the outermost `let`; moved
        // outputs last in the `let` of their frame.
        for (k, fr) in frames.iter().enumerate() {
            let let_indent = &let_indents[k];
            let mut rec = String::new();
            let with_rec = k == 0 && uses_set;
            if with_rec {
                rec.push_str(&format!(
                    "{let_indent}# The variants of this flake (declared in nixfold.toml): each gives every\n{let_indent}\
                     # environment variable the configuration reads a value (\"\" when unset).\n{let_indent}"
                ));
                rec.push_str(&format!("{set_name} = {{\n"));
                for (name, env) in self.variant_records() {
                    let fields: Vec<String> = env
                        .iter()
                        .map(|(k, v)| format!("{} = {};", text::attr_name(k), text::nix_string(v)))
                        .collect();
                    rec.push_str(&format!(
                        "{let_indent}{unit}{} = {{ {} }};\n",
                        text::attr_name(&name),
                        fields.join(" ")
                    ));
                }
                rec.push_str(&format!("{let_indent}}};\n"));
            } else if hoisted[k].is_empty() {
                continue;
            }
            let mut moved = String::new();
            for (name, body, takes) in &hoisted[k] {
                if *takes {
                    moved.push_str(&format!("\n\n{let_indent}{name} = {param}: {body};"));
                } else {
                    moved.push_str(&format!("\n\n{let_indent}{name} = {body};"));
                }
            }
            let body_start = fr.body.syntax().text_range().start();
            let Some(let_in) = &fr.let_in else {
                // No `let` yet: add one around the body.
                let in_indent = &let_indent[..let_indent.len() - unit.len()];
                let after_in = if text::starts_line(&text, body_start) {
                    format!("\n{in_indent}")
                } else {
                    " ".to_string()
                };
                let moved = if rec.is_empty() {
                    moved.trim_start_matches('\n')
                } else {
                    moved.strip_prefix('\n').unwrap_or(&moved)
                };
                let rec = if moved.is_empty() {
                    rec.trim_end_matches('\n')
                } else {
                    &rec
                };
                self.edits[f].insert(
                    body_start,
                    format!("let\n{rec}{moved}\n{in_indent}in{after_in}"),
                    false,
                );
                continue;
            };
            if with_rec {
                // `variants = { ... };` first in the let.
                let first = let_in
                    .let_token()
                    .and_then(|t| t.next_token())
                    .and_then(|mut t| {
                        loop {
                            if t.kind() != SyntaxKind::TOKEN_WHITESPACE {
                                break Some(t);
                            }
                            t = t.next_token()?;
                        }
                    });
                let Some(first) = first else {
                    return Err(self.err_at(
                        f,
                        let_in.syntax().text_range().start(),
                        "empty `let`",
                    ));
                };
                let first_at = if text::starts_line(&text, first.text_range().start()) {
                    let off = usize::from(first.text_range().start());
                    TextSize::from(text[..off].rfind('\n').map(|i| i + 1).unwrap_or(0) as u32)
                } else {
                    first.text_range().start()
                };
                rec.push('\n');
                if first_at == first.text_range().start() {
                    rec.push_str(let_indent);
                }
                self.edits[f].insert(first_at, rec, false);
            }
            if !hoisted[k].is_empty() {
                let Some(last) = let_in.entries().last() else {
                    return Err(self.err_at(
                        f,
                        let_in.syntax().text_range().start(),
                        "empty `let`",
                    ));
                };
                let (at, _) = text::after_entry(&text, last.syntax());
                self.edits[f].insert(at, moved, false);
            }
        }
        Ok(())
    }
}

/// The indentation of the bindings of a frame's `let` (a new one if needed).
/// The name of a dependent binding when `value` is nothing but a reference
/// to it (and the variant is not read directly inside the value).
fn dependent_ident(
    value: &ast::Expr,
    direct: bool,
    scopes: &Scopes,
    dep_ids: &BTreeMap<BindingId, usize>,
) -> Option<String> {
    match syn::unparen(value.clone()) {
        ast::Expr::Ident(id)
            if !direct
                && matches!(
                    scopes.resolve(id.syntax()),
                    Some(Resolution::Local(bid)) if dep_ids.contains_key(&bid)
                ) =>
        {
            Some(syn::ident_name(&id).unwrap_or_default())
        }
        _ => None,
    }
}

fn frame_let_indent(text: &str, fr: &Frame, unit: &str) -> String {
    let body_start = fr.body.syntax().text_range().start();
    match fr.let_in.as_ref().and_then(|l| l.entries().next()) {
        Some(e) => text::line_indent(text, e.syntax().text_range().start()),
        None if fr.let_in.is_some() => text::line_indent(text, body_start) + unit,
        // A new `let`: its bindings one level deeper than `in`.
        None if text::starts_line(text, body_start) => text::line_indent(text, body_start) + unit,
        None => text::line_indent(text, body_start) + unit + unit,
    }
}

/// What a moved output is named after: its last attribute, with the one
/// before it when that is `default` (`packages.default` → `mkPackagesDefault`).
fn hoist_label(attrs: &[ast::Attr], category: Option<&str>) -> String {
    if let [.., prev, last] = attrs
        && syn::attr_name(last).is_none()
    {
        // `${host}` → `host`; `${builtins.getEnv "H"}` → the category.
        let inner = match last {
            ast::Attr::Dynamic(d) => d.expr(),
            ast::Attr::Str(s) => match crate::syntax::str_parts(s).unwrap_or_default().as_slice() {
                [ast::InterpolPart::Interpolation(i)] => i.expr(),
                _ => None,
            },
            ast::Attr::Ident(_) => None,
        };
        return match inner.map(syn::unparen) {
            Some(ast::Expr::Ident(id)) => syn::ident_name(&id).unwrap_or_default(),
            _ => syn::attr_name(prev).unwrap_or_else(|| "output".into()),
        };
    }
    let name = |a: &ast::Attr| syn::attr_name(a).unwrap_or_else(|| a.syntax().text().to_string());
    match attrs {
        [.., prev, last] if name(last) == "default" => format!("{}-default", name(prev)),
        [last] if name(last) == "default" && category.is_some() => {
            format!("{}-default", category.unwrap_or_default())
        }
        [.., last] => name(last),
        [] => "output".into(),
    }
}

/// [`hoist_label`], with the output's whole path when it is known: a
/// `default` written in a nested set (`homeManagerModules = { default =
/// ...; };`) is labelled by its category as when written dotted.
fn hoist_label_of(attrs: &[ast::Attr], category: Option<&str>, path: Option<&[String]>) -> String {
    if let ([last], Some([.., prev, _])) = (attrs, path)
        && syn::attr_name(last).as_deref() == Some("default")
        && category.is_none()
    {
        return format!("{prev}-default");
    }
    hoist_label(attrs, category)
}

/// Selections from the `self` argument of `outputs` with a static path
/// (`self.nixosModules.default`, `self.lib.x or y`): for each, a function
/// from a prefix length `n` to the range of `self` and its first `n` names,
/// and the names.
#[allow(clippy::type_complexity)]
fn self_selects(
    scopes: &Scopes,
    lambda: &ast::Lambda,
) -> Vec<(Box<dyn Fn(usize) -> TextRange>, Vec<String>)> {
    let Some(ast::Param::Pattern(pat)) = lambda.param() else {
        return Vec::new();
    };
    let Some(entry) = pat
        .pat_entries()
        .find(|e| e.ident().and_then(|i| syn::ident_name(&i)).as_deref() == Some("self"))
    else {
        return Vec::new();
    };
    let Some(id) = entry
        .ident()
        .and_then(|i| scopes.binding_at(i.syntax().text_range().start()))
    else {
        return Vec::new();
    };
    let mut out: Vec<(Box<dyn Fn(usize) -> TextRange>, Vec<String>)> = Vec::new();
    for r in scopes.uses(id) {
        let Some(sel) = lambda
            .syntax()
            .covering_element(r.range)
            .ancestors()
            .find_map(ast::Select::cast)
        else {
            continue;
        };
        if sel.expr().map(|e| e.syntax().text_range()) != Some(r.range) {
            continue;
        }
        let Some(ap) = sel.attrpath() else { continue };
        let attrs: Vec<ast::Attr> = ap.attrs().collect();
        let Some(names) = attrs.iter().map(syn::attr_name).collect::<Option<Vec<_>>>() else {
            continue;
        };
        let start = sel.syntax().text_range().start();
        let ends: Vec<TextSize> = attrs
            .iter()
            .map(|a| a.syntax().text_range().end())
            .collect();
        let whole = r.range;
        out.push((
            Box::new(move |n: usize| match n {
                0 => whole,
                n => TextRange::new(start, ends[n.min(ends.len()) - 1]),
            }),
            names,
        ));
    }
    out
}

/// `name variant`, parenthesised unless the position allows a bare application.
/// Whether `inherit x;` is in a set that is neither `rec` nor a `let`
/// (where `x = x;` means the same).
fn inherit_in_plain_set(inh: &SyntaxNode) -> bool {
    inh.parent()
        .and_then(ast::AttrSet::cast)
        .is_some_and(|set| set.rec_token().is_none())
}

/// Edits turning the names in `names` of `inherit a b c;` into bindings:
/// `inherit a; b = b; inherit c;` (each `b` after `=` is the original
/// identifier, left for the caller to rewrite as a use).
fn split_inherit(inh: &SyntaxNode, names: &BTreeSet<String>) -> Vec<(TextRange, String)> {
    let idents: Vec<SyntaxNode> = inh
        .children()
        .filter(|c| c.kind() == SyntaxKind::NODE_IDENT)
        .collect();
    let is_dep: Vec<bool> = idents
        .iter()
        .map(|i| names.contains(&i.text().to_string()))
        .collect();
    let mut out = Vec::new();
    let start = inh.text_range().start();
    for (k, id) in idents.iter().enumerate() {
        let name = id.text().to_string();
        let gap_start = if k == 0 {
            start
        } else {
            idents[k - 1].text_range().end()
        };
        let gap = TextRange::new(gap_start, id.text_range().start());
        match (k, is_dep[k], k > 0 && is_dep[k - 1]) {
            (0, true, _) => out.push((gap, format!("{name} = "))),
            (_, true, _) => out.push((gap, format!("; {name} = "))),
            (_, false, true) => out.push((gap, "; inherit ".to_string())),
            _ => {}
        }
    }
    out
}

fn applied(ident: Option<&SyntaxNode>, name: &str, arg: &str) -> String {
    let bare = ident.and_then(|n| n.parent()).is_some_and(|p| {
        matches!(
            p.kind(),
            SyntaxKind::NODE_PAREN
                | SyntaxKind::NODE_ATTRPATH_VALUE
                | SyntaxKind::NODE_LET_IN
                | SyntaxKind::NODE_INTERPOL
                | SyntaxKind::NODE_DYNAMIC
        ) || (p.kind() == SyntaxKind::NODE_BIN_OP
            && ast::BinOp::cast(p.clone())
                .and_then(|b| b.operator())
                .is_some_and(|o| matches!(o, BinOpKind::Update | BinOpKind::Concat)))
    });
    if bare {
        format!("{name} {arg}")
    } else {
        format!("({name} {arg})")
    }
}

fn node_at(root: &SyntaxNode, range: TextRange) -> Option<SyntaxNode> {
    root.covering_element(range)
        .into_node()
        .or_else(|| root.covering_element(range).parent())
        .filter(|n| n.text_range() == range)
}

/// What builds an expression, for messages: `` `mapAttrs` `` of
/// `lib.mapAttrs f hosts`, `` `//` ``, `a variable`.
fn construct(e: &ast::Expr) -> String {
    match syn::unparen(e.clone()) {
        ast::Expr::Apply(a) => {
            let mut f = a.lambda();
            while let Some(ast::Expr::Apply(inner)) = f.clone().map(syn::unparen) {
                f = inner.lambda();
            }
            match f.map(syn::unparen) {
                Some(ast::Expr::Ident(i)) => {
                    format!("a call of `{}`", syn::ident_name(&i).unwrap_or_default())
                }
                Some(ast::Expr::Select(s)) => format!(
                    "a call of `{}`",
                    s.attrpath()
                        .and_then(|p| p.attrs().last())
                        .and_then(|a| syn::attr_name(&a))
                        .unwrap_or_default()
                ),
                _ => "a function call".into(),
            }
        }
        ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Update) => {
            "`//` of values that are not attribute sets".into()
        }
        ast::Expr::Ident(i) => {
            format!("the variable `{}`", syn::ident_name(&i).unwrap_or_default())
        }
        ast::Expr::LetIn(_) => "a `let` expression".into(),
        ast::Expr::IfElse(_) => "an `if`".into(),
        _ => "an expression".into(),
    }
}

/// Whether a per-system function's body builds an attribute set of
/// outputs (`system: { packages = ...; }`, possibly under `let`/`//`), as
/// opposed to one output per name (`genAttrs hosts (h: nixosSystem ...)`).
fn builds_attrs(body: &ast::Expr) -> bool {
    match syn::unparen(body.clone()) {
        ast::Expr::AttrSet(_) => true,
        ast::Expr::LetIn(l) => l.body().is_some_and(|b| builds_attrs(&b)),
        ast::Expr::With(w) => w.body().is_some_and(|b| builds_attrs(&b)),
        ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Update) => {
            b.lhs().is_some_and(|x| builds_attrs(&x)) || b.rhs().is_some_and(|x| builds_attrs(&x))
        }
        _ => false,
    }
}

fn walk_outputs(
    scopes: &Scopes,
    e: &ast::Expr,
    frame: usize,
    label: Option<String>,
    frames: &mut Vec<Frame>,
    out: &mut Vec<Leaf>,
) {
    if frames.len() > 64 {
        out.push(Leaf::Opaque(e.clone()));
        return;
    }
    match syn::unparen(e.clone()) {
        ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Update) => {
            if let Some(l) = b.lhs() {
                walk_outputs(scopes, &l, frame, label.clone(), frames, out);
            }
            if let Some(r) = b.rhs() {
                walk_outputs(scopes, &r, frame, label, frames, out);
            }
        }
        ast::Expr::AttrSet(s) if s.rec_token().is_none() => {
            for entry in s.entries() {
                match entry {
                    ast::Entry::AttrpathValue(av) => {
                        let Some(v) = av.value() else { continue };
                        match syn::unparen(v.clone()) {
                            ast::Expr::AttrSet(inner) if inner.rec_token().is_none() => {
                                walk_outputs(
                                    scopes,
                                    &ast::Expr::AttrSet(inner),
                                    frame,
                                    None,
                                    frames,
                                    out,
                                )
                            }
                            x @ ast::Expr::Apply(_)
                                if per_system_lambda(scopes, &x)
                                    .and_then(|(l, _)| l.body())
                                    .is_some_and(|b| builds_attrs(&b)) =>
                            {
                                let label = av
                                    .attrpath()
                                    .and_then(|p| p.attrs().last())
                                    .and_then(|a| syn::attr_name(&a));
                                walk_outputs(scopes, &x, frame, label, frames, out)
                            }
                            _ => out.push(Leaf::Value {
                                entry: av.clone(),
                                value: v,
                                frame,
                            }),
                        }
                    }
                    ast::Entry::Inherit(inh) => out.push(Leaf::Inherit(inh)),
                }
            }
        }
        // `with flake-utils.lib; eachDefaultSystem (system: ...)`: the
        // per-system body is inside the `with`, so outputs moved into its
        // `let` still see the `with`'s names.
        ast::Expr::With(w)
            if w.body().is_some_and(|b| {
                matches!(syn::unparen(b.clone()), x @ ast::Expr::Apply(_) if per_system_lambda(scopes, &x).is_some())
            }) =>
        {
            if let Some(b) = w.body() {
                walk_outputs(scopes, &b, frame, label, frames, out);
            }
        }
        other @ ast::Expr::Apply(_) => {
            // A per-system function: its body is a frame of its own.
            let found = per_system_lambda(scopes, &other);
            match found
                .as_ref()
                .and_then(|(l, _)| l.body())
                .and_then(Frame::new)
            {
                Some(mut fr) => {
                    let result = fr.result.clone();
                    fr.label = label;
                    fr.via = found.and_then(|(_, via)| via);
                    frames.push(fr);
                    walk_outputs(scopes, &result, frames.len() - 1, None, frames, out);
                }
                None => out.push(Leaf::Opaque(other)),
            }
        }
        other => out.push(Leaf::Opaque(other)),
    }
}

/// For an application building outputs for every system, the function of
/// the system: flake-utils' `eachDefaultSystem f`, `eachSystem systems f`
/// (and their `...Map` forms), `genAttrs systems f`, and names bound to
/// those (`forAllSystems = genAttrs systems;`, `forAllSystems = f:
/// genAttrs systems (system: f ...);`).
///
/// The function is written inline or passed by a name bound to it
/// (`eachDefaultSystem perSystem`); the name is returned too.
fn per_system_lambda(scopes: &Scopes, e: &ast::Expr) -> Option<(ast::Lambda, Option<ast::Ident>)> {
    let (head, args) = syn::spine(scopes, e);
    let (l, via) = match syn::unparen(args.last()?.clone()) {
        ast::Expr::Lambda(l) => (l, None),
        ast::Expr::Ident(id) => match syn::resolve(scopes, &id) {
            syn::Def::Binding { value: Some(v), .. } => match syn::unparen(v) {
                ast::Expr::Lambda(l) => (l, Some(id)),
                _ => return None,
            },
            _ => return None,
        },
        _ => return None,
    };
    let l = (l, via);
    let known = |name: &str, n: usize| match name {
        "eachDefaultSystem" | "eachDefaultSystemMap" => n == 1,
        "eachSystem" | "eachSystemMap" | "genAttrs" => n == 2,
        _ => false,
    };
    match syn::callee(scopes, &head)? {
        syn::Callee::Prim(p) if known(&p, args.len()) => Some(l),
        syn::Callee::Lambda(def) if args.len() == 1 => {
            // `forAllSystems = f: genAttrs systems (system: f ...)`.
            let (h, a) = syn::spine(scopes, &def.body()?);
            match syn::callee(scopes, &h)? {
                syn::Callee::Prim(p) if known(&p, a.len()) => Some(l),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `"${user}"` → `"${user}"`, `${host}` → `(host)`: an expression for the
/// name a dynamic attribute gives.
fn name_expr(attr: &ast::Attr) -> String {
    match attr {
        ast::Attr::Dynamic(d) => match d.expr() {
            Some(e) => format!("({})", e.syntax().text()),
            None => "null".into(),
        },
        other => other.syntax().text().to_string(),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_lowercase().chain(c).collect(),
        None => "output".into(),
    }
}

/// `mkNixosWsl` for `nixos-wsl`.
fn mk_name(last: &str) -> String {
    let mut s = String::from("mk");
    let mut up = true;
    for c in last.chars() {
        if c.is_ascii_alphanumeric() {
            if up {
                s.extend(c.to_uppercase());
            } else {
                s.push(c);
            }
            up = false;
        } else {
            up = true;
        }
    }
    if s == "mk" {
        s.push_str("Output");
    }
    s
}

fn unique(base: &str, taken: &mut BTreeSet<String>) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}{n}");
        n += 1;
    }
    taken.insert(name.clone());
    name
}

#[cfg(test)]
mod tests {
    #[test]
    fn mk_names() {
        assert_eq!(super::mk_name("nixos-wsl"), "mkNixosWsl");
        assert_eq!(super::mk_name("container"), "mkContainer");
        assert_eq!(super::mk_name("${x}"), "mkX");
    }
}
