//! The generated `nixfold-outputs.nix` and the one edit of flake.nix that
//! passes the flake's outputs through it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::EMIT_FILE;
use crate::analysis::variants::outputs::{dotted, flake_outputs_fn};
use crate::analysis::variants::syn;
use crate::analysis::variants::{Build, VariantAnalysis};
use crate::config::Config;
use crate::syntax::ast;
use crate::syntax::{AstNode, SourceFile};

/// How flake.nix reaches the generated file.
pub struct Wiring {
    /// What the outputs function passes as the inputs (`inputs`,
    /// `{ inherit self nixpkgs; }`).
    pub inputs: String,
    /// Names available in it (None: every input, through an `@` pattern or a
    /// plain parameter).
    pub names: Option<BTreeSet<String>>,
    /// The new flake.nix text, when it is not wired yet.
    pub edited: Option<String>,
}

impl Wiring {
    fn has(&self, input: &str) -> bool {
        self.names.as_ref().is_none_or(|n| n.contains(input))
    }
}

/// The expression `inputs.<name>` in the generated file.
fn input_ref(name: &str) -> String {
    dotted(&["inputs".to_string(), name.to_string()])
}

/// Find the outputs function and, unless it already goes through
/// nixfold-outputs.nix, wrap its body.
pub fn wiring(flake: &SourceFile) -> Result<Wiring, String> {
    let scopes = crate::hir::Scopes::from_parsed(&flake.parsed());
    let root = flake.parsed().syntax();
    let Some(lambda) = flake_outputs_fn(&scopes, &root) else {
        return Err(format!(
            "{}: no `outputs = <function>;` in the flake",
            flake.path.display()
        ));
    };
    let (inputs, names) = match lambda.param() {
        Some(ast::Param::IdentParam(p)) => {
            let n = p
                .ident()
                .and_then(|i| syn::ident_name(&i))
                .unwrap_or_else(|| "inputs".into());
            (n, None)
        }
        Some(ast::Param::Pattern(p)) => {
            if let Some(b) = p
                .pat_bind()
                .and_then(|b| b.ident())
                .and_then(|i| syn::ident_name(&i))
            {
                (b, None)
            } else {
                let names: Vec<String> = p
                    .pat_entries()
                    .filter_map(|e| e.ident().and_then(|i| syn::ident_name(&i)))
                    .collect();
                let text = if names.is_empty() {
                    "{ }".to_string()
                } else {
                    format!("{{ inherit {}; }}", names.join(" "))
                };
                (text, Some(names.into_iter().collect()))
            }
        }
        None => {
            return Err(format!(
                "{}: the outputs function has no parameter",
                flake.path.display()
            ));
        }
    };
    let Some(body) = lambda.body() else {
        return Err(format!(
            "{}: the outputs function has no body",
            flake.path.display()
        ));
    };
    let edited = if is_wired(&body) {
        None
    } else {
        let r = body.syntax().text_range();
        let (start, end) = (usize::from(r.start()), usize::from(r.end()));
        let text = &flake.text;
        // The body's indentation, for the line that opens the call.
        let line_start = text[..start].rfind('\n').map_or(0, |p| p + 1);
        let before = &text[line_start..start];
        let prefix = if before.trim().is_empty() {
            format!("import ./{EMIT_FILE} {inputs} (\n{before}")
        } else {
            format!("import ./{EMIT_FILE} {inputs} (")
        };
        let mut new = String::with_capacity(text.len() + 64);
        new.push_str(&text[..start]);
        new.push_str(&prefix);
        new.push_str(&text[start..end]);
        new.push(')');
        new.push_str(&text[end..]);
        Some(new)
    };
    Ok(Wiring {
        inputs,
        names,
        edited,
    })
}

/// `import ./nixfold-outputs.nix … (…)`.
fn is_wired(body: &ast::Expr) -> bool {
    let mut e = syn::unparen(body.clone());
    let mut args = 0;
    while let ast::Expr::Apply(a) = e {
        args += 1;
        match a.lambda() {
            Some(f) => e = syn::unparen(f),
            None => return false,
        }
        if args == 2
            && let ast::Expr::Apply(imp) = &e
            && matches!(imp.lambda().map(syn::unparen), Some(ast::Expr::Ident(ref i)) if syn::ident_name(i).as_deref() == Some("import"))
            && imp
                .argument()
                .and_then(|p| crate::analysis::variants::flow::literal_path(&p))
                .is_some_and(|p| p.rsplit('/').next() == Some(EMIT_FILE))
        {
            return true;
        }
    }
    false
}

/// A Nix string literal.
fn nix_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An attribute name (quoted where needed).
fn nix_name(s: &str) -> String {
    dotted(&[s.to_string()])
}

/// The default GitHub runner of a system.
pub fn default_runner(system: &str) -> Option<&'static str> {
    match system {
        "x86_64-linux" => Some("ubuntu-latest"),
        "aarch64-linux" => Some("ubuntu-24.04-arm"),
        "x86_64-darwin" => Some("macos-13"),
        "aarch64-darwin" => Some("macos-latest"),
        _ => None,
    }
}

/// The CI matrix entries `(name, attr, os)` and the systems without a runner.
pub fn matrix_entries(
    builds: &[Build],
    config: &Config,
) -> (Vec<(String, String, String)>, Vec<String>) {
    let mut out = Vec::new();
    let mut skipped = BTreeSet::new();
    for b in builds {
        let os = config
            .emit
            .runners
            .get(&b.system)
            .cloned()
            .or_else(|| default_runner(&b.system).map(String::from));
        let Some(os) = os else {
            skipped.insert(b.system.clone());
            continue;
        };
        let attr = if config.emit.checks {
            b.check_attr()
        } else {
            b.derivation.clone()
        };
        out.push((format!("{} ({})", b.name, b.system), attr, os));
    }
    (out, skipped.into_iter().collect())
}

/// The text of nixfold-outputs.nix.
pub fn outputs_file(an: &VariantAnalysis, config: &Config, wiring: &Wiring) -> String {
    let builds = &an.builds;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Generated by `nixfold emit` from the variant matrix in nixfold.toml; do not edit.\n\
         # Change nixfold.toml (or the flake) and run `nixfold emit --write` again.\n\
         #\n\
         # flake.nix passes its outputs through this function:\n\
         #   outputs = ...: import ./{EMIT_FILE} {} (<the flake's outputs>);\n\
         # and it adds, merged into what the flake defines itself:",
        wiring.inputs
    );
    let mut adds: Vec<&str> = Vec::new();
    if builds.iter().any(|b| b.home.is_some()) {
        adds.push(
            "#   homeConfigurations.<user>    Home Manager users of the system configurations",
        );
    }
    if config.emit.checks {
        adds.push("#   checks.<system>.<variant>    every variant (systems: their toplevel)");
    }
    if config.emit.hydra_jobs {
        adds.push("#   hydraJobs.<variant>.<system> the same, for Hydra");
    }
    if config.emit.workflow {
        adds.push("#   githubActions.matrix         { include = [ { name, attr, os } ]; } for CI");
    }
    if adds.is_empty() {
        adds.push("#   nothing ([emit] in nixfold.toml turns everything off)");
    }
    for a in adds {
        let _ = writeln!(s, "{a}");
    }
    let home_ok = wiring.has("home-manager");
    let homes: Vec<&Build> = builds
        .iter()
        .filter(|b| b.home.is_some() && home_ok)
        .collect();
    let built: Vec<&Build> = builds
        .iter()
        .filter(|b| b.home.is_none() || home_ok)
        .collect();
    let need_checks = config.emit.checks || config.emit.hydra_jobs;
    let base = if homes.is_empty() { "outputs" } else { "all" };
    let inputs_param = if homes.is_empty() {
        "_inputs"
    } else {
        "inputs"
    };
    let any_binding = need_checks || !homes.is_empty();
    let _ = writeln!(s, "{inputs_param}: outputs:");
    if any_binding {
        let _ = writeln!(s, "let");
    }
    if need_checks {
        let _ = writeln!(
            s,
            "  # Adds generated attributes to the flake's own, one level deep.\n  \
             merge = own: generated:\n    \
             own // builtins.mapAttrs (name: value: (own.${{name}} or {{ }}) // value) generated;\n"
        );
    }
    if !homes.is_empty() {
        let _ = writeln!(s, "  homeConfigurations = {{");
        for b in &homes {
            let h = b.home.as_ref().expect("filtered");
            let pkgs = match &h.pkgs_from {
                Some(o) => format!("outputs.{o}.pkgs"),
                None => format!(
                    "{}.legacyPackages.{}",
                    input_ref("nixpkgs"),
                    nix_name(&b.system)
                ),
            };
            let mut special = String::from("inherit inputs;");
            if !config.variants.is_empty() {
                let vars: BTreeSet<&str> = config
                    .variants
                    .iter()
                    .flat_map(|v| v.env.keys())
                    .map(String::as_str)
                    .collect();
                let set: Vec<String> = vars
                    .iter()
                    .map(|k| format!("{} = \"\";", nix_name(k)))
                    .collect();
                let param = config.param.clone().unwrap_or_else(|| "variant".into());
                let _ = write!(special, " {} = {{ {} }};", nix_name(&param), set.join(" "));
            }
            let _ = writeln!(
                s,
                "    {} = {}.lib.homeManagerConfiguration {{\n      \
                 pkgs = {pkgs};\n      \
                 extraSpecialArgs = {{ {special} }};\n      \
                 modules = [ {} ];\n    \
                 }};",
                nix_name(&h.user),
                input_ref("home-manager"),
                h.module
            );
        }
        let _ = writeln!(s, "  }};\n");
        let _ = writeln!(
            s,
            "  all = outputs // {{ homeConfigurations = (outputs.homeConfigurations or {{ }}) // homeConfigurations; }};\n"
        );
    }
    // checks.<system>.<variant>
    let mut by_system: BTreeMap<&str, Vec<&Build>> = BTreeMap::new();
    for b in &built {
        by_system.entry(b.system.as_str()).or_default().push(b);
    }
    if need_checks {
        let _ = writeln!(s, "  checks = {{");
        for (system, bs) in &by_system {
            let _ = writeln!(s, "    {} = {{", nix_name(system));
            for b in bs {
                let _ = writeln!(s, "      {} = {base}.{};", nix_name(&b.name), b.derivation);
            }
            let _ = writeln!(s, "    }};");
        }
        let _ = writeln!(s, "  }};");
    }
    if any_binding {
        let _ = writeln!(s, "in");
    }
    let _ = writeln!(s, "{base} // {{");
    if config.emit.checks {
        let _ = writeln!(s, "  checks = merge (outputs.checks or {{ }}) checks;");
    }
    if config.emit.hydra_jobs {
        let mut by_name: BTreeMap<&str, Vec<&Build>> = BTreeMap::new();
        for b in &built {
            by_name.entry(b.name.as_str()).or_default().push(b);
        }
        let _ = writeln!(s, "  hydraJobs = merge (outputs.hydraJobs or {{ }}) {{");
        for (name, bs) in &by_name {
            let _ = writeln!(s, "    {} = {{", nix_name(name));
            for b in bs {
                let _ = writeln!(
                    s,
                    "      {} = checks.{}.{};",
                    nix_name(&b.system),
                    nix_name(&b.system),
                    nix_name(&b.name)
                );
            }
            let _ = writeln!(s, "    }};");
        }
        let _ = writeln!(s, "  }};");
    }
    if config.emit.workflow {
        let owned: Vec<Build> = built.iter().map(|b| (*b).clone()).collect();
        let (entries, _) = matrix_entries(&owned, config);
        let _ = writeln!(
            s,
            "  githubActions = (outputs.githubActions or {{ }}) // {{\n    matrix.include = ["
        );
        for (name, attr, os) in &entries {
            let _ = writeln!(
                s,
                "      {{ name = {}; attr = {}; os = {}; }}",
                nix_str(name),
                nix_str(attr),
                nix_str(os)
            );
        }
        let _ = writeln!(s, "    ];\n  }};");
    }
    let _ = writeln!(s, "}}");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn file(text: &str) -> SourceFile {
        SourceFile::from_text(PathBuf::from("flake.nix"), text.to_string())
    }

    #[test]
    fn wiring_follows_the_parameter() {
        let w = wiring(&file(
            "{ outputs = { self, nixpkgs, ... }@inputs: { a = 1; }; }",
        ))
        .unwrap();
        assert_eq!(w.inputs, "inputs");
        assert_eq!(
            w.edited.as_deref(),
            Some(
                "{ outputs = { self, nixpkgs, ... }@inputs: import ./nixfold-outputs.nix inputs ({ a = 1; }); }"
            )
        );
        let w = wiring(&file("{ outputs = { self, nixpkgs }: { }; }")).unwrap();
        assert_eq!(w.inputs, "{ inherit self nixpkgs; }");
        assert!(w.has("nixpkgs") && !w.has("home-manager"));
        let w = wiring(&file("{ outputs = i:\n    { };\n}")).unwrap();
        assert_eq!(
            w.edited.as_deref(),
            Some("{ outputs = i:\n    import ./nixfold-outputs.nix i (\n    { });\n}")
        );
    }

    #[test]
    fn wiring_is_made_once() {
        let once = wiring(&file("{ outputs = inputs: { }; }"))
            .unwrap()
            .edited
            .unwrap();
        assert!(wiring(&file(&once)).unwrap().edited.is_none());
        // Another import of the same shape is not the wiring.
        let other = "{ outputs = inputs: import ./other.nix inputs ({ }); }";
        assert!(wiring(&file(other)).unwrap().edited.is_some());
        assert!(wiring(&file("{ outputs = 3; }")).is_err());
        assert!(wiring(&file("{ inputs = { }; }")).is_err());
    }

    #[test]
    fn strings_and_runners() {
        assert_eq!(nix_str("a\"${b}\\"), "\"a\\\"\\${b}\\\\\"");
        assert_eq!(nix_name("a.b"), "\"a.b\"");
        assert_eq!(default_runner("aarch64-linux"), Some("ubuntu-24.04-arm"));
        assert_eq!(default_runner("riscv64-linux"), None);
    }
}
