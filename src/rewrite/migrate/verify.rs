//! The proof: for the default and every declared variant, the original
//! tree evaluated under the variant's environment and the migrated tree
//! evaluated purely under the variant give the same outputs.
//!
//! Both trees are evaluated with nixfold's evaluator; flake inputs (and so
//! `pkgs` from nixpkgs) are symbolic, while `lib` (a `lib` argument,
//! `nixpkgs.lib`, `pkgs.lib`) is nixpkgs lib as [`LibConfig::for_project`]
//! chooses it. Results are compared
//! structurally, to a bounded depth: known values must be equal, unknowns
//! must have the same provenance (the same operations applied to equal
//! arguments). Functions are compared by calling both with the same fresh
//! unknown argument. Where a module list is passed to `nixosSystem` or Home
//! Manager, the module files are imported and compared as modules, called
//! with their module arguments plus the call's `specialArgs` (which, in the
//! migrated tree, carry the variant); the parameter itself is the one
//! attribute allowed to exist only in the migrated `specialArgs`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::{MigrateError, Migration};
use crate::analysis::variants::VariantAnalysis;
use crate::analysis::variants::evalout::each_attr;
use crate::config::Config;
use crate::eval::symbolic::UnknownKind;
use crate::eval::value::{Attrs, Value};
use crate::eval::{EvalOptions, Evaluator, LibConfig, Span, Symbol, Unknown};
use crate::project::Project;

/// Deepest nesting compared.
const MAX_DEPTH: u32 = 48;
/// Most value pairs compared per output.
const BUDGET: usize = 400_000;

/// Compare every variant; returns one line per comparison made.
pub fn prove(
    project: &Project,
    m: &Migration,
    config: &Config,
    analysis: &VariantAnalysis,
) -> Result<Vec<String>, MigrateError> {
    let trees = Trees::new(project, m)?;
    let (orig_root, new_root) = (trees.orig_root.clone(), trees.new_root.clone());
    let entry_rel = trees.entry_rel.clone();
    let flake_o = orig_root.join(&entry_rel).join("flake.nix");
    let flake_m = new_root.join(&entry_rel).join("flake.nix");

    // The names of outputs only the migrated flake has (its variants): an
    // output seen through `self` may have them beside the original's.
    let mut generated: BTreeSet<String> = BTreeSet::new();
    for (name, _) in &m.variants {
        for (ao, am) in output_pairs(m, config, analysis, name) {
            for (i, n) in am.iter().enumerate() {
                if ao.get(i) != Some(n) {
                    generated.insert(n.clone());
                }
            }
        }
    }
    let mut lines = Vec::new();
    for (name, env) in &m.variants {
        let pairs = output_pairs(m, config, analysis, name);
        if pairs.is_empty() {
            continue;
        }
        let lib = Some(LibConfig::for_project(&orig_root.join(&entry_rel)));
        let mut eo = Evaluator::new(proof_options(&orig_root, Some(env), lib.clone()));
        let mut em = Evaluator::new(proof_options(&new_root, None, lib.clone()));
        let (out_o, self_o) = flake_outputs(&mut eo, &flake_o)
            .map_err(|e| cannot(&format!("evaluate the original flake.nix: {e}")))?;
        let (out_m, self_m) = flake_outputs(&mut em, &flake_m)
            .map_err(|e| cannot(&format!("evaluate the migrated flake.nix: {e}")))?;
        let selves = [(out_o.clone(), out_m.clone()), (self_o, self_m)];
        for (ao, am) in pairs {
            let mut c = Cmp {
                eo: &mut eo,
                em: &mut em,
                ro: orig_root.to_string_lossy().into_owned(),
                rm: new_root.to_string_lossy().into_owned(),
                param: m.param.clone(),
                ctx: None,
                budget: BUDGET,
                compared: 0,
                fresh: 0,
                bounded: false,
                stack: Vec::new(),
                both_fail: None,
                selves: &selves,
                generated: &generated,
            };
            let shown_o = crate::analysis::variants::outputs::dotted(&ao);
            let shown_m = crate::analysis::variants::outputs::dotted(&am);
            let env_text = env
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ");
            let env_text = if env_text.is_empty() {
                "an empty environment".to_string()
            } else {
                env_text
            };
            let r = c
                .select(&out_o, &out_m, &ao, &am)
                .and_then(|(vo, vm)| c.cmp(&vo, &vm, 0));
            if let Err(d) = r {
                return Err(MigrateError::new(format!(
                    "refusing to migrate: variant `{name}`: {shown_m} (migrated) differs from \
                     {shown_o} (original, with {env_text}) at `{}`: {}\n(--no-verify skips this check)",
                    if d.path.is_empty() {
                        "<root>".into()
                    } else {
                        d.path
                    },
                    d.what
                )));
            }
            lines.push(format!(
                "{shown_m} = {shown_o} with {env_text} ({} values compared{})",
                c.compared,
                if c.bounded { ", bounded" } else { "" }
            ));
            if let Some(f) = c.both_fail {
                lines.push(format!(
                    "{FAILS_TOO}variant `{name}`: {shown_o} fails in the original too (with \
                     {env_text}) {f}; migrated as it is"
                ));
            }
        }
    }
    Ok(lines)
}

/// The outputs to compare for variant `name`: (attribute path in the
/// original flake, attribute path in the migrated flake).
pub(super) fn output_pairs(
    m: &Migration,
    config: &Config,
    analysis: &VariantAnalysis,
    name: &str,
) -> Vec<(Vec<String>, Vec<String>)> {
    let mut pairs: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    if name == "default" {
        for o in &analysis.outputs.outputs {
            if !o.env.is_empty() && !m.renamed.contains(&o.dotted()) {
                pairs.push((o.attr.clone(), o.attr.clone()));
            }
        }
    } else {
        for d in config
            .variants
            .iter()
            .filter(|d| d.name == *name && !m.renamed.contains(&d.output))
        {
            let Some(o) = analysis.output(&d.output) else {
                continue;
            };
            let mut to = o.attr.clone();
            if let Some(last) = to.last_mut() {
                *last = d.name.clone();
            }
            pairs.push((o.attr.clone(), to));
        }
    }
    // Pairs the planner knows: outputs named by the environment, and
    // the variant outputs of every system.
    for (v, ao, am) in &m.pairs {
        if v == name && !pairs.iter().any(|(x, y)| x == ao && y == am) {
            pairs.push((ao.clone(), am.clone()));
        }
    }
    pairs
}

/// The original tree and the migrated one, side by side in a temporary
/// directory (removed on drop).
pub(super) struct Trees {
    _tmp: TempDir,
    /// The original tree (canonical).
    pub orig_root: PathBuf,
    /// The migrated copy.
    pub new_root: PathBuf,
    /// The entry flake's directory, relative to both roots.
    pub entry_rel: PathBuf,
}

impl Trees {
    pub(super) fn new(project: &Project, m: &Migration) -> Result<Trees, MigrateError> {
        let orig_root = project
            .root
            .canonicalize()
            .map_err(|e| MigrateError::new(format!("{}: {e}", project.root.display())))?;
        let tmp = TempDir::new()
            .map_err(|e| MigrateError::new(format!("cannot create a temporary directory: {e}")))?;
        let new_root = tmp
            .0
            .canonicalize()
            .map_err(|e| MigrateError::new(e.to_string()))?;
        // The migrated tree: the other files as they are (`readFile ./x`,
        // `pathExists`), then every .nix file with the changes.
        copy_tree(&orig_root, &new_root, 0)
            .map_err(|e| MigrateError::new(format!("cannot copy the tree for the proof: {e}")))?;
        for f in &project.files {
            let rel = super::rel_path(&project.root, &f.path);
            let text = m
                .changes
                .iter()
                .find(|c| c.path == f.path)
                .map(|c| c.new.as_str())
                .unwrap_or(&f.text);
            let dest = new_root.join(&rel);
            if let Some(dir) = dest.parent() {
                std::fs::create_dir_all(dir).map_err(|e| MigrateError::new(e.to_string()))?;
            }
            // A hard link to the original: unlink it, never write through it.
            let _ = std::fs::remove_file(&dest);
            std::fs::write(&dest, text).map_err(|e| MigrateError::new(e.to_string()))?;
        }
        let entry = crate::analysis::variants::entry_dir(project);
        let entry_rel = entry
            .strip_prefix(&project.root)
            .unwrap_or(Path::new(""))
            .to_path_buf();
        Ok(Trees {
            _tmp: tmp,
            orig_root,
            new_root,
            entry_rel,
        })
    }
}

/// `genAttrs names f` left unknown because `lib` is: `f name`, when `name`
/// is one of the (known) `names`.
fn gen_attrs_pick(ev: &mut Evaluator, u: &Unknown, name: &str) -> Option<Value> {
    let UnknownKind::Apply(g, f) = &u.kind else {
        return None;
    };
    let UnknownKind::Apply(h, names) = &g.kind else {
        return None;
    };
    if !matches!(&h.kind, UnknownKind::Select(_, n) if n == "genAttrs") {
        return None;
    }
    let Ok(Value::List(l)) = ev.force(names) else {
        return None;
    };
    let mut found = false;
    for item in l.0.iter() {
        if matches!(ev.force(item), Ok(Value::String(s)) if s.s == name) {
            found = true;
        }
    }
    if !found {
        return None;
    }
    ev.call(f, Value::string(name), Span::NONE).ok()
}

/// How the proof evaluates a tree under `root`: confined to it, with no
/// search path nor process environment; impure with `env` as what `getEnv`
/// sees, or pure when `env` is `None`.
fn proof_options(
    root: &Path,
    env: Option<&std::collections::BTreeMap<String, String>>,
    lib: Option<LibConfig>,
) -> EvalOptions {
    EvalOptions {
        pure: env.is_none(),
        root: Some(root.to_path_buf()),
        confine_to_root: true,
        env: env
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        read_process_env: false,
        nix_path: Some(Vec::new()),
        max_steps: 50_000_000,
        lib,
        ..EvalOptions::default()
    }
}

fn cannot(what: &str) -> MigrateError {
    MigrateError::new(format!(
        "refusing to migrate: the proof cannot {what}\n(--no-verify skips the proof)"
    ))
}

/// Evaluate flake.nix and call its `outputs` with symbolic inputs: the
/// outputs, and `self`.
fn flake_outputs(ev: &mut Evaluator, path: &Path) -> Result<(Value, Value), String> {
    let flake = ev.eval_file(path).map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    call_outputs(ev, &flake, &text, path.parent().unwrap_or(Path::new("/")))
}

/// Begins the proof lines that say a variant fails in the original too.
pub const FAILS_TOO: &str = "broken in the original: ";

/// A marker list `[ "<MARKER>k" name... ]` the planner puts where an output
/// whose name depends on the environment is defined.
pub(super) const NAME_MARKER: &str = "__nixfold-output-name-";

/// (marker number, output path, the names the marker lists).
pub(super) type MarkerHit = (usize, Vec<String>, Vec<String>);

/// Where the outputs named by the environment land, and their names: the
/// flake text `text` (flake.nix with every such output's value replaced by
/// a marker list) evaluated like the original under `env`. Returns
/// (marker number, output path, names), and the first evaluation error met
/// on the way (which may be why a marker is missing).
pub(super) fn marked_names(
    root: &Path,
    flake_dir: &Path,
    text: &str,
    env: &std::collections::BTreeMap<String, String>,
) -> Result<(Vec<MarkerHit>, Option<String>), String> {
    let mut ev = Evaluator::new(proof_options(
        root,
        Some(env),
        Some(LibConfig::for_project(flake_dir)),
    ));
    let flake = ev
        .eval_expr_str(text, flake_dir)
        .map_err(|e| e.to_string())?;
    let (out, _) = call_outputs(&mut ev, &flake, text, flake_dir)?;
    let mut found = Vec::new();
    let mut budget = 100_000usize;
    let mut first_error = None;
    find_markers(
        &mut ev,
        &out,
        &mut Vec::new(),
        &mut found,
        &mut budget,
        &mut first_error,
    );
    Ok((found, first_error))
}

fn find_markers(
    ev: &mut Evaluator,
    v: &Value,
    path: &mut Vec<String>,
    found: &mut Vec<MarkerHit>,
    budget: &mut usize,
    first_error: &mut Option<String>,
) {
    if path.len() > 8 || *budget == 0 {
        return;
    }
    *budget -= 1;
    let v = match ev.force(v) {
        Ok(v) => v,
        Err(e) => {
            if first_error.is_none() {
                *first_error = Some(format!(
                    "the original fails to evaluate `{}`: {e}",
                    crate::analysis::variants::outputs::dotted(path)
                ));
            }
            return;
        }
    };
    match &v {
        Value::Attrs(a) => each_attr(a, path, |x, path| {
            find_markers(ev, x, path, found, budget, first_error)
        }),
        Value::List(l) => {
            let Some(first) = l.0.first() else { return };
            let Ok(Value::String(m)) = ev.force(first) else {
                return;
            };
            let Some(k) =
                m.s.strip_prefix(NAME_MARKER)
                    .and_then(|k| k.parse::<usize>().ok())
            else {
                return;
            };
            let mut names = Vec::new();
            for x in &l.0[1..] {
                match ev.force(x) {
                    Ok(Value::String(s)) => names.push(s.s.to_string()),
                    _ => return,
                }
            }
            found.push((k, path.clone(), names));
        }
        _ => {}
    }
}

/// Call a flake's `outputs` with symbolic inputs (flake-utils modelled).
fn call_outputs(
    ev: &mut Evaluator,
    flake: &Value,
    text: &str,
    dir: &Path,
) -> Result<(Value, Value), String> {
    let flake = ev.force(flake).map_err(|e| e.to_string())?;
    let Value::Attrs(attrs) = &flake else {
        return Err("flake.nix is not an attribute set".into());
    };
    let mut names: Vec<String> = Vec::new();
    if let Some(inputs) = attrs.get_str("inputs")
        && let Ok(Value::Attrs(i)) = ev.force(inputs)
    {
        names.extend(i.iter().map(|(k, _)| k.as_str().to_string()));
    }
    let outputs = attrs
        .get_str("outputs")
        .ok_or("flake.nix has no outputs")?
        .clone();
    let outputs = ev.force(&outputs).map_err(|e| e.to_string())?;
    if let Value::Lambda(c) = &outputs
        && let crate::eval::ir::Param::Formals(fs) = &c.def.param
    {
        names.extend(fs.entries.iter().map(|e| e.name.as_str().to_string()));
    }
    names.sort();
    names.dedup();
    // flake-utils is pure Nix over system names: the evaluator runs a model
    // of it, so outputs built per system can be selected.
    let utils = crate::analysis::variants::evalout::flake_utils_inputs(
        &crate::syntax::parse(text).syntax(),
    );
    let shim = if names.iter().any(|n| utils.contains(n)) {
        Some(
            ev.eval_expr_str(crate::analysis::variants::evalout::FLAKE_UTILS, dir)
                .map_err(|e| e.to_string())?,
        )
    } else {
        None
    };
    let entries = names
        .iter()
        .filter(|n| *n != "self")
        .map(|n| {
            let v = match &shim {
                Some(s) if utils.contains(n) => s.clone(),
                _ => Unknown::value(format!("inputs.{n}")),
            };
            (Symbol::new(n), v)
        })
        .collect();
    let inputs = Value::attrs(Attrs::from_unsorted(entries));
    // `self` is what Nix makes it: the flake's own outputs, with what is
    // known only to Nix (where the source lands, its revision) unknown. An
    // output built from another (`modules = [ self.nixosModules.default ]`)
    // then sees that output's value, so the proof compares it too.
    let fix = ev
        .eval_expr_str(SELF_FIXPOINT, dir)
        .map_err(|e| e.to_string())?;
    let r = ev
        .call(&fix, outputs, Span::NONE)
        .and_then(|f| ev.call(&f, inputs, Span::NONE))
        .and_then(|f| ev.call(&f, Unknown::value("self"), Span::NONE))
        .map_err(|e| e.to_string())?;
    let r = ev.force(&r).map_err(|e| e.to_string())?;
    let field = |ev: &mut Evaluator, k: &str| -> Result<Value, String> {
        let v = r
            .as_attrs()
            .and_then(|a| a.get_str(k))
            .cloned()
            .ok_or("the proof's `self` (internal error)")?;
        ev.force(&v).map_err(|e| e.to_string())
    };
    Ok((field(ev, "result")?, field(ev, "self")?))
}

/// `outputs: inputs: source: { result; self; }`, where `result` is what
/// `outputs` returns when given the inputs and `self`.
const SELF_FIXPOINT: &str = r#"outputs: inputs: source:
  let
    result = outputs (inputs // { inherit self; });
    sourceInfo = {
      inherit (source) outPath rev shortRev lastModified lastModifiedDate narHash;
      submodules = false;
    };
    self = result // sourceInfo // {
      inherit inputs sourceInfo;
      outputs = result;
      _type = "flake";
    };
  in
  { inherit result self; }"#;

struct Diff {
    path: String,
    what: String,
}

struct Cmp<'e> {
    eo: &'e mut Evaluator,
    em: &'e mut Evaluator,
    ro: String,
    rm: String,
    param: String,
    /// Module arguments of the module system being compared
    /// (original, migrated).
    ctx: Option<(Value, Value)>,
    budget: usize,
    compared: usize,
    fresh: u32,
    bounded: bool,
    stack: Vec<String>,
    /// Where both trees fail in the same way (the original is broken there
    /// too): the first such place and the error.
    both_fail: Option<String>,
    /// (original, migrated) outputs and `self`: met again inside an output
    /// (`specialArgs = { inherit self; }`), they are not compared again.
    selves: &'e [(Value, Value)],
    /// Names of outputs only the migrated flake has.
    generated: &'e BTreeSet<String>,
}

impl Cmp<'_> {
    fn diff(&self, what: impl Into<String>) -> Diff {
        Diff {
            path: self.stack.join(""),
            what: what.into(),
        }
    }

    /// Both trees fail here in the same way. A missing file is the
    /// original's own breakage (`./hosts/${""}/configuration.nix`), worth
    /// saying; other failures (symbolic values meeting a `throw` deep in
    /// `lib`) are limits of the comparison, equal on both sides.
    fn note_both_fail(&mut self, what: &str) {
        if self.both_fail.is_none() && what.contains("No such file or directory") {
            let at = self.stack.join("");
            let what = what.replace(&self.ro, "");
            self.both_fail = Some(if at.is_empty() {
                what
            } else {
                format!("at `{at}`: {what}")
            });
        }
    }

    fn force_pair(&mut self, a: &Value, b: &Value) -> Result<Option<(Value, Value)>, Diff> {
        let ra = self.eo.force(a);
        let rb = self.em.force(b);
        match (ra, rb) {
            (Ok(a), Ok(b)) => Ok(Some((a, b))),
            (Err(x), Err(y)) => {
                let (x, y) = (x.to_string(), y.to_string());
                // Positions differ between the trees; compare the messages.
                let cut = |m: &str| m.split(" at ").next().unwrap_or(m).to_string();
                if cut(&x.replace(&self.ro, "<root>")) == cut(&y.replace(&self.rm, "<root>")) {
                    self.note_both_fail(&x);
                    Ok(None)
                } else {
                    Err(self.diff(format!("evaluation fails differently: `{x}` vs `{y}`")))
                }
            }
            (Err(x), Ok(_)) => Err(self.diff(format!("the original fails to evaluate here ({x})"))),
            (Ok(_), Err(y)) => {
                Err(self.diff(format!("the migrated tree fails to evaluate here ({y})")))
            }
        }
    }

    /// Select `ao` in the original outputs and `am` in the migrated ones.
    fn select(
        &mut self,
        vo: &Value,
        vm: &Value,
        ao: &[String],
        am: &[String],
    ) -> Result<(Value, Value), Diff> {
        let (mut a, mut b) = (vo.clone(), vm.clone());
        for (no, nm) in ao.iter().zip(am) {
            loop {
                let Some((fa, fb)) = self.force_pair(&a, &b)? else {
                    return Err(self.diff("the output fails to evaluate in both trees"));
                };
                match (&fa, &fb) {
                    (Value::Attrs(x), Value::Attrs(y)) => {
                        let (Some(x), Some(y)) = (x.get_str(no), y.get_str(nm)) else {
                            return Err(
                                self.diff(format!("output attribute `{no}`/`{nm}` is missing"))
                            );
                        };
                        a = x.clone();
                        b = y.clone();
                        break;
                    }
                    (Value::Unknown(x), Value::Unknown(y)) => {
                        // `genAttrs systems f` with `lib` unknown.
                        if let (Some(p), Some(q)) = (
                            gen_attrs_pick(self.eo, x, no),
                            gen_attrs_pick(self.em, y, nm),
                        ) {
                            a = p;
                            b = q;
                            break;
                        }
                        // `{ ... } // unknown`: compare the unknown operands,
                        // select from the known ones.
                        match (&x.kind, &y.kind) {
                            (UnknownKind::Op("//", l1, r1), UnknownKind::Op("//", l2, r2)) => {
                                let (l1, r1, l2, r2) =
                                    (l1.clone(), r1.clone(), l2.clone(), r2.clone());
                                let Some((fr1, fr2)) = self.force_pair(&r1, &r2)? else {
                                    return Err(self.diff("the output fails to evaluate"));
                                };
                                let has = |v: &Value, n: &str| matches!(v, Value::Attrs(s) if s.get_str(n).is_some());
                                if has(&fr1, no) && has(&fr2, nm) {
                                    a = fr1;
                                    b = fr2;
                                } else {
                                    self.stack.push(" (right of //)".into());
                                    self.cmp(&fr1, &fr2, 1)?;
                                    self.stack.pop();
                                    a = l1;
                                    b = l2;
                                }
                            }
                            _ => {
                                return Err(self.diff(format!(
                                    "cannot select `{no}`: the outputs are not known to the evaluator"
                                )));
                            }
                        }
                    }
                    _ => return Err(self.diff(format!("cannot select `{no}`"))),
                }
            }
            self.stack.push(format!(".{nm}"));
        }
        self.stack.clear();
        Ok((a, b))
    }

    fn cmp(&mut self, a: &Value, b: &Value, depth: u32) -> Result<(), Diff> {
        if depth > MAX_DEPTH || self.budget == 0 {
            self.bounded = true;
            return Ok(());
        }
        self.budget -= 1;
        self.compared += 1;
        let Some((a, b)) = self.force_pair(a, b)? else {
            return Ok(());
        };
        stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || {
            self.cmp_forced(&a, &b, depth)
        })
    }

    fn cmp_forced(&mut self, a: &Value, b: &Value, depth: u32) -> Result<(), Diff> {
        match (a, b) {
            (Value::Null, Value::Null) => Ok(()),
            (Value::Bool(x), Value::Bool(y)) if x == y => Ok(()),
            (Value::Int(x), Value::Int(y)) if x == y => Ok(()),
            (Value::Float(x), Value::Float(y)) if x == y => Ok(()),
            (Value::String(x), Value::String(y)) => {
                let (x, y) = (
                    x.s.replace(&self.ro, "<root>"),
                    y.s.replace(&self.rm, "<root>"),
                );
                if x == y {
                    Ok(())
                } else {
                    Err(self.diff(format!("{x:?} (original) vs {y:?} (migrated)")))
                }
            }
            (Value::Path(x), Value::Path(y)) => {
                let rx = x.strip_prefix(&self.ro).unwrap_or(x);
                let ry = y.strip_prefix(&self.rm).unwrap_or(y);
                if rx != ry {
                    return Err(self.diff(format!("path {x} vs {y}")));
                }
                // A module file: compare what it defines.
                if self.ctx.is_some()
                    && x.starts_with(&self.ro)
                    && (x.ends_with(".nix") || Path::new(x.as_str()).join("default.nix").is_file())
                    && self.stack.len() < 64
                {
                    let va = self.eo.eval_file(&PathBuf::from(x.as_str()));
                    let vb = self.em.eval_file(&PathBuf::from(y.as_str()));
                    match (va, vb) {
                        (Ok(va), Ok(vb)) => {
                            self.stack
                                .push(format!(" (module {})", rx.trim_start_matches('/')));
                            self.cmp(&va, &vb, depth + 1)?;
                            self.stack.pop();
                        }
                        (Err(ea), Err(eb))
                            if ea.to_string().replace(&self.ro, "<root>")
                                == eb.to_string().replace(&self.rm, "<root>") =>
                        {
                            // Broken in the original too: the same failure.
                            self.note_both_fail(&format!("cannot evaluate module {rx}: {ea}"));
                        }
                        (Err(e), _) | (_, Err(e)) => {
                            return Err(self.diff(format!("cannot evaluate module {rx}: {e}")));
                        }
                    }
                }
                Ok(())
            }
            (Value::Attrs(_), Value::Attrs(_))
                if self.selves.iter().any(|(o, m)| a.ptr_eq(o) && b.ptr_eq(m)) =>
            {
                Ok(())
            }
            (Value::Attrs(x), Value::Attrs(y)) => self.cmp_attrs(x, y, depth),
            (Value::List(x), Value::List(y)) => {
                if x.len() != y.len() {
                    return Err(self.diff(format!(
                        "a list of {} elements (original) vs {} (migrated)",
                        x.len(),
                        y.len()
                    )));
                }
                for (i, (p, q)) in x.iter().zip(y.iter()).enumerate() {
                    self.stack.push(format!("[{i}]"));
                    self.cmp(p, q, depth + 1)?;
                    self.stack.pop();
                }
                Ok(())
            }
            (Value::Unknown(x), Value::Unknown(y)) => self.cmp_unknown(x, y, depth),
            (f, g) if f.is_function() && g.is_function() => self.cmp_functions(f, g, depth),
            (x, y) => Err(self.diff(format!(
                "{} (original) vs {} (migrated)",
                describe(x),
                describe(y)
            ))),
        }
    }

    fn cmp_attrs(&mut self, x: &Attrs, y: &Attrs, depth: u32) -> Result<(), Diff> {
        let param = self.param.clone();
        // The migrated tree may pass the parameter where the original passed
        // nothing: `inherit variant;` in arguments, `specialArgs = { inherit
        // variant; }`. What it passes is compared where it is used (modules,
        // called files).
        let only_param = |v: &Value, ev: &mut Evaluator| match ev.force(v) {
            Ok(Value::Attrs(a)) => a.iter().all(|(k, _)| k.as_str() == param),
            _ => false,
        };
        let mut ky: Vec<&str> = Vec::new();
        for (k, v) in y.iter() {
            let k = k.as_str();
            if k == param && x.get_str(k).is_none() {
                continue;
            }
            if matches!(k, "specialArgs" | "extraSpecialArgs")
                && x.get_str(k).is_none()
                && only_param(v, self.em)
            {
                continue;
            }
            if x.get_str(k).is_none() && self.generated.contains(k) {
                continue;
            }
            ky.push(k);
        }
        let kx: Vec<&str> = x.iter().map(|(k, _)| k.as_str()).collect();
        if kx != ky {
            let only_o: Vec<&str> = kx.iter().filter(|k| !ky.contains(k)).copied().collect();
            let only_m: Vec<&str> = ky.iter().filter(|k| !kx.contains(k)).copied().collect();
            return Err(self.diff(format!(
                "attributes only in the original: {only_o:?}; only in the migrated tree: {only_m:?}"
            )));
        }
        // A call setting up a module system: its modules see specialArgs.
        let module_args = |s: &Attrs, key: &str| s.get_str(key).cloned();
        let saved = self.ctx.clone();
        let sys = ["specialArgs", "extraSpecialArgs"].into_iter().find(|k| {
            (x.get_str("modules").is_some() || x.get_str("users").is_some())
                && (x.get_str(k).is_some() || y.get_str(k).is_some())
        });
        if let Some(k) = sys {
            let empty = Value::attrs(Attrs::new());
            self.ctx = Some((
                module_args(x, k).unwrap_or_else(|| empty.clone()),
                module_args(y, k).unwrap_or(empty),
            ));
        } else if x.get_str("modules").is_some() || x.get_str("users").is_some() {
            self.ctx = Some((Value::attrs(Attrs::new()), Value::attrs(Attrs::new())));
        }
        let mut r = Ok(());
        for (k, v) in x.iter() {
            let Some(w) = y.get_str(k.as_str()) else {
                continue;
            };
            self.stack.push(format!(".{}", k.as_str()));
            r = self.cmp(v, w, depth + 1);
            self.stack.pop();
            if r.is_err() {
                break;
            }
        }
        self.ctx = saved;
        r
    }

    fn cmp_functions(&mut self, f: &Value, g: &Value, depth: u32) -> Result<(), Diff> {
        self.fresh += 1;
        let formals = |v: &Value| -> Option<Vec<String>> {
            match v {
                Value::Lambda(c) => match &c.def.param {
                    crate::eval::ir::Param::Formals(fs) => Some(
                        fs.entries
                            .iter()
                            .map(|e| e.name.as_str().to_string())
                            .collect(),
                    ),
                    _ => None,
                },
                _ => None,
            }
        };
        let (arg_a, arg_b) = match (formals(f), formals(g)) {
            (Some(fa), Some(fb)) => {
                let mut names: Vec<String> = fa.into_iter().chain(fb).collect();
                names.sort();
                names.dedup();
                // `lib` is each evaluator's lib (the same in both trees).
                let base_for = |ev: &Evaluator| {
                    let base: Vec<(Symbol, Value)> = names
                        .iter()
                        .filter(|n| **n != self.param)
                        .map(|n| {
                            let lib = (n == "lib").then(|| ev.lazy_lib()).flatten();
                            let v = lib.unwrap_or_else(|| Unknown::value(format!("arg:{n}")));
                            (Symbol::new(n), v)
                        })
                        .collect();
                    Attrs::from_unsorted(base)
                };
                let (base_a, base_b) = (base_for(&*self.eo), base_for(&*self.em));
                match &self.ctx {
                    Some((ca, cb)) => {
                        let ca = self.eo.force(ca).ok();
                        let cb = self.em.force(cb).ok();
                        let merge = |base: Attrs, c: Option<Value>| match c {
                            Some(Value::Attrs(s)) => Value::attrs(base.update(&s)),
                            _ => Value::attrs(base),
                        };
                        (merge(base_a, ca), merge(base_b, cb))
                    }
                    None => (Value::attrs(base_a), Value::attrs(base_b)),
                }
            }
            _ => {
                let u = Unknown::value(format!("arg#{}", self.fresh));
                (u.clone(), u)
            }
        };
        let ra = self.eo.call(f, arg_a, Span::NONE);
        let rb = self.em.call(g, arg_b, Span::NONE);
        match (ra, rb) {
            (Ok(a), Ok(b)) => {
                self.stack.push("(…)".into());
                let r = self.cmp(&a, &b, depth + 1);
                self.stack.pop();
                r
            }
            (Err(x), Err(y)) if x.to_string() == y.to_string() => Ok(()),
            (Err(x), _) => Err(self.diff(format!("calling the original fails: {x}"))),
            (_, Err(y)) => Err(self.diff(format!("calling the migrated function fails: {y}"))),
        }
    }

    /// `callPackage path args` in both trees: the paths must name the same
    /// file; the file's functions are called with unknown formals plus the
    /// arguments and compared.
    fn cmp_called_file(
        &mut self,
        pa: &Value,
        a: &Value,
        pb: &Value,
        b: &Value,
        depth: u32,
    ) -> Result<(), Diff> {
        let Some((pa, pb)) = self.force_pair(pa, pb)? else {
            return Ok(());
        };
        let (Value::Path(x), Value::Path(y)) = (&pa, &pb) else {
            self.cmp(&pa, &pb, depth + 1)?;
            return self.cmp(a, b, depth + 1);
        };
        let rx = x.strip_prefix(&self.ro).unwrap_or(x).to_string();
        let ry = y.strip_prefix(&self.rm).unwrap_or(y).to_string();
        if rx != ry {
            return Err(self.diff(format!("callPackage of {rx} vs {ry}")));
        }
        let fa = self.eo.eval_file(&PathBuf::from(x.as_str()));
        let fb = self.em.eval_file(&PathBuf::from(y.as_str()));
        let (Ok(fa), Ok(fb)) = (fa, fb) else {
            return Err(self.diff(format!("cannot evaluate {rx}")));
        };
        let saved = self.ctx.clone();
        self.ctx = Some((a.clone(), b.clone()));
        self.stack
            .push(format!(" (callPackage {})", rx.trim_start_matches('/')));
        let r = self.cmp(&fa, &fb, depth + 1);
        self.stack.pop();
        self.ctx = saved;
        r
    }

    fn cmp_unknown(&mut self, x: &Unknown, y: &Unknown, depth: u32) -> Result<(), Diff> {
        use UnknownKind::*;
        match (&x.kind, &y.kind) {
            (Root(a), Root(b)) if a == b => Ok(()),
            (Select(u, a), Select(v, b)) if a == b => self.cmp_unknown(u, v, depth + 1),
            (Apply(u, a), Apply(v, b)) => {
                // `callPackage ./file.nix args`: compare what the file builds.
                if let (Apply(cu, pa), Apply(cv, pb)) = (&u.kind, &v.kind)
                    && matches!(&cu.kind, Select(_, n) if n == "callPackage")
                    && matches!(&cv.kind, Select(_, n) if n == "callPackage")
                {
                    self.cmp_unknown(cu, cv, depth + 1)?;
                    return self.cmp_called_file(pa, a, pb, b, depth);
                }
                self.cmp_unknown(u, v, depth + 1)?;
                self.stack.push(" (argument)".into());
                let r = self.cmp(a, b, depth + 1);
                self.stack.pop();
                r
            }
            (Op(o, a1, b1), Op(p, a2, b2)) if o == p => {
                self.cmp(a1, a2, depth + 1)?;
                self.cmp(b1, b2, depth + 1)
            }
            (Not(u), Not(v)) => self.cmp_unknown(u, v, depth + 1),
            (Builtin(a, u), Builtin(b, v)) if a == b => self.cmp_unknown(u, v, depth + 1),
            (Interpolation(u), Interpolation(v)) => self.cmp_unknown(u, v, depth + 1),
            (
                Cond {
                    cond: c1,
                    then: t1,
                    else_: e1,
                },
                Cond {
                    cond: c2,
                    then: t2,
                    else_: e2,
                },
            ) => {
                self.cmp_unknown(c1, c2, depth + 1)?;
                self.cmp(t1, t2, depth + 1)?;
                self.cmp(e1, e2, depth + 1)
            }
            _ => Err(self.diff(format!(
                "unknown values of different origin: {} vs {}",
                provenance(x),
                provenance(y)
            ))),
        }
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::String(s) => format!("{:?}", s.s),
        Value::Unknown(u) => format!("an unknown ({})", provenance(u)),
        other => other.type_desc().to_string(),
    }
}

fn provenance(u: &Unknown) -> String {
    match &u.kind {
        UnknownKind::Root(n) => n.clone(),
        UnknownKind::Select(u, n) => format!("{}.{n}", provenance(u)),
        UnknownKind::Apply(u, _) => format!("{} applied", provenance(u)),
        UnknownKind::Op(o, _, _) => format!("an `{o}`"),
        UnknownKind::Not(u) => format!("!{}", provenance(u)),
        UnknownKind::Builtin(b, _) => format!("builtins.{b}"),
        UnknownKind::Interpolation(_) => "a string".into(),
        UnknownKind::Cond { .. } => "an if".into(),
    }
}

/// Copy the files under `from` (but `.git`, and symlinks, which are
/// recreated as symlinks) to `to`: hard links where the file system allows,
/// else copies.
pub(super) fn copy_tree(from: &Path, to: &Path, depth: u32) -> std::io::Result<()> {
    if depth > 64 {
        return Ok(());
    }
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == ".git" {
            continue;
        }
        let (src, dest) = (entry.path(), to.join(&name));
        let ty = entry.file_type()?;
        if ty.is_dir() {
            std::fs::create_dir_all(&dest)?;
            copy_tree(&src, &dest, depth + 1)?;
        } else if ty.is_symlink() {
            #[cfg(unix)]
            if let Ok(target) = std::fs::read_link(&src) {
                let _ = std::os::unix::fs::symlink(target, &dest);
            }
        } else if ty.is_file() && std::fs::hard_link(&src, &dest).is_err() {
            std::fs::copy(&src, &dest)?;
        }
    }
    Ok(())
}

/// A directory removed when dropped.
pub(super) struct TempDir(pub(super) PathBuf);

impl TempDir {
    pub(super) fn new() -> std::io::Result<TempDir> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "nixfold-migrate-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&dir)?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
