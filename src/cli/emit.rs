//! `nixfold emit`: print (or write) the per-variant outputs, CI workflow,
//! devcontainers and image build script.

use std::path::PathBuf;

use clap::Args;

use super::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::emit::{self, EmitError, EmitOptions};
use crate::rewrite::diff;

#[derive(Args, Debug)]
pub struct EmitArgs {
    /// The flake's directory.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Write the files (all or none).
    #[arg(long, conflicts_with = "check")]
    pub write: bool,
    /// Exit 1 when a generated file is missing or out of date.
    #[arg(long)]
    pub check: bool,
    /// Replace devcontainer.json files that exist (and files of the generated
    /// names that nixfold did not write).
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: EmitArgs) -> i32 {
    let path = std::fs::canonicalize(&args.path).unwrap_or_else(|_| args.path.clone());
    let (config, project) = match super::variants::load(&path) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("nixfold: {e}");
            return EXIT_FAILURE;
        }
    };
    let opts = EmitOptions { force: args.force };
    let plan = match emit::emit(&project, &config, &opts) {
        Ok(p) => p,
        Err(e @ EmitError::Impure(_)) => {
            for line in e.to_string().lines() {
                eprintln!("nixfold: {line}");
            }
            eprintln!("nixfold: nothing was emitted");
            return EXIT_FINDINGS;
        }
        Err(e) => {
            for line in e.to_string().lines() {
                eprintln!("nixfold: {line}");
            }
            eprintln!("nixfold: nothing was emitted");
            return EXIT_FAILURE;
        }
    };
    for n in &plan.notes {
        eprintln!("note: {n}");
    }
    for k in &plan.kept {
        eprintln!("note: keeping {k} (it exists; --force replaces it)");
    }
    let changes: Vec<&emit::EmitFile> = plan.changes().collect();
    let mut names: Vec<&str> = Vec::new();
    for b in &plan.builds {
        if !names.contains(&b.name.as_str()) {
            names.push(&b.name);
        }
    }
    if args.check {
        for c in &changes {
            println!("out of date: {}", c.rel);
        }
        if changes.is_empty() {
            eprintln!("nixfold: the generated files are up to date");
            return EXIT_OK;
        }
        eprintln!("nixfold: run `nixfold emit --write` to update them");
        return EXIT_FINDINGS;
    }
    if args.write {
        match emit::write(&plan) {
            Ok(written) => {
                eprintln!(
                    "nixfold: wrote {} file(s); variants: {}",
                    written.len(),
                    names.join(", ")
                );
                let created: Vec<&str> = changes
                    .iter()
                    .filter(|c| c.old.is_none())
                    .map(|c| c.rel.as_str())
                    .collect();
                if !created.is_empty() {
                    eprintln!(
                        "note: a flake in a git repository only sees tracked files: git add {}",
                        created.join(" ")
                    );
                }
                EXIT_OK
            }
            Err(e) => {
                eprintln!("nixfold: {e}");
                EXIT_FAILURE
            }
        }
    } else {
        for c in &changes {
            let mut d = diff::unified(&c.rel, c.old.as_deref().unwrap_or(""), &c.new);
            if !d.ends_with('\n') {
                d.push('\n');
            }
            print!("{d}");
        }
        eprintln!(
            "nixfold: {} file(s) would change; variants: {} (run with --write to apply)",
            changes.len(),
            names.join(", ")
        );
        EXIT_OK
    }
}
