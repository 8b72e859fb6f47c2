//! `nixfold check`: find the project root, read nixfold.toml, walk and load
//! the files, run the rules, render the findings, pick the exit status.
//!
//! The steps are separate functions so that options can be added to each:
//! [`config_from_args`] (nixfold.toml plus command-line rule selection),
//! [`load`], [`emit`] (the output format) and [`exit_status`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};

use super::render::Report;
use super::{ColorChoice, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK, write_stderr, write_stdout};
use crate::config::{CONFIG_FILE, Config, ConfigError};
use crate::diagnostics::{Diagnostic, Severity};
use crate::project::{PathError, Project, walk};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `file:line:col`, the source line with the span labelled, a summary.
    Human,
    /// One JSON document (see the README for the layout).
    Json,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

#[derive(Args, Debug)]
#[command(after_help = "\
The project root (where nixfold.toml is read from, and what `exclude` globs are \
relative to) is the nearest directory, starting at the first PATH, that contains \
nixfold.toml, flake.nix or .git.

Exit status: 0 nothing at warning level or above was found, 1 findings, \
2 nixfold could not do its job (bad arguments, a PATH that does not exist or \
cannot be read, a bad nixfold.toml, an internal error).")]
pub struct CheckArgs {
    /// Files and directories to check (default: the current directory).
    /// Directories are walked honouring .gitignore; files named here are
    /// checked even if git ignores them.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// When to use colours in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Human output: print the findings only, no summary line.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub fix: super::fix::FixArgs,
}

/// The project root for a run whose first path is `first`: the nearest
/// directory (from `first`, or its directory if it is a file, upwards) that
/// contains nixfold.toml, flake.nix or .git; without one, that start
/// directory itself.
pub fn find_root(cwd: &Path, first: &Path) -> PathBuf {
    let start = walk::absolute(cwd, first);
    let start = if start.is_dir() {
        start
    } else {
        start.parent().map(Path::to_path_buf).unwrap_or(start)
    };
    for dir in start.ancestors() {
        if [CONFIG_FILE, "flake.nix", ".git"]
            .iter()
            .any(|m| dir.join(m).exists())
        {
            return dir.to_path_buf();
        }
    }
    start
}

/// Why the configuration for a run could not be built.
pub enum ConfigProblem {
    /// nixfold.toml is invalid.
    File(ConfigError),
    /// A command-line option is (e.g. an unknown rule in `--select`).
    Argument(String),
}

/// The configuration for a run: nixfold.toml at the root, then the
/// command-line options that change rule selection (`--select`, `--ignore`).
pub fn config_from_args(args: &CheckArgs, root: &Path) -> Result<Config, ConfigProblem> {
    let mut config = Config::load(root).map_err(ConfigProblem::File)?;
    super::fix::apply_selection(&args.fix, &mut config).map_err(ConfigProblem::Argument)?;
    Ok(config)
}

/// Walk and read the files, pruning `exclude` globs (relative to `root`).
pub fn load(
    cwd: &Path,
    root: &Path,
    paths: &[PathBuf],
    config: &Config,
) -> (Project, Vec<PathError>) {
    if config.check.exclude_set.is_empty() {
        // Nothing to prune: no path needs to be made relative and matched.
        return Project::load_paths(root, paths, &walk::exclude_nothing());
    }
    let excludes = Arc::new(config.clone());
    let (cwd_owned, root_owned) = (cwd.to_path_buf(), root.to_path_buf());
    let exclude: walk::Exclude = Arc::new(move |p: &Path| {
        let abs = walk::absolute(&cwd_owned, p);
        match abs.strip_prefix(&root_owned) {
            Ok(rel) => {
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                excludes.is_excluded(&rel.join("/"))
            }
            Err(_) => false,
        }
    });
    Project::load_paths(root, paths, &exclude)
}

/// Render the findings in the chosen format.
pub fn emit(args: &CheckArgs, report: &Report<'_>) -> Vec<u8> {
    match args.format {
        Format::Human => super::human::render(report, args.color.stdout(), args.quiet),
        Format::Json => super::json::render(report).into_bytes(),
        Format::Sarif => super::sarif::render(report).into_bytes(),
        Format::Github => super::github::render(report).into_bytes(),
    }
}

/// 1 when anything at warning level or above was found, else 0.
pub fn exit_status(diags: &[Diagnostic]) -> i32 {
    if diags.iter().any(|d| d.severity >= Severity::Warning) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// Print a configuration error with its span, like a finding.
pub fn report_config_error(e: &ConfigError, color: bool) {
    use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
    use codespan_reporting::files::SimpleFile;
    use codespan_reporting::term::termcolor::Buffer;
    use codespan_reporting::term::{self, Styles, StylesWriter};

    let name = super::render::relative_path(&std::env::current_dir().unwrap_or_default(), &e.path);
    let mut buf = if color {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    };
    let mut diag =
        CsDiagnostic::error().with_message(format!("invalid {CONFIG_FILE}: {}", e.message));
    if let Some(span) = &e.span {
        let end = span.end.min(e.text.len());
        let start = span.start.min(end);
        diag = diag.with_labels(vec![Label::primary((), start..end)]);
    } else {
        diag = diag.with_notes(vec![format!("in {name}")]);
    }
    if let Some(help) = &e.help {
        diag = diag.with_notes(vec![format!("help: {help}")]);
    }
    let file = SimpleFile::new(name.clone(), e.text.as_str());
    let styles = Styles::default();
    let mut writer = StylesWriter::new(&mut buf, &styles);
    if term::emit_to_write_style(&mut writer, &term::Config::default(), &file, &diag).is_err() {
        write_stderr(format!("nixfold: {e}\n").as_bytes());
        return;
    }
    write_stderr(&buf.into_inner());
}

pub fn run(args: CheckArgs) -> i32 {
    let cwd = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => {
            write_stderr(
                format!("nixfold: cannot determine the current directory: {e}\n").as_bytes(),
            );
            return EXIT_FAILURE;
        }
    };
    let root = find_root(
        &cwd,
        args.paths.first().map_or(Path::new("."), PathBuf::as_path),
    );
    let config = match config_from_args(&args, &root) {
        Ok(c) => c,
        Err(ConfigProblem::File(e)) => {
            report_config_error(&e, args.color.stderr());
            return EXIT_FAILURE;
        }
        Err(ConfigProblem::Argument(e)) => {
            write_stderr(format!("nixfold: {e}\n").as_bytes());
            return EXIT_FAILURE;
        }
    };
    let (project, path_errors) = load(&cwd, &root, &args.paths, &config);
    for e in &path_errors {
        write_stderr(
            format!(
                "nixfold: {}: {}\n",
                super::render::relative_path(&cwd, &e.path),
                e.message
            )
            .as_bytes(),
        );
    }
    let diags = crate::lints::check(&project, &config);
    let (project, diags) = match super::fix::after_check(&args.fix, project, &config, diags) {
        Ok(v) => v,
        Err(code) => {
            return code.max(if path_errors.is_empty() {
                0
            } else {
                EXIT_FAILURE
            });
        }
    };
    let status = if args.fix.statistics {
        super::fix::statistics(&diags)
    } else {
        let report = Report::new(&project, &diags);
        write_stdout(&emit(&args, &report));
        exit_status(&diags)
    };
    // The process ends here: handing the trees back to the allocator one
    // node at a time would only cost time.
    std::mem::forget(project);
    std::mem::forget(diags);
    if path_errors.is_empty() {
        status
    } else {
        EXIT_FAILURE
    }
}
