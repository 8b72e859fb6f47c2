//! `nixfold emit`: per-variant outputs and the glue to build them.
//!
//! From the build matrix ([`crate::analysis::variants::builds`], the same
//! model `nixfold variants` shows) it plans, without writing anything:
//!
//! - `nixfold-outputs.nix` next to flake.nix, a function from the flake's
//!   inputs and outputs to the outputs plus `checks.<system>.<variant>`,
//!   `hydraJobs.<variant>.<system>`, `githubActions.matrix` and the
//!   generated `homeConfigurations`, merged into what the flake already has;
//! - one edit of flake.nix that passes its outputs through that file
//!   (`outputs = …: import ./nixfold-outputs.nix inputs (…);`), made once;
//! - `.github/workflows/nixfold-variants.yml`, whose build matrix is read
//!   from `githubActions.matrix` with `nix eval --json`;
//! - a devcontainer.json per image variant (kept when it exists, unless
//!   forced);
//! - `build-variants.sh`, building the image variants purely and loading them
//!   into Docker.
//!
//! A tree that still reads the environment is refused: `nixfold migrate`
//! comes first. Running emit again on its own result changes nothing.

mod files;
mod nix;

use std::path::{Path, PathBuf};

use crate::analysis::reach::Reachability;
use crate::analysis::variants::{self, Build, BuildKind, VariantAnalysis};
use crate::config::Config;
use crate::project::Project;

pub use crate::analysis::variants::builds::EMIT_FILE;

/// The workflow `emit` writes, relative to the flake's directory.
pub const WORKFLOW_FILE: &str = ".github/workflows/nixfold-variants.yml";
/// The image build script, relative to the flake's directory.
pub const SCRIPT_FILE: &str = "build-variants.sh";

/// Options of [`emit`].
#[derive(Debug, Clone, Default)]
pub struct EmitOptions {
    /// Replace devcontainer.json files that exist.
    pub force: bool,
}

/// What a planned file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    Outputs,
    Flake,
    Workflow,
    Devcontainer,
    Script,
}

/// One file emit would write.
#[derive(Debug, Clone)]
pub struct EmitFile {
    pub path: PathBuf,
    /// Relative to the flake's directory, `/`-separated.
    pub rel: String,
    /// The current content (None: the file does not exist).
    pub old: Option<String>,
    pub new: String,
    pub role: FileRole,
    /// Written with the executable bits.
    pub executable: bool,
}

impl EmitFile {
    pub fn changed(&self) -> bool {
        self.old.as_deref() != Some(self.new.as_str())
    }
}

/// The plan.
#[derive(Debug, Clone, Default)]
pub struct Emission {
    /// Every generated file, changed or not.
    pub files: Vec<EmitFile>,
    /// devcontainer.json files that exist with other content and are kept
    /// (relative paths).
    pub kept: Vec<String>,
    /// The matrix the files were generated from.
    pub builds: Vec<Build>,
    /// Things worth telling (systems without a CI runner, …).
    pub notes: Vec<String>,
}

impl Emission {
    /// The files whose content would change.
    pub fn changes(&self) -> impl Iterator<Item = &EmitFile> {
        self.files.iter().filter(|f| f.changed())
    }
}

/// A read of the environment that blocks emit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpureRead {
    /// Relative path, line and column (1-based).
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// The variable, or the name expression of a dynamic read.
    pub var: String,
}

/// Why emit cannot plan.
#[derive(Debug, Clone)]
pub enum EmitError {
    /// Files the flake evaluates still read the environment.
    Impure(Vec<ImpureRead>),
    /// The tree or nixfold.toml is not usable (with located messages).
    Invalid(Vec<String>),
}

impl std::fmt::Display for EmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EmitError::Impure(reads) => {
                for r in reads {
                    writeln!(
                        f,
                        "{}:{}:{}: reads the environment variable {}",
                        r.file, r.line, r.column, r.var
                    )?;
                }
                write!(
                    f,
                    "the flake still reads the environment; run `nixfold migrate --write` first"
                )
            }
            EmitError::Invalid(problems) => write!(f, "{}", problems.join("\n")),
        }
    }
}

impl std::error::Error for EmitError {}

/// `path` relative to `root`, with `/` separators.
fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Plan the emission for a loaded project. Nothing is written.
pub fn emit(project: &Project, config: &Config, opts: &EmitOptions) -> Result<Emission, EmitError> {
    let mut problems = Vec::new();
    for e in &project.load_errors {
        problems.push(format!("{}: {}", rel(&project.root, &e.path), e.error));
    }
    for f in &project.files {
        if let Some(err) = f.parsed.errors.first() {
            let lc = f.line_col(err.range.start());
            problems.push(format!(
                "{}:{}:{}: {}",
                rel(&project.root, &f.path),
                lc.line,
                lc.col,
                err.message
            ));
        }
    }
    if !problems.is_empty() {
        return Err(EmitError::Invalid(problems));
    }
    let an = variants::analyse(project, config);
    let reach = Reachability::compute(project);
    let impure = impure_reads(project, &an, &reach);
    if !impure.is_empty() {
        return Err(EmitError::Impure(impure));
    }
    let entry = variants::entry_dir(project);
    let Some(flake) = an.outputs.entry.filter(|_| an.outputs.is_flake) else {
        return Err(EmitError::Invalid(vec![format!(
            "{}: no flake.nix: `nixfold emit` adds flake outputs",
            project.root.display()
        )]));
    };
    let mut problems: Vec<String> = an
        .matrix_errors
        .iter()
        .chain(&an.emit_errors)
        .map(|e| format!("nixfold.toml: {e}"))
        .collect();
    for b in &an.builds {
        if !b.exists && b.home.is_none() {
            problems.push(format!(
                "nixfold.toml: variant `{}`: the flake has no output `{}` yet; run `nixfold migrate --write` first",
                b.name, b.output
            ));
        }
    }
    if !problems.is_empty() {
        return Err(EmitError::Invalid(problems));
    }
    let mut plan = Emission {
        builds: an.builds.clone(),
        ..Default::default()
    };
    let mut add = |path: PathBuf, new: String, role: FileRole, executable: bool| {
        let old = std::fs::read_to_string(&path).ok();
        plan.files.push(EmitFile {
            rel: rel(&entry, &path),
            path,
            old,
            new,
            role,
            executable,
        });
    };
    // The Nix side.
    let flake_file = &project.files[flake];
    let wiring = nix::wiring(flake_file).map_err(|e| EmitError::Invalid(vec![e]))?;
    let outputs_text = nix::outputs_file(&an, config, &wiring);
    add(
        entry.join(EMIT_FILE),
        outputs_text,
        FileRole::Outputs,
        false,
    );
    if let Some(new_flake) = wiring.edited {
        add(flake_file.path.clone(), new_flake, FileRole::Flake, false);
    }
    let mut notes = Vec::new();
    if config.emit.workflow {
        let (_, skipped) = nix::matrix_entries(&an.builds, config);
        for s in skipped {
            notes.push(format!(
                "no GitHub runner for {s}: its variants are not in the CI matrix (set one under [emit.runners])"
            ));
        }
        add(
            entry.join(WORKFLOW_FILE),
            files::workflow(),
            FileRole::Workflow,
            false,
        );
    }
    let images = image_builds(&an.builds);
    if config.emit.devcontainers {
        let single = images.len() == 1;
        for b in &images {
            let path = if single {
                entry.join(".devcontainer/devcontainer.json")
            } else {
                entry.join(format!(".devcontainer/{}/devcontainer.json", b.name))
            };
            let new = files::devcontainer(b, config, config.emit.build_script);
            let old = std::fs::read_to_string(&path).ok();
            if let Some(old) = &old
                && old != &new
                && !opts.force
            {
                plan.kept.push(rel(&entry, &path));
                continue;
            }
            add(path, new, FileRole::Devcontainer, false);
        }
    }
    if config.emit.build_script && !images.is_empty() {
        add(
            entry.join(SCRIPT_FILE),
            files::build_script(&images),
            FileRole::Script,
            true,
        );
    }
    plan.notes = notes;
    Ok(plan)
}

/// The image variants, one per name: an image built for several systems is
/// loaded from its x86_64-linux build (else another Linux one, else the first).
fn image_builds(builds: &[Build]) -> Vec<&Build> {
    let rank = |b: &Build| match b.system.as_str() {
        "x86_64-linux" => 0,
        s if s.ends_with("-linux") => 1,
        _ => 2,
    };
    let mut out: Vec<&Build> = Vec::new();
    for b in builds
        .iter()
        .filter(|b| matches!(b.kind, BuildKind::Image { .. }))
    {
        match out.iter().position(|o| o.name == b.name) {
            Some(i) if rank(b) < rank(out[i]) => out[i] = b,
            Some(_) => {}
            None => out.push(b),
        }
    }
    out
}

/// Reads of the environment in files the flake evaluates.
fn impure_reads(project: &Project, an: &VariantAnalysis, reach: &Reachability) -> Vec<ImpureRead> {
    let mut out = Vec::new();
    let mut push = |site: &variants::Site, var: String| {
        if !reach.is_reachable(site.file) {
            return;
        }
        let f = &project.files[site.file];
        let lc = f.line_col(site.range.start());
        out.push(ImpureRead {
            file: rel(&project.root, &f.path),
            line: lc.line,
            column: lc.col,
            var,
        });
    };
    for v in &an.env {
        for s in &v.reads {
            push(s, v.name.clone());
        }
    }
    for s in &an.dynamic_reads {
        let text = project.files[s.file].text[s.range].to_string();
        push(s, format!("named by `{text}`"));
    }
    out.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    out.dedup();
    out
}

/// Write the changed files of a plan all or nothing; missing directories are
/// created first (and removed again when the write fails). Returns the paths
/// written.
pub fn write(plan: &Emission) -> Result<Vec<PathBuf>, String> {
    let changed: Vec<&EmitFile> = plan.changes().collect();
    let mut created: Vec<PathBuf> = Vec::new();
    for f in &changed {
        let Some(dir) = f.path.parent() else { continue };
        let mut missing = Vec::new();
        let mut d = dir.to_path_buf();
        while !d.as_os_str().is_empty() && !d.exists() {
            missing.push(d.clone());
            match d.parent() {
                Some(p) => d = p.to_path_buf(),
                None => break,
            }
        }
        for m in missing.into_iter().rev() {
            if let Err(e) = std::fs::create_dir(&m) {
                remove_dirs(&created);
                return Err(format!("{}: cannot create directory: {e}", m.display()));
            }
            created.push(m);
        }
    }
    let files: Vec<(PathBuf, String)> = changed
        .iter()
        .map(|f| (f.path.clone(), f.new.clone()))
        .collect();
    match crate::rewrite::write_all_or_nothing(&files) {
        Ok(written) => {
            for f in changed.iter().filter(|f| f.executable) {
                set_executable(&f.path);
            }
            Ok(written)
        }
        Err(e) => {
            remove_dirs(&created);
            Err(e.to_string())
        }
    }
}

fn remove_dirs(created: &[PathBuf]) {
    for d in created.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
}

#[cfg(unix)]
fn set_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(m) = std::fs::metadata(path) {
        let mut p = m.permissions();
        p.set_mode(p.mode() | 0o111);
        let _ = std::fs::set_permissions(path, p);
    }
}

#[cfg(not(unix))]
fn set_executable(_: &Path) {}
