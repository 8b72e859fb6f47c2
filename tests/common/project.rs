//! Loading fixture trees the way `nixfold check` loads a directory: the
//! project below it and its own nixfold.toml.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use nixfold::config::Config;
use nixfold::project::Project;

/// The repository root (where Cargo.toml is).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `dir` loaded as a project rooted at itself, every file included.
pub fn load_project(dir: &Path) -> Project {
    Project::load(dir, &[dir.to_path_buf()], &|_| false)
}

/// The project below `dir` and its nixfold.toml (defaults when absent).
pub fn load(dir: &Path) -> (Project, Config) {
    let config = Config::load(dir)
        .unwrap_or_else(|e| panic!("{}: bad nixfold.toml: {}", dir.display(), e.message));
    (load_project(dir), config)
}

/// The fixture trees `tests/fixtures/<group>/*`, sorted by name.
pub fn fixture_dirs(group: &str) -> Vec<PathBuf> {
    let base = repo().join("tests/fixtures").join(group);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&base)
        .unwrap_or_else(|e| panic!("{}: {e}", base.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// A fixture dir's name (the rule or pattern it is for).
pub fn dir_name(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}
