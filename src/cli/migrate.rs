//! `nixfold migrate`: print (or apply) the migration to a pure flake.

use std::path::PathBuf;

use clap::Args;

use super::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::rewrite::migrate::nixproof::NixProof;
use crate::rewrite::migrate::{self, MigrateOptions};
use crate::rewrite::{diff, write_all_or_nothing};

#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The configuration's directory.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Apply the migration (all files or none).
    #[arg(long, conflicts_with = "check")]
    pub write: bool,
    /// Exit 1 when the tree still reads the environment, 0 when it is pure.
    #[arg(long)]
    pub check: bool,
    /// Skip the proof that every variant evaluates as before.
    #[arg(long)]
    pub no_verify: bool,
    /// How to prove it: `nixfold` (its own evaluator) or `nix` (besides,
    /// real Nix evaluates both flakes and their drvPaths are compared).
    #[arg(long, value_enum, default_value_t = Verify::Nixfold, conflicts_with_all = ["no_verify", "check"])]
    pub verify: Verify,
    /// With `--verify nix`: replace flake input NAME by FLAKEREF in every
    /// evaluation (repeatable), as `nix eval --override-input` does.
    #[arg(long, num_args = 2, value_names = ["NAME", "FLAKEREF"], action = clap::ArgAction::Append, requires = "verify")]
    pub override_input: Vec<String>,
}

/// The proof `migrate` runs.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verify {
    /// nixfold's own evaluator (no Nix needed).
    Nixfold,
    /// nixfold's evaluator, then real Nix (`nix` on PATH, or `$NIXFOLD_NIX`).
    Nix,
}

pub fn run(args: MigrateArgs) -> i32 {
    // Absolute, so that `nixfold migrate .` finds the same files as a full path.
    let path = std::fs::canonicalize(&args.path).unwrap_or_else(|_| args.path.clone());
    let (config, project) = match super::variants::load(&path) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("nixfold: {e}");
            return EXIT_FAILURE;
        }
    };
    let nix = (args.verify == Verify::Nix).then(|| NixProof {
        nix: std::env::var_os("NIXFOLD_NIX").unwrap_or_else(|| "nix".into()),
        overrides: args
            .override_input
            .chunks(2)
            .filter_map(|c| match c {
                [name, flakeref] => Some((name.clone(), flakeref.clone())),
                _ => None,
            })
            .collect(),
    });
    let opts = MigrateOptions {
        verify: !args.no_verify && !args.check,
        nix,
    };
    let m = match migrate::migrate(&project, &config, &opts) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("nixfold: {e}");
            eprintln!("nixfold: nothing was changed");
            return EXIT_FAILURE;
        }
    };
    if !m.needed {
        eprintln!("nixfold: the tree reads no environment variables: nothing to migrate");
        return EXIT_OK;
    }
    for n in &m.notes {
        eprintln!("note: {n}");
    }
    if args.check {
        for c in &m.changes {
            println!("would migrate {}", c.rel);
        }
        eprintln!(
            "nixfold: the tree reads the environment; `nixfold migrate --write` makes it a pure flake"
        );
        return EXIT_FINDINGS;
    }
    let names: Vec<&str> = m.variants.iter().map(|(n, _)| n.as_str()).collect();
    if !m.declared && m.flake {
        eprintln!(
            "note: only the default variant is generated; declare more with [[variants]] in \
             nixfold.toml (`nixfold init` proposes them)"
        );
    }
    for line in &m.proof {
        eprintln!("verified: {line}");
    }
    if args.write {
        let files: Vec<(PathBuf, String)> = m
            .changes
            .iter()
            .map(|c| (c.path.clone(), c.new.clone()))
            .collect();
        match write_all_or_nothing(&files) {
            Ok(written) => {
                eprintln!(
                    "nixfold: migrated {} file(s); variants: {} (parameter `{}`)",
                    written.len(),
                    names.join(", "),
                    m.param
                );
                EXIT_OK
            }
            Err(e) => {
                eprintln!("nixfold: {e}");
                EXIT_FAILURE
            }
        }
    } else {
        for c in &m.changes {
            let mut d = diff::unified(&c.rel, &c.old, &c.new);
            if !d.ends_with('\n') {
                d.push('\n');
            }
            print!("{d}");
        }
        eprintln!(
            "nixfold: {} file(s) would change; variants: {} (run with --write to apply)",
            m.changes.len(),
            names.join(", ")
        );
        EXIT_OK
    }
}
