//! `nixfold check`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::config::Config;
use crate::diagnostics::Severity;
use crate::project::Project;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files and directories to check.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(flatten)]
    pub fix: super::fix::FixArgs,
}

pub fn run(args: CheckArgs) -> i32 {
    let root = PathBuf::from(".");
    let mut config = match Config::load(&root) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("nixfold: {e}");
            return EXIT_FAILURE;
        }
    };
    if let Err(e) = super::fix::apply_selection(&args.fix, &mut config) {
        eprintln!("nixfold: {e}");
        return EXIT_FAILURE;
    }
    let project = Project::load(&root, &args.paths, &|_| false);
    let diags = crate::lints::check(&project, &config);
    let (project, diags) = match super::fix::after_check(&args.fix, project, &config, diags) {
        Ok(v) => v,
        Err(code) => return code,
    };
    if args.fix.statistics {
        return super::fix::statistics(&diags);
    }
    let out = match args.format {
        Format::Json => super::render::json(&diags),
        _ => super::render::human(&project, &diags),
    };
    print!("{out}");
    if diags.iter().any(|d| d.severity >= Severity::Warning) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}
