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
    /// When set (command line `--select`, tests), only these rules run.
    #[serde(skip)]
    pub select: Option<Vec<String>>,
}

impl Config {
    pub fn is_enabled(&self, meta: &RuleMeta) -> bool {
        if let Some(select) = &self.check.select {
            return select.iter().any(|n| n == meta.name);
        }
        if self.check.disable.iter().any(|n| n == meta.name) {
            return false;
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
}
