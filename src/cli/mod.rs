//! Command-line interface: the only layer that knows clap, terminals, colours
//! and output formats.

mod check;
pub mod eval;
mod fix;
mod init;
mod migrate;
pub mod render;
mod variants;

use clap::{Parser, Subcommand};

/// Exit codes: 0 clean, 1 findings (or evaluation error), 2 nixfold could not do its job.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_FAILURE: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "nixfold",
    version,
    about = "Lint, analyse and migrate Nix configurations chosen by environment variables"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint Nix files (default path: the current directory).
    Check(check::CheckArgs),
    /// Evaluate a Nix expression or file, like `nix-instantiate --eval`.
    Eval(eval::EvalArgs),
    /// Show the environment variables a configuration reads, their domains,
    /// the outputs that depend on them and the variant matrix.
    Variants(variants::VariantsArgs),
    /// Write a proposed nixfold.toml declaring the variants the tree builds.
    Init(init::InitArgs),
    /// Rewrite environment reads into a pure flake with one output per variant.
    Migrate(migrate::MigrateArgs),
    /// List every rule.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// Rule name, e.g. impure-getenv.
        name: String,
    },
}

/// Run the CLI; returns the process exit code.
pub fn main() -> i32 {
    // Deep recursion in tree walks and evaluation runs on a large stack.
    let child = std::thread::Builder::new().stack_size(1 << 30).spawn(run);
    match child.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => {
            eprintln!("nixfold: internal error");
            EXIT_FAILURE
        }
    }
}

fn run() -> i32 {
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(256 << 20)
        .build_global();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_FAILURE
            } else {
                EXIT_OK
            };
        }
    };
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Variants(args) => variants::run(args),
        Command::Init(args) => init::run(args),
        Command::Migrate(args) => migrate::run(args),
        Command::Rules => {
            for r in crate::lints::rules::all() {
                let m = r.meta();
                println!(
                    "{:<8} {:<28} {:<8} {}{}",
                    m.code,
                    m.name,
                    m.default_severity.as_str(),
                    m.summary,
                    if m.default_enabled { "" } else { " (opt-in)" }
                );
            }
            EXIT_OK
        }
        Command::Explain { name } => match crate::lints::rule_by_name(&name) {
            Some(r) => {
                print!("{}", r.meta().doc());
                EXIT_OK
            }
            None => {
                eprintln!("nixfold: unknown rule `{name}` (see `nixfold rules`)");
                EXIT_FAILURE
            }
        },
    }
}
