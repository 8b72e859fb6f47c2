//! Command-line interface: the only layer that knows clap, terminals, colours
//! and output formats.

mod check;
mod emit;
pub mod eval;
mod fix;
mod github;
mod human;
mod init;
mod json;
mod migrate;
pub mod render;
mod rules;
mod sarif;
mod variants;

use std::io::{IsTerminal, Write};

use clap::{Parser, Subcommand, ValueEnum};

/// Exit codes: 0 clean, 1 findings (or evaluation error), 2 nixfold could not do its job.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_FAILURE: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "nixfold",
    version,
    about = "Lint, analyse and migrate Nix configurations chosen by environment variables",
    after_help = "Exit status: 0 nothing at warning level or above was found, 1 findings, \
                  2 nixfold could not do its job (bad arguments, unreadable path, bad nixfold.toml, internal error)."
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
    /// Generate checks, hydraJobs, a CI workflow, devcontainers and an image
    /// build script for every variant of a migrated flake.
    Emit(emit::EmitArgs),
    /// List every rule.
    Rules(rules::RulesArgs),
    /// Print a rule's documentation.
    Explain(rules::ExplainArgs),
}

/// When to colour output.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    /// Always colour (even when `NO_COLOR` is set).
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether to colour a stream that is (or is not) a terminal.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }

    pub fn stdout(self) -> bool {
        self.enabled(std::io::stdout().is_terminal())
    }

    pub fn stderr(self) -> bool {
        self.enabled(std::io::stderr().is_terminal())
    }
}

/// Write to stdout, ignoring a closed pipe (`nixfold check | head`).
pub(crate) fn write_stdout(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(bytes).and_then(|()| out.flush());
}

/// Write to stderr, ignoring errors.
pub(crate) fn write_stderr(bytes: &[u8]) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(bytes).and_then(|()| err.flush());
}

/// Run the CLI; returns the process exit code.
pub fn main() -> i32 {
    // Deep recursion in tree walks and evaluation runs on a large stack.
    let child = std::thread::Builder::new().stack_size(1 << 30).spawn(run);
    match child.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => {
            write_stderr(
                b"nixfold: internal error (this is a bug in nixfold; please report it with the input that caused it)\n",
            );
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
        Command::Rules(args) => rules::list(args),
        Command::Explain(args) => rules::explain(args),
        Command::Migrate(args) => migrate::run(args),
        Command::Emit(args) => emit::run(args),
    }
}
