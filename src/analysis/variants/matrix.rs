//! The variant matrix: the default variant of each output, the variants
//! declared in nixfold.toml (`[[variants]]`), where their values are written,
//! which output a script's `nix build .#attr` builds, and the variants
//! `nixfold init` proposes.

use std::collections::{BTreeMap, BTreeSet};

use super::domain::Kind;
use super::outputs::{Output, OutputMap, dotted};
use super::usage::{Target, Tool, Usage};
use crate::config::Config;

/// One variant: an output built under an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// The output it is made from (dotted).
    pub output: String,
    /// The generated output's name (same category); the default variant keeps
    /// the original name.
    pub name: String,
    /// Variables set; every other variable is "".
    pub env: BTreeMap<String, String>,
    /// Index in `config.variants`, for declared variants.
    pub declared: Option<usize>,
}

impl Variant {
    /// The value of a variable in this variant ("" when unset).
    pub fn get(&self, var: &str) -> &str {
        self.env.get(var).map(String::as_str).unwrap_or("")
    }
}

/// The default variant of every output that depends on the environment,
/// then the declared variants; plus problems with the declarations.
pub fn variants(outputs: &OutputMap, config: &Config) -> (Vec<Variant>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for o in &outputs.outputs {
        if !o.env.is_empty() {
            out.push(Variant {
                output: o.dotted(),
                name: o.attr.last().cloned().unwrap_or_default(),
                env: BTreeMap::new(),
                declared: None,
            });
        }
    }
    let mut names: BTreeSet<(String, String)> = outputs
        .outputs
        .iter()
        .filter_map(|o| {
            let (last, cat) = o.attr.split_last()?;
            Some((dotted(cat), last.clone()))
        })
        .collect();
    for (i, d) in config.variants.iter().enumerate() {
        let known = outputs.outputs.iter().find(|o| o.dotted() == d.output);
        if known.is_none() && !outputs.outputs.is_empty() {
            let mut msg = format!(
                "variant `{}`: output `{}` is not an output of this tree",
                d.name, d.output
            );
            let names: Vec<String> = outputs.outputs.iter().map(Output::dotted).collect();
            if let Some(s) = super::domain::closest(&d.output, names.iter().map(String::as_str)) {
                msg.push_str(&format!(" (did you mean `{s}`?)"));
            }
            errors.push(msg);
        }
        if !valid_attr_name(&d.name) {
            errors.push(format!(
                "variant `{}`: the name is not a valid attribute name (letters, digits, `_`, `-`, `'`, not starting with a digit or `-`)",
                d.name
            ));
        }
        let category = match super::usage::split_attr_path(&d.output).split_last() {
            Some((_, cat)) => dotted(cat),
            None => String::new(),
        };
        // After `nixfold migrate` (nothing reads the environment any more)
        // the variant's output is expected to exist.
        let migrated = outputs.outputs.iter().all(|o| o.env.is_empty())
            && outputs
                .outputs
                .iter()
                .any(|o| o.dotted() == format!("{category}.{}", d.name));
        if !names.insert((category.clone(), d.name.clone())) && !migrated {
            errors.push(format!(
                "variant `{}`: `{}.{}` already exists (an output or another variant has that name)",
                d.name, category, d.name
            ));
        }
        out.push(Variant {
            output: d.output.clone(),
            name: d.name.clone(),
            env: d.env.clone(),
            declared: Some(i),
        });
    }
    (out, errors)
}

/// Whether `s` can be an unquoted Nix attribute name.
pub fn valid_attr_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''))
}

/// The output a script's build command builds, following Nix's lookup rules
/// (`nix build .#x` tries `packages.<system>.x`, `legacyPackages.<system>.x`,
/// then `x`; `nixos-rebuild --flake .#h` means `nixosConfigurations.h`).
pub fn resolve_target(outputs: &OutputMap, target: &Target) -> Option<usize> {
    let path = target.attr_path();
    let find = |candidate: &[String]| {
        outputs.outputs.iter().position(|o| {
            candidate.len() >= o.attr.len() && candidate[..o.attr.len()] == o.attr[..]
        })
    };
    let mut systems: Vec<String> = outputs.systems.clone();
    if let Some(i) = systems.iter().position(|s| s == "x86_64-linux") {
        let s = systems.remove(i);
        systems.insert(0, s);
    }
    if systems.is_empty() {
        systems.push("x86_64-linux".into());
    }
    let with_prefixes = |prefixes: &[&str], default_leaf: &[&str]| -> Option<usize> {
        for sys in &systems {
            for p in prefixes {
                let mut c = vec![p.to_string(), sys.clone()];
                if path.is_empty() {
                    c.extend(default_leaf.iter().map(|s| s.to_string()));
                } else {
                    c.extend(path.iter().cloned());
                }
                if let Some(i) = find(&c) {
                    return Some(i);
                }
            }
        }
        None
    };
    match target.tool {
        Tool::Nix => {
            if !outputs.is_flake {
                return None;
            }
            let sub = target.subcommand.split(' ').next().unwrap_or("");
            let prefixes: &[&str] = match sub {
                "run" => &["apps", "packages", "legacyPackages"],
                "develop" | "print-dev-env" => &["devShells", "packages", "legacyPackages"],
                _ => &["packages", "legacyPackages"],
            };
            if let Some(i) = with_prefixes(prefixes, &["default"]) {
                return Some(i);
            }
            if path.is_empty() {
                let old = match sub {
                    "develop" => "devShell",
                    "run" => "defaultApp",
                    _ => "defaultPackage",
                };
                return systems
                    .iter()
                    .find_map(|s| find(&[old.to_string(), s.clone()]));
            }
            find(&path)
        }
        Tool::NixosRebuild | Tool::DarwinRebuild | Tool::HomeManager => {
            let cat = match target.tool {
                Tool::NixosRebuild => "nixosConfigurations",
                Tool::DarwinRebuild => "darwinConfigurations",
                _ => "homeConfigurations",
            };
            if path.is_empty() {
                return None;
            }
            let mut c = vec![cat.to_string()];
            c.extend(path.iter().cloned());
            find(&c)
        }
        Tool::Legacy => {
            if outputs.is_flake {
                return None;
            }
            if path.is_empty() {
                return outputs
                    .outputs
                    .iter()
                    .position(|o| o.attr.len() == 1 && o.attr[0].ends_with(".nix"))
                    .or_else(|| (outputs.outputs.len() == 1).then_some(0));
            }
            find(&path)
        }
    }
}

/// Where a proposed variant comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A build command in a script or doc: text index and 1-based line.
    Usage { text: usize, line: u32 },
    /// The variable's domain.
    Domain { var: String },
    /// The environment `nixfold init --from-env` ran in.
    Environment,
}

/// A variant `nixfold init` proposes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub variant: Variant,
    pub origin: Origin,
}

impl Proposal {
    fn new(output: String, name: String, env: BTreeMap<String, String>, origin: Origin) -> Self {
        Proposal {
            variant: Variant {
                output,
                name,
                env,
                declared: None,
            },
            origin,
        }
    }
}

/// At most this many variants are proposed from domains per output.
const MAX_DOMAIN_PER_OUTPUT: usize = 32;

/// Propose variants: first the environments the tree's scripts and docs
/// build with, then the one `current` selects (the values of the variables
/// read, as the caller's environment has them; empty for none), then, per
/// output and variable, each domain value none of those covers (on top of
/// the environment the scripts use for that output).
pub fn propose(
    an: &super::VariantAnalysis,
    project: &crate::project::Project,
    current: &BTreeMap<String, String>,
) -> Vec<Proposal> {
    // Variants are flake outputs: without a flake.nix there is nowhere to
    // put them (and `migrate` refuses declared ones).
    let entry = super::entry_dir(project);
    if super::flow::resolve_file(project, &entry, "flake.nix").is_none() {
        return Vec::new();
    }
    let outputs = &an.outputs;
    let known_vars: BTreeSet<&str> = an.env.iter().map(|v| v.name.as_str()).collect();
    let mut out: Vec<Proposal> = Vec::new();
    let mut taken: BTreeSet<(String, String)> = outputs
        .outputs
        .iter()
        .filter_map(|o| {
            let (last, cat) = o.attr.split_last()?;
            Some((dotted(cat), last.clone()))
        })
        .collect();
    let mut seen: BTreeSet<(String, BTreeMap<String, String>)> = BTreeSet::new();
    // 1. Usages.
    // Inline code in prose often shows what not to do; blocks and scripts count.
    let mut usages: Vec<&Usage> = an.scripts.usages.iter().filter(|u| !u.inline).collect();
    usages.sort_by_key(|u| (project.texts[u.text].path.clone(), u.range.start()));
    for u in usages {
        let Some(oi) = resolve_target(outputs, &u.target) else {
            continue;
        };
        let o = &outputs.outputs[oi];
        let Some(env) = u.literal_env() else { continue };
        let env: BTreeMap<String, String> = env
            .into_iter()
            .filter(|(k, v)| o.env.contains(k) && known_vars.contains(k.as_str()) && !v.is_empty())
            .collect();
        if env.is_empty() || !seen.insert((o.dotted(), env.clone())) {
            continue;
        }
        let t = &project.texts[u.text];
        let line = t.line_index.line_col(&t.text, u.range.start()).line;
        let name = unique_name(&mut taken, o, &variant_name(an, o, &env));
        let origin = Origin::Usage { text: u.text, line };
        out.push(Proposal::new(o.dotted(), name, env, origin));
    }
    // 2. What the current environment selects, per output that reads a
    // variable it sets (aliases once; an output built for every system once,
    // for x86_64-linux where it has one: migrate puts the variants into the
    // per-system function, and one declaration is all it takes).
    let mut alias_keys: BTreeSet<String> = BTreeSet::new();
    let mut per_system: BTreeSet<Vec<String>> = BTreeSet::new();
    let generic = |o: &Output| -> Vec<String> {
        o.attr
            .iter()
            .map(|a| {
                if outputs.systems.contains(a) {
                    "<system>".to_string()
                } else {
                    a.clone()
                }
            })
            .collect()
    };
    let mut order: Vec<&Output> = outputs.outputs.iter().collect();
    order.sort_by_key(|o| !o.attr.iter().any(|a| a == "x86_64-linux"));
    for o in order {
        if let Some(k) = o.alias.clone()
            && !alias_keys.insert(k)
        {
            continue;
        }
        if !per_system.insert(generic(o)) {
            continue;
        }
        let env: BTreeMap<String, String> = current
            .iter()
            .filter(|(k, v)| o.env.contains(*k) && known_vars.contains(k.as_str()) && !v.is_empty())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if env.is_empty() || !seen.insert((o.dotted(), env.clone())) {
            continue;
        }
        let name = unique_name(&mut taken, o, &environment_name(an, o, &env));
        out.push(Proposal::new(o.dotted(), name, env, Origin::Environment));
    }
    // 3. Domains (not again for an output that is another's alias:
    // `default = containerImage; container = containerImage;`).
    let mut alias_keys: BTreeSet<String> = BTreeSet::new();
    for o in &outputs.outputs {
        let dotted_o = o.dotted();
        if let Some(k) = o.alias.clone()
            && !alias_keys.insert(k)
        {
            continue;
        }
        // The environment the scripts use for this output, as a base.
        let base: BTreeMap<String, String> = out
            .iter()
            .filter(|p| matches!(p.origin, Origin::Usage { .. }))
            .find(|p| p.variant.output == dotted_o)
            .map(|p| p.variant.env.clone())
            .unwrap_or_default();
        let mut added = 0;
        for var in &o.env {
            let Some(v) = an.var(var) else { continue };
            let d = &v.domain;
            let mut candidates: Vec<String> = Vec::new();
            if d.kinds.contains(&Kind::List) {
                candidates.extend(
                    d.aliases
                        .iter()
                        .map(|(k, _)| k.clone())
                        .filter(|k| !k.is_empty()),
                );
                // Each item on top of the default selection (`"" → [ essential ]`
                // makes `development` into `essential,development`).
                let sep = d.separator.clone().unwrap_or_else(|| ",".into());
                let base_items: Vec<String> = d
                    .aliases
                    .iter()
                    .find(|(k, _)| k.is_empty())
                    .map(|(_, l)| l.clone())
                    .unwrap_or_default();
                for item in &d.items {
                    if base_items.contains(item) {
                        continue;
                    }
                    let mut l = base_items.clone();
                    l.push(item.clone());
                    candidates.push(l.join(&sep));
                }
            } else if d
                .kinds
                .iter()
                .any(|k| matches!(k, Kind::Flag | Kind::Enum | Kind::Path | Kind::AttrName))
            {
                candidates.extend(d.values.iter().cloned());
            }
            for value in candidates {
                if added >= MAX_DOMAIN_PER_OUTPUT {
                    break;
                }
                if d.default.as_deref() == Some(value.as_str()) {
                    continue;
                }
                // Covered by a proposal for this output already?
                // (List items count as covered when listed explicitly, not
                // through an alias such as "full".)
                let sep = d.separator.as_deref().unwrap_or(",");
                let new_items: Vec<String> = super::flow::split_like_nix(sep, &value);
                let covered = out.iter().any(|p| {
                    p.variant.output == dotted_o
                        && match p.variant.env.get(var) {
                            Some(x) if x == &value => true,
                            Some(x)
                                if d.kinds.contains(&Kind::List)
                                    && !d.aliases.iter().any(|(k, _)| k == &value) =>
                            {
                                let listed = super::flow::split_like_nix(sep, x);
                                new_items.iter().all(|i| listed.contains(i))
                            }
                            _ => false,
                        }
                });
                if covered {
                    continue;
                }
                let mut env = base.clone();
                env.insert(var.clone(), value.clone());
                if !seen.insert((dotted_o.clone(), env.clone())) {
                    continue;
                }
                let name = unique_name(&mut taken, o, &variant_name(an, o, &env));
                let origin = Origin::Domain { var: var.clone() };
                out.push(Proposal::new(dotted_o.clone(), name, env, origin));
                added += 1;
            }
        }
    }
    out
}

/// A readable name: the output's name followed by the values
/// (`container-essential-kubernetes`); flags contribute their variable's
/// last word (`NIXOS_CONTAINER=1` → `container`).
pub fn variant_name(
    an: &super::VariantAnalysis,
    o: &Output,
    env: &BTreeMap<String, String>,
) -> String {
    let leaf = o.attr.last().cloned().unwrap_or_default();
    let mut words: Vec<String> = Vec::new();
    let mut leaf_replaced = false;
    for (var, value) in env {
        let d = an.var(var).map(|v| &v.domain);
        let is_flag = d.is_some_and(|d| d.kinds == [Kind::Flag]);
        if is_flag {
            let w = var.rsplit('_').next().unwrap_or(var).to_lowercase();
            words.push(w);
        } else if d.is_some_and(|d| {
            d.kinds.contains(&Kind::AttrName) && d.default.as_deref() == Some(leaf.as_str())
        }) {
            // The output's own name comes from this variable.
            leaf_replaced = true;
            words.insert(0, value.clone());
        } else {
            words.push(value.clone());
        }
    }
    // A name chosen by the environment (`nixosConfigurations.${host}`)
    // is not a word of the variant's name; its value is.
    if leaf.starts_with("${") {
        leaf_replaced = true;
    }
    let mut all = if leaf_replaced {
        Vec::new()
    } else {
        vec![leaf]
    };
    all.extend(words);
    let mut slug = String::new();
    let mut last_word = String::new();
    for w in all {
        for part in w.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if part.is_empty() || part == last_word {
                continue;
            }
            if !slug.is_empty() {
                slug.push('-');
            }
            slug.push_str(part);
            last_word = part.to_string();
        }
    }
    if slug.is_empty() || !valid_attr_name(&slug) {
        slug = format!("variant-{slug}");
    }
    slug
}

/// The name of the variant the current environment selects: as
/// [`variant_name`], but values that are paths (`HOME=/home/alice`) do not
/// contribute while other values do (`USER=alice`), and contribute their
/// last component otherwise.
fn environment_name(
    an: &super::VariantAnalysis,
    o: &Output,
    env: &BTreeMap<String, String>,
) -> String {
    let plain: BTreeMap<String, String> = env
        .iter()
        .filter(|(_, v)| !v.contains('/'))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !plain.is_empty() {
        return variant_name(an, o, &plain);
    }
    let last: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| {
            let tail = v.trim_end_matches('/').rsplit('/').next().unwrap_or(v);
            (k.clone(), tail.to_string())
        })
        .collect();
    variant_name(an, o, &last)
}

fn unique_name(taken: &mut BTreeSet<(String, String)>, o: &Output, name: &str) -> String {
    let cat = dotted(&o.attr[..o.attr.len().saturating_sub(1)]);
    let mut n = name.to_string();
    let mut k = 2;
    while !taken.insert((cat.clone(), n.clone())) {
        n = format!("{name}-{k}");
        k += 1;
    }
    n
}

/// Where the values of declared variants are written in nixfold.toml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclSpans {
    /// Byte range of the whole `[[variants]]` entry's `output` value.
    pub output: Option<std::ops::Range<usize>>,
    /// Variable → (range of the key, range of the value).
    pub env: BTreeMap<String, (std::ops::Range<usize>, std::ops::Range<usize>)>,
}

#[derive(serde::Deserialize)]
struct SpannedFile {
    #[serde(default)]
    variants: Vec<SpannedVariant>,
}

#[derive(serde::Deserialize)]
struct SpannedVariant {
    output: Option<toml::Spanned<String>>,
    #[serde(default)]
    env: BTreeMap<toml::Spanned<String>, toml::Spanned<String>>,
}

/// The spans of each `[[variants]]` entry of a nixfold.toml text.
pub fn decl_spans(text: &str) -> Vec<DeclSpans> {
    let Ok(file) = toml::from_str::<SpannedFile>(text) else {
        return Vec::new();
    };
    file.variants
        .into_iter()
        .map(|v| DeclSpans {
            output: v.output.map(|o| o.span()),
            env: v
                .env
                .into_iter()
                .map(|(k, val)| {
                    let ks = k.span();
                    let vs = val.span();
                    (k.into_inner(), (ks, vs))
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_declared_values() {
        let text = "[[variants]]\noutput = \"packages.x86_64-linux.container\"\nname = \"c\"\nenv = { NIXOS_PACKAGES = \"kubernets\" }\n";
        let spans = decl_spans(text);
        assert_eq!(spans.len(), 1);
        let (k, v) = &spans[0].env["NIXOS_PACKAGES"];
        assert_eq!(&text[k.clone()], "NIXOS_PACKAGES");
        assert_eq!(&text[v.clone()], "\"kubernets\"");
    }

    #[test]
    fn attr_names() {
        assert!(valid_attr_name("container-full"));
        assert!(!valid_attr_name("1x"));
        assert!(!valid_attr_name("a.b"));
    }
}
