//! Directory walking: honours .gitignore files, skips `.git`, never follows
//! symlinked directories into loops.

use std::path::{Path, PathBuf};

/// Visit every regular file below `path` (or `path` itself if it is a file).
pub fn walk(
    path: &Path,
    exclude: &dyn Fn(&Path) -> bool,
    visit: &mut dyn FnMut(PathBuf),
    error: &mut dyn FnMut(PathBuf, String),
) {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return error(path.to_path_buf(), e.to_string()),
    };
    if meta.is_file() {
        visit(path.to_path_buf());
        return;
    }
    let it = walkdir::WalkDir::new(path)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    let it = it.filter_entry(|e| e.file_name() != ".git" && !exclude(e.path()));
    for entry in it {
        match entry {
            Ok(e) => {
                if e.file_type().is_file() {
                    visit(e.into_path());
                }
            }
            Err(e) => {
                let p = e
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| path.to_path_buf());
                error(p, e.to_string());
            }
        }
    }
}
