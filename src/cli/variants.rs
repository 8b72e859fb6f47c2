//! `nixfold variants`: the environment variables a tree reads, their kinds
//! and domains, the outputs that depend on them, and the variant matrix.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::analysis::variants::{self, report};
use crate::config::Config;
use crate::project::Project;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct VariantsArgs {
    /// The configuration's directory.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Load config and project for an analysis command.
pub(super) fn load(path: &std::path::Path) -> Result<(Config, Project), String> {
    if !path.is_dir() {
        return Err(format!("{}: not a directory", path.display()));
    }
    let config = Config::load(path)?;
    let project = Project::load(path, &[path.to_path_buf()], &|_| false);
    Ok((config, project))
}

pub fn run(args: VariantsArgs) -> i32 {
    let (config, project) = match load(&args.path) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("nixfold: {e}");
            return EXIT_FAILURE;
        }
    };
    let an = variants::analyse(&project, &config);
    let rep = report::report(&an, &project);
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&rep) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("nixfold: {e}");
                return EXIT_FAILURE;
            }
        },
        Format::Table => print!("{}", table(&an, &rep)),
    }
    for e in an.matrix_errors.iter().chain(&an.emit_errors) {
        eprintln!("nixfold: nixfold.toml: {e}");
    }
    if an.matrix_errors.is_empty() && an.emit_errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    }
}

fn table(an: &variants::VariantAnalysis, rep: &report::Report) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "Environment variables ({})", rep.env.len());
    if rep.env.is_empty() {
        let _ = writeln!(s, "  (none: the tree reads no environment variable)");
    }
    let width = rep.env.iter().map(|e| e.name.len()).max().unwrap_or(0);
    for e in &rep.env {
        let mut kinds = e.kinds.join(", ");
        if let Some(sep) = &e.separator {
            let _ = write!(kinds, " (separator {sep:?})");
        }
        let _ = writeln!(s, "  {:<width$}  {}", e.name, kinds);
        if !e.values.is_empty() {
            let _ = writeln!(s, "  {:<width$}    values: {}", "", e.values.join(", "));
        }
        if let Some(v) = an.var(&e.name) {
            if let Some(d) = &v.domain.default {
                let _ = writeln!(s, "  {:<width$}    when empty: {d:?}", "");
            }
            for (k, l) in &v.domain.aliases {
                let _ = writeln!(s, "  {:<width$}    {k:?} means: {}", "", l.join(", "));
            }
        }
        let source = match an.evaluated.get(&e.name) {
            Some(n) => format!(
                "evaluation ({n} comparison{} observed) and syntax",
                if *n == 1 { "" } else { "s" }
            ),
            None if e.kinds.iter().any(|k| k == "dynamic") => "syntax".to_string(),
            None => "syntax (the evaluator reached no comparison)".to_string(),
        };
        let _ = writeln!(s, "  {:<width$}    learnt from: {source}", "");
        let reads: Vec<String> = e
            .reads
            .iter()
            .map(|r| format!("{}:{}:{}", r.file, r.line, r.column))
            .collect();
        let _ = writeln!(s, "  {:<width$}    read at: {}", "", reads.join(", "));
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "Outputs ({})", rep.outputs.len());
    let width = rep.outputs.iter().map(|o| o.attr.len()).max().unwrap_or(0);
    for o in &rep.outputs {
        let env = if o.env.is_empty() {
            "-".to_string()
        } else {
            o.env.join(", ")
        };
        let _ = writeln!(s, "  {:<width$}  {}", o.attr, env);
    }
    let _ = writeln!(s);
    let declared = an.variants.iter().filter(|v| v.declared.is_some()).count();
    let _ = writeln!(
        s,
        "Variants ({} default, {} declared)",
        an.variants.len() - declared,
        declared
    );
    for v in &an.variants {
        let env: Vec<String> = v.env.iter().map(|(k, x)| format!("{k}={x}")).collect();
        let env = if env.is_empty() {
            "(default: everything unset)".to_string()
        } else {
            env.join(" ")
        };
        let _ = writeln!(s, "  {} -> {}  {}", v.output, v.name, env);
    }
    if declared == 0 {
        let _ = writeln!(
            s,
            "  (declare more in nixfold.toml with [[variants]]; `nixfold init` proposes them)"
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Builds ({}): what `nixfold emit` generates",
        rep.builds.len()
    );
    let width = rep.builds.iter().map(|b| b.check.len()).max().unwrap_or(0);
    for b in &rep.builds {
        let mut extra = vec![b.kind.clone()];
        if let Some(i) = &b.image {
            extra.push(format!("image {i}"));
        }
        if !b.exists {
            extra.push(if b.kind == "home" {
                "generated by emit".to_string()
            } else {
                "after `nixfold migrate`".to_string()
            });
        }
        let _ = writeln!(
            s,
            "  {:<width$}  {}  ({})",
            b.check,
            b.derivation,
            extra.join(", ")
        );
    }
    s
}

/// Load the project ignoring nixfold.toml (to replace a broken one).
pub(super) fn load_without_config(path: &std::path::Path) -> Result<(Config, Project), String> {
    if !path.is_dir() {
        return Err(format!("{}: not a directory", path.display()));
    }
    let project = Project::load(path, &[path.to_path_buf()], &|_| false);
    Ok((Config::default(), project))
}
