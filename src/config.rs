//! `nixfold.toml`: rule selection, excludes, and (for variants) the declared matrix.
//!
//! The file lives at the project root (see `nixfold check --help` and the
//! README). Unknown tables and keys are rejected, and so are unknown rule
//! names, so that a typo never silently turns a rule off.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::catalog::RuleMeta;
use crate::diagnostics::Severity;

/// Name of the configuration file.
pub const CONFIG_FILE: &str = "nixfold.toml";

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
    /// What `nixfold emit` generates (`[emit]`).
    #[serde(default)]
    pub emit: EmitConfig,
}

/// `[emit]`: what `nixfold emit` generates from the variant matrix.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct EmitConfig {
    /// `checks.<system>.<variant>` for every variant.
    #[serde(default = "yes")]
    pub checks: bool,
    /// `hydraJobs.<variant>.<system>` for every variant.
    #[serde(default = "yes")]
    pub hydra_jobs: bool,
    /// The GitHub Actions workflow and the `githubActions.matrix` output.
    #[serde(default = "yes")]
    pub workflow: bool,
    /// `.devcontainer/.../devcontainer.json` per image variant.
    #[serde(default = "yes")]
    pub devcontainers: bool,
    /// `build-variants.sh`, building and loading the image variants.
    #[serde(default = "yes")]
    pub build_script: bool,
    /// `homeConfigurations.<user>` for Home Manager users configured inside
    /// a NixOS configuration (`home-manager.users.<user> = ./file.nix`).
    #[serde(default = "yes")]
    pub home: bool,
    /// Outputs to build besides the declared variants and the system and
    /// home configurations (dotted, e.g. `packages.x86_64-linux.default`).
    #[serde(default)]
    pub outputs: Vec<String>,
    /// Variant names left out of everything generated.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Only these systems (default: every system a variant exists for).
    #[serde(default)]
    pub systems: Vec<String>,
    /// GitHub runner per system (overrides the defaults).
    #[serde(default)]
    pub runners: BTreeMap<String, String>,
    /// `[emit.devcontainer]`.
    #[serde(default)]
    pub devcontainer: DevcontainerConfig,
}

/// `[emit.devcontainer]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DevcontainerConfig {
    /// VS Code extensions besides `jnoortheen.nix-ide`.
    #[serde(default)]
    pub extensions: Vec<String>,
    /// The container user VS Code connects as.
    #[serde(default = "root")]
    pub remote_user: String,
}

fn yes() -> bool {
    true
}

fn root() -> String {
    "root".into()
}

impl Default for EmitConfig {
    fn default() -> Self {
        EmitConfig {
            checks: true,
            hydra_jobs: true,
            workflow: true,
            devcontainers: true,
            build_script: true,
            home: true,
            outputs: Vec::new(),
            exclude: Vec::new(),
            systems: Vec::new(),
            runners: BTreeMap::new(),
            devcontainer: DevcontainerConfig::default(),
        }
    }
}

impl Default for DevcontainerConfig {
    fn default() -> Self {
        DevcontainerConfig {
            extensions: Vec::new(),
            remote_user: root(),
        }
    }
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
    /// Glob patterns (relative to the project root) of paths not to check.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// When set (command line `--select`, tests), only these rules run
    /// (minus those in `disable`).
    #[serde(skip)]
    pub select: Option<Vec<String>>,
    /// `exclude`, compiled (see [`Config::compile_excludes`]).
    #[serde(skip)]
    pub exclude_set: globset::GlobSet,
    /// Options of the `unused-formal` rule (`[check.unused-formal]`).
    #[serde(default, rename = "unused-formal")]
    pub unused_formal: UnusedFormalConfig,
}

/// A problem with `nixfold.toml`: where it is and what is wrong.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub path: PathBuf,
    /// The file's text (for rendering the span).
    pub text: String,
    /// Byte range of the offending value, when known.
    pub span: Option<Range<usize>>,
    pub message: String,
    /// A hint, e.g. the closest rule name.
    pub help: Option<String>,
}

impl ConfigError {
    /// 1-based line and column (in Unicode scalar values) of the span start.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        let start = self.span.as_ref()?.start.min(self.text.len());
        let before = self.text.get(..start)?;
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |p| p + 1);
        Some((line, before[line_start..].chars().count() + 1))
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, col)) = self.line_col() {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, " ({help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl From<ConfigError> for String {
    fn from(e: ConfigError) -> String {
        e.to_string()
    }
}

/// Where each rule name and glob sits in the file (read leniently, only to
/// point errors at the right place).
#[derive(Deserialize, Default)]
struct SpanView {
    #[serde(default)]
    check: SpanCheck,
}

#[derive(Deserialize, Default)]
struct SpanCheck {
    #[serde(default)]
    disable: Vec<toml::Spanned<String>>,
    #[serde(default)]
    enable: Vec<toml::Spanned<String>>,
    #[serde(default)]
    exclude: Vec<toml::Spanned<String>>,
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

    /// Read `nixfold.toml` in `root`, if present; validate it.
    pub fn load(root: &Path) -> Result<Config, ConfigError> {
        let path = root.join(CONFIG_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Config::parse(&path, &text),
                Err(_) => Err(ConfigError {
                    path,
                    text: String::new(),
                    span: None,
                    message: "the file is not valid UTF-8".into(),
                    help: None,
                }),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(ConfigError {
                path,
                text: String::new(),
                span: None,
                message: format!("cannot read the file: {e}"),
                help: None,
            }),
        }
    }

    /// Parse and validate the text of a config file (`path` is for messages).
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let error =
            |span: Option<Range<usize>>, message: String, help: Option<String>| ConfigError {
                path: path.to_path_buf(),
                text: text.to_string(),
                span,
                message,
                help,
            };
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let message = e.message().trim_end().to_string();
            let help = message.starts_with("unknown field").then(|| {
                "see the Configuration section of the README for the accepted keys".into()
            });
            error(e.span(), message, help)
        })?;
        let spans: SpanView = toml::from_str(text).unwrap_or_default();
        let span_of = |list: &[toml::Spanned<String>], value: &str| {
            list.iter().find(|s| s.get_ref() == value).map(|s| s.span())
        };
        for (key, names, spanned) in [
            ("disable", &config.check.disable, &spans.check.disable),
            ("enable", &config.check.enable, &spans.check.enable),
        ] {
            for name in names {
                if crate::catalog::by_name(name).is_some() {
                    continue;
                }
                let help = match crate::catalog::by_code(name) {
                    Some(m) => Some(format!("use the rule name `{}`", m.name)),
                    None => crate::catalog::closest_name(name)
                        .map(|n| format!("did you mean `{n}`?"))
                        .or_else(|| Some("`nixfold rules` lists every rule".into())),
                };
                return Err(error(
                    span_of(spanned, name),
                    format!("unknown rule `{name}` in `check.{key}`"),
                    help,
                ));
            }
        }
        if let Some(name) = config
            .check
            .enable
            .iter()
            .find(|n| config.check.disable.contains(n))
        {
            return Err(error(
                span_of(&spans.check.enable, name),
                format!("rule `{name}` is both in `check.enable` and in `check.disable`"),
                None,
            ));
        }
        config.compile_excludes().map_err(|(pattern, message)| {
            error(
                span_of(&spans.check.exclude, &pattern),
                format!("invalid glob `{pattern}` in `check.exclude`: {message}"),
                None,
            )
        })?;
        Ok(config)
    }

    /// Compile `check.exclude` into `check.exclude_set`. Patterns use glob
    /// syntax where `*` and `?` do not cross `/` and `**` does; a pattern
    /// excludes the paths it matches and everything below them.
    pub fn compile_excludes(&mut self) -> Result<(), (String, String)> {
        let mut builder = globset::GlobSetBuilder::new();
        for pattern in &self.check.exclude {
            let trimmed = pattern.trim_start_matches("./").trim_end_matches('/');
            let glob = globset::GlobBuilder::new(trimmed)
                .literal_separator(true)
                .build()
                .map_err(|e| (pattern.clone(), e.kind().to_string()))?;
            builder.add(glob);
        }
        self.check.exclude_set = builder
            .build()
            .map_err(|e| (String::new(), e.kind().to_string()))?;
        Ok(())
    }

    /// Whether a path (relative to the project root, `/`-separated) is
    /// excluded: the path itself or one of its parent directories matches.
    pub fn is_excluded(&self, relative: &str) -> bool {
        let set = &self.check.exclude_set;
        if set.is_empty() {
            return false;
        }
        let mut end = relative.len();
        loop {
            let prefix = &relative[..end];
            if !prefix.is_empty() && set.is_match(prefix) {
                return true;
            }
            match prefix.rfind('/') {
                Some(p) => end = p,
                None => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("nixfold.toml"), text)
    }

    #[test]
    fn valid_config() {
        let c = parse("[check]\ndisable = [\"syntax-error\"]\nexclude = [\"tests/**\", \"gen\"]\n")
            .unwrap();
        assert!(!c.is_enabled(crate::catalog::by_name("syntax-error").unwrap()));
        assert!(c.is_excluded("tests/a.nix"));
        assert!(c.is_excluded("gen/sub/x.nix"));
        assert!(!c.is_excluded("src/gen.nix"));
        assert!(!c.is_excluded("a.nix"));
    }

    #[test]
    fn unknown_rule_is_located() {
        let e = parse("[check]\ndisable = [\n  \"syntax-eror\",\n]\n").unwrap_err();
        assert_eq!(e.line_col(), Some((3, 3)));
        assert!(e.message.contains("syntax-eror"));
        assert_eq!(e.help.as_deref(), Some("did you mean `syntax-error`?"));
        let e = parse("[check]\nenable = [\"NF0001\"]\n").unwrap_err();
        assert_eq!(e.help.as_deref(), Some("use the rule name `syntax-error`"));
    }

    #[test]
    fn unknown_key_and_bad_glob() {
        let e = parse("[check]\ndisabled = []\n").unwrap_err();
        assert_eq!(e.line_col(), Some((2, 1)));
        assert!(e.message.contains("unknown field `disabled`"), "{e}");
        let e = parse("[chek]\n").unwrap_err();
        assert!(e.message.contains("unknown field `chek`"), "{e}");
        let e = parse("[check]\nexclude = [\"a/[b\"]\n").unwrap_err();
        assert_eq!(e.line_col(), Some((2, 12)));
        let e = parse("[check]\nexclude = 3\n").unwrap_err();
        assert_eq!(e.line_col(), Some((2, 11)));
    }

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
    fn emit_table() {
        let c = parse(
            "[emit]\nworkflow = false\nexclude = [\"a\"]\n[emit.devcontainer]\nextensions = [\"ms-python.python\"]\nremote-user = \"dev\"\n",
        )
        .unwrap();
        assert!(!c.emit.workflow && c.emit.checks);
        assert_eq!(c.emit.exclude, ["a"]);
        assert_eq!(c.emit.devcontainer.remote_user, "dev");
        assert_eq!(Config::default().emit.devcontainer.remote_user, "root");
        let e = parse("[emit]\nchecks = true\nworkflows = true\n").unwrap_err();
        assert_eq!(e.line_col(), Some((3, 1)), "{e}");
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
