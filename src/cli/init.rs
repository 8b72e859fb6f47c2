//! `nixfold init`: write a proposed nixfold.toml declaring the variants the
//! tree builds (from its scripts and docs, and from the variables' domains).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{EXIT_FAILURE, EXIT_OK};
use crate::analysis::variants::{self, matrix};

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The configuration's directory.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Replace an existing nixfold.toml (its other settings are kept).
    #[arg(long)]
    pub force: bool,
    /// Print the proposal instead of writing it.
    #[arg(long)]
    pub stdout: bool,
    /// Also propose, for each output, the variant this shell's environment
    /// selects (the variables the tree reads, with the values they have
    /// now), so the migrated flake builds purely what `--impure` builds here.
    #[arg(long)]
    pub from_env: bool,
}

pub fn run(args: InitArgs) -> i32 {
    let target = args.path.join("nixfold.toml");
    let existing = match std::fs::read_to_string(&target) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            eprintln!("nixfold: {}: {e}", target.display());
            return EXIT_FAILURE;
        }
    };
    if existing.is_some() && !args.force && !args.stdout {
        eprintln!(
            "nixfold: {} already exists; use --force to replace it (other settings are kept) or --stdout to print the proposal",
            target.display()
        );
        return EXIT_FAILURE;
    }
    let (config, project) = match super::variants::load(&args.path) {
        Ok(x) => x,
        Err(e) => {
            // An existing but invalid nixfold.toml is replaced only with --force.
            if existing.is_some() && args.force {
                match super::variants::load_without_config(&args.path) {
                    Ok(x) => x,
                    Err(e) => {
                        eprintln!("nixfold: {e}");
                        return EXIT_FAILURE;
                    }
                }
            } else {
                eprintln!("nixfold: {e}");
                return EXIT_FAILURE;
            }
        }
    };
    // Propose from the tree alone, not from the variants already declared.
    let mut bare = config.clone();
    bare.variants.clear();
    let an = variants::analyse(&project, &bare);
    let current: std::collections::BTreeMap<String, String> = if args.from_env {
        an.env
            .iter()
            .filter_map(|v| Some((v.name.clone(), std::env::var(&v.name).ok()?)))
            .collect()
    } else {
        Default::default()
    };
    let proposals = matrix::propose(&an, &project, &current);
    let kept = existing.as_deref().map(kept_settings).unwrap_or_default();
    let param = config
        .param
        .clone()
        .unwrap_or_else(|| choose_param(&project));
    let text = render(&an, &project, &proposals, &param, &kept);
    if args.stdout {
        print!("{text}");
        return EXIT_OK;
    }
    if let Err(e) = write_atomic(&target, &text) {
        eprintln!("nixfold: {}: {e}", target.display());
        return EXIT_FAILURE;
    }
    println!(
        "wrote {} ({} variable{}, {} proposed variant{})",
        target.display(),
        an.env.len(),
        if an.env.len() == 1 { "" } else { "s" },
        proposals.len(),
        if proposals.len() == 1 { "" } else { "s" }
    );
    EXIT_OK
}

/// The settings of an existing nixfold.toml other than `param` and
/// `[[variants]]`, as TOML text.
fn kept_settings(text: &str) -> String {
    let Ok(mut table) = text.parse::<toml::Table>() else {
        return String::new();
    };
    table.remove("variants");
    table.remove("param");
    if table.is_empty() {
        return String::new();
    }
    toml::to_string(&table).unwrap_or_default()
}

/// `variant`, unless the tree already uses that name.
fn choose_param(project: &crate::project::Project) -> String {
    for candidate in ["variant", "nixfoldVariant", "buildVariant"] {
        let used = project.files.iter().any(|f| {
            f.parsed()
                .syntax()
                .descendants_with_tokens()
                .filter_map(|t| t.into_token())
                .any(|t| {
                    t.kind() == crate::syntax::SyntaxKind::TOKEN_IDENT && t.text() == candidate
                })
        });
        if !used {
            return candidate.to_string();
        }
    }
    "nixfoldVariant_".to_string()
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        s.to_string()
    } else {
        quote(s)
    }
}

fn render(
    an: &variants::VariantAnalysis,
    project: &crate::project::Project,
    proposals: &[matrix::Proposal],
    param: &str,
    kept: &str,
) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# nixfold.toml, proposed by `nixfold init`: review before use."
    );
    let _ = writeln!(s, "#");
    if an.env.is_empty() {
        let _ = writeln!(s, "# The tree reads no environment variable.");
    } else {
        let _ = writeln!(s, "# Environment variables the configuration reads:");
        for v in &an.env {
            let kinds: Vec<&str> = v.domain.kinds.iter().map(|k| k.as_str()).collect();
            let mut line = format!("#   {} ({})", v.name, kinds.join(", "));
            if !v.domain.values.is_empty() {
                let _ = write!(line, ": {}", v.domain.values.join(", "));
            }
            let _ = writeln!(s, "{line}");
        }
    }
    let dependent: Vec<_> = an
        .outputs
        .outputs
        .iter()
        .filter(|o| !o.env.is_empty())
        .collect();
    if !dependent.is_empty() {
        let _ = writeln!(s, "#");
        let _ = writeln!(
            s,
            "# The default variant of each output (every variable unset) always exists"
        );
        let _ = writeln!(s, "# and keeps the output's name:");
        for o in dependent {
            let env: Vec<&str> = o.env.iter().map(String::as_str).collect();
            let _ = writeln!(s, "#   {} (depends on {})", o.dotted(), env.join(", "));
        }
    }
    let _ = writeln!(s);
    if !kept.is_empty() {
        // Top-level keys must come before tables; `param` is top-level.
        let _ = writeln!(s, "param = {}", quote(param));
        let _ = writeln!(s);
        s.push_str(kept.trim_end());
        let _ = writeln!(s);
    } else {
        let _ = writeln!(
            s,
            "# Name of the parameter that carries the variant after `nixfold migrate`."
        );
        let _ = writeln!(s, "param = {}", quote(param));
    }
    for p in proposals {
        let _ = writeln!(s);
        match &p.origin {
            matrix::Origin::Usage { text, line } => {
                let path = an.rel(&project.texts[*text].path);
                let _ = writeln!(s, "# built by {}:{line}", path.display());
            }
            matrix::Origin::Domain { var } => {
                let _ = writeln!(s, "# suggested by the values the code tests for {var}");
            }
            matrix::Origin::Environment => {
                let _ = writeln!(
                    s,
                    "# what the environment `nixfold init --from-env` ran in selects"
                );
            }
        }
        let _ = writeln!(s, "[[variants]]");
        let _ = writeln!(s, "output = {}", quote(&p.variant.output));
        let _ = writeln!(s, "name = {}", quote(&p.variant.name));
        let env: Vec<String> = p
            .variant
            .env
            .iter()
            .map(|(k, v)| format!("{} = {}", key(k), quote(v)))
            .collect();
        let _ = writeln!(s, "env = {{ {} }}", env.join(", "));
    }
    s
}

/// Write `text` to `path` atomically: a temporary file in the same folder,
/// then a rename (keeping an existing file's permissions).
pub(super) fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "nixfold.toml".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
