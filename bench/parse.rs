//! The baseline `bench/check.sh` compares `nixfold check` against: read and
//! parse every `.nix` file under the given directories with rnix, one file
//! after another on one thread, and drop each tree. Prints the number of
//! files and bytes. Build with `cargo build --release --example parse-bench`.
//!
//! Files are found as `check` finds them (`.gitignore` honoured, `.git`
//! skipped, hidden directories walked, symbolic links not followed).

use std::path::PathBuf;

fn main() {
    let dirs: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if dirs.is_empty() {
        eprintln!("usage: parse-bench DIR...");
        std::process::exit(2);
    }
    let (mut files, mut bytes, mut errors) = (0usize, 0usize, 0usize);
    for dir in &dirs {
        let walk = ignore::WalkBuilder::new(dir)
            .standard_filters(false)
            .git_ignore(true)
            .git_exclude(true)
            .parents(true)
            .require_git(false)
            .follow_links(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        for entry in walk.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "nix")
                || !entry.file_type().is_some_and(|t| t.is_file())
            {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let parse = rnix::Root::parse(&text);
            errors += usize::from(!parse.errors().is_empty());
            files += 1;
            bytes += text.len();
            drop(parse);
        }
    }
    println!("{files} files, {bytes} bytes, {errors} with syntax errors");
}
