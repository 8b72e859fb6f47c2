//! Loading fixture trees the way `nixfold check` loads a directory: the
//! project below it and its own nixfold.toml.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

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

/// Write `content` to `dir/rel`, creating the folders on the way.
pub fn write(dir: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
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

/// Run nixfold with `args` and then `dir`: exit code, stdout, stderr.
pub fn nixfold(args: &[&str], dir: &Path) -> (i32, String, String) {
    nixfold_env(args, dir, &[])
}

/// [`nixfold`] with `env` added to its environment.
pub fn nixfold_env(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nixfold"))
        .args(args)
        .arg(dir)
        .envs(env.iter().copied())
        .output()
        .expect("nixfold runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every file below `dir` (relative path → bytes), without `.git`.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn go(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if path.is_dir() {
                go(base, &path, out);
            } else {
                let rel = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    go(dir, dir, &mut out);
    out
}
