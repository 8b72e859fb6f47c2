//! The build matrix: every variant, per system, as the flake attribute that
//! builds it. `nixfold variants` shows it and `nixfold emit` generates
//! checks, hydraJobs, the CI matrix, devcontainers and the build script from
//! it, so both always agree.
//!
//! The matrix holds, in this order:
//!
//! - each declared variant (`[[variants]]`) as the output `nixfold migrate`
//!   gives it (`packages.<system>.<name>` for every system that has it);
//! - every system and home configuration (`nixosConfigurations.*`,
//!   `darwinConfigurations.*`, `homeConfigurations.*`);
//! - the outputs listed in `[emit] outputs`;
//! - with `[emit] home` (the default), `homeConfigurations.<user>` for each
//!   Home Manager user configured inside the flake
//!   (`home-manager.users.<user> = import ./home.nix;`), which `emit`
//!   generates.
//!
//! `[emit] exclude` and `[emit] systems` filter it. A package whose
//! definition is a `dockerTools` image call is an image; its name and tag are
//! read from the call where they are literals.

use std::collections::{BTreeMap, BTreeSet};

use super::flow::{Analyzer, literal_path};
use super::outputs::{Output, OutputMap, dotted, per_system};
use super::syn::{self, Def};
use super::{Site, Variant};
use crate::config::Config;
use crate::syntax::ast::{self, HasEntry};
use crate::syntax::{AstNode, SyntaxNode};

/// The file `nixfold emit` generates; flake.nix's outputs are passed through
/// it (`import ./nixfold-outputs.nix inputs (…)`).
pub const EMIT_FILE: &str = "nixfold-outputs.nix";

/// What a build is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildKind {
    /// A derivation (package, shell, …).
    Package,
    /// A Docker image (`dockerTools.buildImage`/`buildLayeredImage`, or a
    /// `streamLayeredImage` script when `stream`).
    Image { stream: bool },
    /// `nixosConfigurations.<name>`: builds `config.system.build.toplevel`.
    Nixos,
    /// `darwinConfigurations.<name>`: builds `config.system.build.toplevel`.
    Darwin,
    /// `homeConfigurations.<name>`: builds `activationPackage`.
    Home,
}

impl BuildKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            BuildKind::Package => "package",
            BuildKind::Image { stream: false } => "image",
            BuildKind::Image { stream: true } => "image-stream",
            BuildKind::Nixos => "nixos",
            BuildKind::Darwin => "darwin",
            BuildKind::Home => "home",
        }
    }
}

/// A Home Manager configuration `emit` generates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeSpec {
    pub user: String,
    /// The module path as written in flake.nix (`./home-vpittamp.nix`).
    pub module: String,
    /// The system configuration whose `pkgs` it uses, when there is exactly one.
    pub pkgs_from: Option<String>,
}

/// One entry of the matrix: a variant on a system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    /// The variant's name: `checks.<system>.<name>`, `hydraJobs.<name>.<system>`.
    pub name: String,
    pub system: String,
    pub kind: BuildKind,
    /// The flake output (dotted).
    pub output: String,
    /// The attribute whose value is the derivation to build (dotted).
    pub derivation: String,
    /// The output a declared variant is made from.
    pub source: Option<String>,
    /// The variant's environment (declared variants).
    pub env: BTreeMap<String, String>,
    /// For images: the name and tag of the image as Docker knows it after
    /// `build-variants.sh` loaded it.
    pub image: Option<String>,
    /// For images: whether the image's own name:tag is `image` (else the
    /// script tags the loaded image as `image`).
    pub image_own_tag: bool,
    /// Whether the output exists in the tree (declared variants do after
    /// `nixfold migrate`; generated home configurations never do).
    pub exists: bool,
    /// Set when `emit` generates the output.
    pub home: Option<HomeSpec>,
}

impl Build {
    /// `checks.<system>.<name>`.
    pub fn check_attr(&self) -> String {
        dotted(&["checks".into(), self.system.clone(), self.name.clone()])
    }
}

/// The systems to prefer when a configuration does not say which it is for.
fn default_system(outputs: &OutputMap) -> String {
    if outputs.systems.iter().any(|s| s == "x86_64-linux") || outputs.systems.is_empty() {
        "x86_64-linux".into()
    } else {
        outputs.systems[0].clone()
    }
}

/// Build the matrix. Problems (an `[emit] outputs` entry that is no output)
/// are returned as messages.
pub fn builds(
    a: &Analyzer<'_>,
    outputs: &OutputMap,
    variants: &[Variant],
    config: &Config,
) -> (Vec<Build>, Vec<String>) {
    let mut out: Vec<Build> = Vec::new();
    let mut errors = Vec::new();
    let find = |d: &str| outputs.outputs.iter().find(|o| o.dotted() == d);
    let fallback = default_system(outputs);

    // 1. Declared variants.
    for v in variants.iter().filter(|v| v.declared.is_some()) {
        let attr = super::usage::split_attr_path(&v.output);
        let Some((_, category)) = attr.split_last() else {
            continue;
        };
        let source = find(&v.output);
        let mut made: Vec<(String, Vec<String>)> = Vec::new();
        if category.len() == 2 && per_system(&category[0]) {
            // Every system that has the generated output, else the declared one.
            let mut systems: Vec<String> = outputs
                .outputs
                .iter()
                .filter(|o| o.attr.len() == 3 && o.attr[0] == category[0] && o.attr[2] == v.name)
                .map(|o| o.attr[1].clone())
                .collect();
            if systems.is_empty() {
                systems.push(category[1].clone());
            }
            for s in systems {
                made.push((
                    s.clone(),
                    vec![category[0].clone(), s.clone(), v.name.clone()],
                ));
            }
        } else {
            let mut p = category.to_vec();
            p.push(v.name.clone());
            made.push((String::new(), p));
        }
        for (system, path) in made {
            let output = dotted(&path);
            let generated = find(&output);
            let def = generated.or(source);
            let kind = kind_of(a, &path, def);
            let system = if system.is_empty() {
                def.and_then(|o| config_system(a, o))
                    .unwrap_or_else(|| fallback.clone())
            } else {
                system
            };
            out.push(Build {
                name: v.name.clone(),
                system,
                derivation: derivation_of(&kind, &output),
                kind,
                output,
                source: Some(v.output.clone()),
                env: v.env.clone(),
                image: None,
                image_own_tag: false,
                exists: generated.is_some(),
                home: None,
            });
        }
    }
    let declared_outputs: BTreeSet<String> = out.iter().map(|b| b.output.clone()).collect();

    // 2. System and home configurations; 3. listed outputs.
    let add_output = |o: &Output, out: &mut Vec<Build>| {
        let d = o.dotted();
        if declared_outputs.contains(&d) || out.iter().any(|b| b.output == d) {
            return;
        }
        let kind = kind_of(a, &o.attr, Some(o));
        let system = if (2..=3).contains(&o.attr.len()) && per_system(&o.attr[0]) {
            o.attr[1].clone()
        } else {
            config_system(a, o).unwrap_or_else(|| fallback.clone())
        };
        out.push(Build {
            name: o.attr.last().cloned().unwrap_or_default(),
            system,
            derivation: derivation_of(&kind, &d),
            kind,
            output: d,
            source: None,
            env: BTreeMap::new(),
            image: None,
            image_own_tag: false,
            exists: true,
            home: None,
        });
    };
    for o in &outputs.outputs {
        if o.attr.len() == 2
            && matches!(
                o.attr[0].as_str(),
                "nixosConfigurations" | "darwinConfigurations" | "homeConfigurations"
            )
            && !o.attr[1].starts_with("${")
        {
            add_output(o, &mut out);
        }
    }
    for listed in &config.emit.outputs {
        match find(listed) {
            Some(o) => add_output(o, &mut out),
            None => errors.push(format!(
                "`emit.outputs`: `{listed}` is not an output of this tree"
            )),
        }
    }

    // 4. Home Manager users of the flake's system configurations.
    if config.emit.home {
        let nixos: Vec<&Output> = outputs
            .outputs
            .iter()
            .filter(|o| o.attr.len() == 2 && o.attr[0] == "nixosConfigurations")
            .collect();
        for (user, module) in home_users(a, outputs) {
            let output = dotted(&["homeConfigurations".into(), user.clone()]);
            if out.iter().any(|b| b.output == output) {
                continue;
            }
            out.push(Build {
                name: user.clone(),
                system: nixos
                    .first()
                    .filter(|_| nixos.len() == 1)
                    .and_then(|o| config_system(a, o))
                    .unwrap_or_else(|| fallback.clone()),
                kind: BuildKind::Home,
                derivation: format!("{output}.activationPackage"),
                output,
                source: None,
                env: BTreeMap::new(),
                image: None,
                image_own_tag: false,
                exists: false,
                home: Some(HomeSpec {
                    user,
                    module,
                    pkgs_from: (nixos.len() == 1).then(|| nixos[0].dotted()),
                }),
            });
        }
    }

    // Filters.
    out.retain(|b| !config.emit.exclude.contains(&b.name));
    if !config.emit.systems.is_empty() {
        out.retain(|b| config.emit.systems.contains(&b.system));
    }
    // Names unique per system (a host and a package of the same name).
    let mut taken: BTreeSet<(String, String)> = BTreeSet::new();
    for b in &mut out {
        if !taken.insert((b.system.clone(), b.name.clone())) {
            let mut n = format!("{}-{}", b.name, b.kind.as_str());
            let mut k = 2;
            while !taken.insert((b.system.clone(), n.clone())) {
                n = format!("{}-{}-{k}", b.name, b.kind.as_str());
                k += 1;
            }
            b.name = n;
        }
    }
    // Image references: the image's own name:tag when every image has a
    // different one, else `<name>:<variant>` (the build script tags it).
    let images: Vec<(usize, Option<NameTag>)> = out
        .iter()
        .enumerate()
        .filter(|(_, b)| matches!(b.kind, BuildKind::Image { .. }))
        .map(|(i, b)| {
            let def = find(&b.output).or_else(|| b.source.as_deref().and_then(find));
            (
                i,
                def.and_then(|o| image_call(a, o)).map(|c| (c.name, c.tag)),
            )
        })
        .collect();
    // Per variant name (an image variant may exist for several systems).
    let mut own: BTreeMap<&str, Option<String>> = BTreeMap::new();
    for (i, c) in &images {
        let r = match c {
            Some((Some(n), Some(t))) => Some(format!("{n}:{t}")),
            _ => None,
        };
        let e = own
            .entry(out[*i].name.as_str())
            .or_insert_with(|| r.clone());
        if *e != r {
            *e = None;
        }
    }
    let refs: Vec<&String> = own.values().flatten().collect();
    let distinct =
        refs.len() == own.len() && refs.iter().collect::<BTreeSet<_>>().len() == refs.len();
    for (i, c) in images {
        let b = &mut out[i];
        let name = c
            .as_ref()
            .and_then(|(n, _)| n.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| b.name.clone());
        match c {
            Some((Some(n), Some(t))) if distinct => {
                b.image = Some(format!("{n}:{t}"));
                b.image_own_tag = true;
            }
            _ => b.image = Some(format!("{name}:{}", b.name)),
        }
    }
    (out, errors)
}

fn derivation_of(kind: &BuildKind, output: &str) -> String {
    match kind {
        BuildKind::Nixos | BuildKind::Darwin => format!("{output}.config.system.build.toplevel"),
        BuildKind::Home => format!("{output}.activationPackage"),
        _ => output.to_string(),
    }
}

fn kind_of(a: &Analyzer<'_>, attr: &[String], def: Option<&Output>) -> BuildKind {
    match attr.first().map(String::as_str) {
        Some("nixosConfigurations") => BuildKind::Nixos,
        Some("darwinConfigurations") => BuildKind::Darwin,
        Some("homeConfigurations") => BuildKind::Home,
        _ => match def.and_then(|o| image_call(a, o)) {
            Some(c) => BuildKind::Image { stream: c.stream },
            None => BuildKind::Package,
        },
    }
}

/// An image's name and tag, where literal.
type NameTag = (Option<String>, Option<String>);

/// A `dockerTools` image call found behind an output.
struct ImageCall {
    stream: bool,
    name: Option<String>,
    tag: Option<String>,
}

/// The defining expression of an output.
fn def_expr(a: &Analyzer<'_>, o: &Output) -> Option<ast::Expr> {
    let Site { file, range } = o.site.clone()?;
    let root = a.project.files.get(file)?.parsed().syntax();
    root.descendants()
        .filter(|n| n.text_range() == range)
        .find_map(ast::Expr::cast)
}

/// The expressions an output's value comes from: its definition and, through
/// names and applied helpers (`containerImage variants.full`), the bodies of
/// the bindings they name (a few levels).
fn sources(a: &Analyzer<'_>, e: ast::Expr) -> Vec<ast::Expr> {
    let mut out = Vec::new();
    let mut queue = vec![(e, 0u32)];
    let mut seen: BTreeSet<(usize, u32, u32)> = BTreeSet::new();
    while let Some((e, depth)) = queue.pop() {
        let r = e.syntax().text_range();
        let key = (
            a.file_of(e.syntax()).unwrap_or(usize::MAX),
            u32::from(r.start()),
            u32::from(r.end()),
        );
        if !seen.insert(key) || out.len() > 64 {
            continue;
        }
        out.push(e.clone());
        if depth >= 4 {
            continue;
        }
        let head = match syn::unparen(e.clone()) {
            x @ ast::Expr::Apply(_) => a.spine(&x).0,
            x => x,
        };
        let mut body = syn::unparen(head);
        if let ast::Expr::Ident(id) = &body
            && let Def::Binding { value: Some(v), .. } = a.def_of(id)
        {
            body = syn::unparen(v);
        } else if matches!(body, ast::Expr::Ident(_)) {
            continue;
        }
        // Through the helper's parameters (`variant: …`).
        for _ in 0..4 {
            match body {
                ast::Expr::Lambda(ref l) => match l.body() {
                    Some(b) => body = syn::unparen(b),
                    None => break,
                },
                _ => break,
            }
        }
        if body.syntax().text_range() != e.syntax().text_range() {
            queue.push((body, depth + 1));
        }
    }
    out
}

fn image_call(a: &Analyzer<'_>, o: &Output) -> Option<ImageCall> {
    let e = def_expr(a, o)?;
    for src in sources(a, e) {
        for node in std::iter::once(src.syntax().clone()).chain(src.syntax().descendants()) {
            let Some(app) = ast::Apply::cast(node) else {
                continue;
            };
            let app = ast::Expr::Apply(app);
            let (head, args) = a.spine(&app);
            let Some(fname) = last_name(&head) else {
                continue;
            };
            let stream = match fname.as_str() {
                "buildImage" | "buildLayeredImage" | "buildNixShellImage" => false,
                "streamLayeredImage" | "streamNixShellImage" => true,
                _ => continue,
            };
            if !head.syntax().text().to_string().contains("dockerTools")
                && !matches!(head, ast::Expr::Ident(_))
            {
                continue;
            }
            let arg = args.first();
            let get = |k: &str| {
                arg.and_then(|x| a.attr_value(x, &[k.to_string()]))
                    .and_then(|v| a.literal_string_of(&v))
            };
            return Some(ImageCall {
                stream,
                name: get("name"),
                tag: get("tag"),
            });
        }
    }
    None
}

/// The last name of `a.b.c` or `c`.
fn last_name(e: &ast::Expr) -> Option<String> {
    match syn::unparen(e.clone()) {
        ast::Expr::Select(s) => s
            .attrpath()?
            .attrs()
            .last()
            .and_then(|x| syn::attr_name(&x)),
        ast::Expr::Ident(id) => syn::ident_name(&id),
        _ => None,
    }
}

/// The system a configuration is for: `system = "…"` (or
/// `nixpkgs.hostPlatform = "…"`) in its definition or the helpers it calls.
fn config_system(a: &Analyzer<'_>, o: &Output) -> Option<String> {
    let e = def_expr(a, o)?;
    for src in sources(a, e) {
        for node in src.syntax().descendants() {
            if let Some(av) = ast::AttrpathValue::cast(node.clone()) {
                let names = av.attrpath().and_then(|p| syn::attrpath_names(&p));
                let last = names.as_ref().and_then(|n| n.last()).map(String::as_str);
                if matches!(last, Some("system" | "hostPlatform"))
                    && let Some(s) = av.value().and_then(|v| a.literal_string_of(&v))
                    && s.contains('-')
                {
                    return Some(s);
                }
            } else if let Some(inh) = ast::Inherit::cast(node) {
                if inh.from().is_some() {
                    continue;
                }
                for at in inh.attrs() {
                    if let ast::Attr::Ident(id) = at
                        && syn::ident_name(&id).as_deref() == Some("system")
                        && let Def::Binding { value: Some(v), .. } = a.def_of(&id)
                        && let Some(s) = a.literal_string_of(&v)
                    {
                        return Some(s);
                    }
                }
            }
        }
    }
    None
}

/// `home-manager.users.<user> = import ./file.nix;` (or `= ./file.nix;`) in
/// flake.nix, when the flake has a `home-manager` input.
fn home_users(a: &Analyzer<'_>, outputs: &OutputMap) -> Vec<(String, String)> {
    let Some(fi) = outputs.entry.filter(|_| outputs.is_flake) else {
        return Vec::new();
    };
    let root = a.project.files[fi].parsed().syntax();
    // The generated file reaches the input through what the outputs
    // function passes on (see emit): `@inputs`, `inputs:` or the formal.
    let reachable = super::outputs::flake_outputs_fn(a.file_scopes(fi), &root).is_some_and(|l| {
        match l.param() {
            Some(ast::Param::IdentParam(_)) => true,
            Some(ast::Param::Pattern(p)) => {
                p.pat_bind().is_some()
                    || p.pat_entries().any(|e| {
                        e.ident().and_then(|i| syn::ident_name(&i)).as_deref()
                            == Some("home-manager")
                    })
            }
            None => false,
        }
    });
    if !reachable || !has_input(&root, "home-manager") {
        return Vec::new();
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for node in root.descendants() {
        let Some(av) = ast::AttrpathValue::cast(node.clone()) else {
            continue;
        };
        let Some(names) = av.attrpath().and_then(|p| syn::attrpath_names(&p)) else {
            continue;
        };
        let mut full = enclosing_names(&node);
        full.extend(names);
        let n = full.len();
        if n < 3 || full[n - 2] != "users" || !full[..n - 2].iter().any(|x| x == "home-manager") {
            continue;
        }
        let Some(value) = av.value() else { continue };
        let module = match syn::unparen(value.clone()) {
            ast::Expr::Apply(app) => {
                let is_import = app
                    .lambda()
                    .and_then(|f| last_name(&f))
                    .is_some_and(|f| f == "import");
                match app.argument() {
                    Some(arg) if is_import => literal_path(&arg),
                    _ => None,
                }
            }
            other => literal_path(&other),
        };
        if let Some(m) = module
            && !out.iter().any(|(u, _)| u == &full[n - 1])
        {
            out.push((full[n - 1].clone(), m));
        }
    }
    out
}

/// The attribute names of the sets enclosing `node` (outermost first).
fn enclosing_names(node: &SyntaxNode) -> Vec<String> {
    let mut names = Vec::new();
    let mut cur = node.parent();
    while let Some(n) = cur {
        if let Some(av) = ast::AttrpathValue::cast(n.clone())
            && let Some(p) = av.attrpath().and_then(|p| syn::attrpath_names(&p))
        {
            for x in p.into_iter().rev() {
                names.push(x);
            }
        }
        cur = n.parent();
    }
    names.reverse();
    names
}

/// Whether flake.nix declares input `name` (`inputs.name…` or
/// `inputs = { name… }`).
pub fn has_input(root: &SyntaxNode, name: &str) -> bool {
    let Some(ast::Expr::AttrSet(set)) = root.children().find_map(ast::Expr::cast).map(syn::unparen)
    else {
        return false;
    };
    for av in set.attrpath_values() {
        let Some(names) = av.attrpath().and_then(|p| syn::attrpath_names(&p)) else {
            continue;
        };
        if names.first().map(String::as_str) != Some("inputs") {
            continue;
        }
        if names.get(1).map(String::as_str) == Some(name) {
            return true;
        }
        if names.len() == 1
            && let Some(ast::Expr::AttrSet(inner)) = av.value().map(syn::unparen)
            && inner.attrpath_values().any(|iv| {
                iv.attrpath()
                    .and_then(|p| p.attrs().next())
                    .and_then(|x| syn::attr_name(&x))
                    .as_deref()
                    == Some(name)
            })
        {
            return true;
        }
    }
    false
}
