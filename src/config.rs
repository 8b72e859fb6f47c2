//! `nixfold.toml`: rule selection, excludes, and (for variants) the declared matrix.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::diagnostics::Severity;
use crate::lints::RuleMeta;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub check: CheckConfig,
    /// Name of the parameter that carries the variant after migration
    /// (default `variant`).
    #[serde(default)]
    pub param: Option<String>,
    /// The declared variant matrix (`[[variants]]`); the default variant
    /// (every variable unset) always exists and is not listed.
    #[serde(default)]
    pub variants: Vec<VariantDecl>,
}

/// One `[[variants]]` entry of nixfold.toml.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct VariantDecl {
    /// The output the variant is made from, e.g. `packages.x86_64-linux.container`.
    pub output: String,
    /// The generated output's name (same category as `output`).
    pub name: String,
    /// Environment of the variant; variables not listed are "".
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// Rules turned off.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Opt-in rules turned on.
    #[serde(default)]
    pub enable: Vec<String>,
    /// Glob patterns of paths not to check.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// When set (command line `--select`, tests), only these rules run
    /// (minus those in `disable`).
    #[serde(skip)]
    pub select: Option<Vec<String>>,
    /// Options of the `unused-formal` rule (`[check.unused-formal]`).
    #[serde(default, rename = "unused-formal")]
    pub unused_formal: UnusedFormalConfig,
}

/// `[check.unused-formal]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnusedFormalConfig {
    /// Unused formals whose removal would change which arguments the function
    /// accepts or receives (closed patterns `{ a, b }:`, whose callers may pass
    /// `b`; patterns whose `@` name is used, where `callPackage` would stop
    /// passing `b`).
    #[serde(default, rename = "changes-arguments")]
    pub changes_arguments: ChangesArguments,
}

/// What `unused-formal` does with formals whose removal changes the arguments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangesArguments {
    /// Report them, with a fix applied only by `--unsafe-fixes`.
    #[default]
    UnsafeFix,
    /// Do not report them.
    Ignore,
}

impl Config {
    pub fn is_enabled(&self, meta: &RuleMeta) -> bool {
        if self.check.disable.iter().any(|n| n == meta.name) {
            return false;
        }
        if let Some(select) = &self.check.select {
            return select.iter().any(|n| n == meta.name);
        }
        meta.default_enabled || self.check.enable.iter().any(|n| n == meta.name)
    }

    pub fn severity(&self, meta: &RuleMeta) -> Severity {
        meta.default_severity
    }

    /// A config that runs exactly the named rules.
    pub fn only(names: &[&str]) -> Config {
        let mut c = Config::default();
        c.check.select = Some(names.iter().map(|s| s.to_string()).collect());
        c
    }

    /// Read `nixfold.toml` in `root`, if present.
    pub fn load(root: &Path) -> Result<Config, String> {
        let path = root.join("nixfold.toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_table_and_param() {
        let c: Config = toml::from_str(
            r#"
param = "flavour"
[[variants]]
output = "packages.x86_64-linux.container"
name = "container-full"
env = { NIXOS_CONTAINER = "1", NIXOS_PACKAGES = "full" }
"#,
        )
        .unwrap();
        assert_eq!(c.param.as_deref(), Some("flavour"));
        assert_eq!(c.variants.len(), 1);
        assert_eq!(c.variants[0].env["NIXOS_PACKAGES"], "full");
        assert!(
            toml::from_str::<Config>("[[variants]]\noutput = \"a\"\nname = \"b\"\nextra = 1\n")
                .is_err()
        );
    }

    #[test]
    fn unused_formal_options() {
        let c: Config =
            toml::from_str("[check.unused-formal]\nchanges-arguments = \"ignore\"\n").unwrap();
        assert_eq!(
            c.check.unused_formal.changes_arguments,
            ChangesArguments::Ignore
        );
        assert_eq!(
            Config::default().check.unused_formal.changes_arguments,
            ChangesArguments::UnsafeFix
        );
        assert!(toml::from_str::<Config>("[check.unused-formal]\nother = 1\n").is_err());
    }
}
