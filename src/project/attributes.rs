//! Files that `.gitattributes` marks as generated (`linguist-generated`,
//! the attribute GitHub uses to fold generated files in diffs): code written
//! by a tool (plan-to-nix, node2nix, lock-file converters) that nobody edits
//! by hand, so style and dead-code findings there cannot be acted on.
//!
//! Git's rules, as far as this attribute goes:
//! * `.gitattributes` files are read from the file's directory up to the
//!   repository root (the first directory holding `.git`) or the file
//!   system root; a deeper file's lines take precedence, and within a file a
//!   later line over an earlier one.
//! * A pattern without a `/` matches the file's name at any depth; one with
//!   a `/` matches the path relative to the `.gitattributes` file's
//!   directory (a leading `/` only anchors). `*` does not cross a `/`, `**`
//!   does.
//! * `linguist-generated` and `linguist-generated=true` set the attribute;
//!   `-linguist-generated`, `!linguist-generated` and any other value unset
//!   it.
//!
//! A line that cannot be read (a quoted pattern, a malformed glob) is
//! skipped, as Git skips it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One line of a `.gitattributes` file that mentions `linguist-generated`.
struct Line {
    glob: globset::GlobMatcher,
    /// Match the file name only (the pattern has no `/`).
    name_only: bool,
    generated: bool,
}

/// The lines of one `.gitattributes` file that decide `linguist-generated`.
fn parse(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('"') {
            continue;
        }
        let mut words = line.split_whitespace();
        let Some(pattern) = words.next() else {
            continue;
        };
        let mut generated = None;
        for attr in words {
            match attr {
                "linguist-generated" | "linguist-generated=true" => generated = Some(true),
                "-linguist-generated" | "!linguist-generated" => generated = Some(false),
                _ if attr.starts_with("linguist-generated=") => generated = Some(false),
                _ => {}
            }
        }
        let Some(generated) = generated else {
            continue;
        };
        // `dir/` names a directory, and attributes are not set on those.
        if pattern.ends_with('/') {
            continue;
        }
        let name_only = !pattern.contains('/');
        let pattern = pattern.strip_prefix('/').unwrap_or(pattern);
        let Ok(glob) = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
        else {
            continue;
        };
        out.push(Line {
            glob: glob.compile_matcher(),
            name_only,
            generated,
        });
    }
    out
}

/// Which of `paths` (as found, relative to the working directory `cwd` or
/// absolute) `.gitattributes` marks as generated.
pub fn generated(cwd: &Path, paths: &[&Path]) -> Vec<bool> {
    use rayon::prelude::*;
    let files: Vec<PathBuf> = paths
        .iter()
        .map(|p| super::walk::absolute(cwd, p))
        .collect();
    // Every directory some file is in, with its ancestors: each is looked
    // at once (a `.gitattributes` to read, a `.git` that ends the search),
    // in parallel, as there are as many as a tree has directories.
    let parents: rustc_hash::FxHashSet<&Path> = files.iter().filter_map(|f| f.parent()).collect();
    let mut seen: rustc_hash::FxHashSet<&Path> = Default::default();
    for p in parents {
        // Ancestors already seen have theirs seen too.
        for a in p.ancestors() {
            if !seen.insert(a) {
                break;
            }
        }
    }
    let all: Vec<&Path> = seen.into_iter().collect();
    let probed: Vec<(Vec<Line>, bool)> = all
        .par_iter()
        .map(|d| {
            let lines = std::fs::read_to_string(d.join(".gitattributes"))
                .map(|t| parse(&t))
                .unwrap_or_default();
            (lines, d.join(".git").exists())
        })
        .collect();
    if probed.iter().all(|(lines, _)| lines.is_empty()) {
        // Most trees mark nothing generated.
        return vec![false; files.len()];
    }
    let dirs: HashMap<&Path, &(Vec<Line>, bool)> = all.iter().copied().zip(&probed).collect();
    files
        .iter()
        .map(|abs| {
            // The directories from the file's up to the repository root.
            let mut chain: Vec<(&Path, &[Line])> = Vec::new();
            for d in abs.parent().into_iter().flat_map(Path::ancestors) {
                let Some((lines, root)) = dirs.get(d) else {
                    break;
                };
                chain.push((d, lines));
                if *root {
                    break;
                }
            }
            // Outermost first, so that deeper files and later lines win.
            let mut generated = false;
            let name = Path::new(abs.file_name().unwrap_or_default());
            for (d, lines) in chain.iter().rev() {
                if lines.is_empty() {
                    continue;
                }
                let Ok(rel) = abs.strip_prefix(d) else {
                    continue;
                };
                for line in lines.iter() {
                    let subject = if line.name_only { name } else { rel };
                    if line.glob.is_match(subject) {
                        generated = line.generated;
                    }
                }
            }
            generated
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_linguist_generated_like_git() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join(".git")).unwrap();
        std::fs::create_dir_all(d.join("materialized/ghc/sub")).unwrap();
        std::fs::create_dir_all(d.join("nix")).unwrap();
        std::fs::write(
            d.join(".gitattributes"),
            "# generated plans\nmaterialized/**/* linguist-generated=true\n*.lock.nix linguist-generated\n\"quoted name\" linguist-generated\nmaterialized/ghc/keep.nix -linguist-generated\n/top.nix linguist-generated\n",
        )
        .unwrap();
        std::fs::write(
            d.join("nix/.gitattributes"),
            "deps.nix linguist-generated\nother.lock.nix linguist-generated=false\n",
        )
        .unwrap();
        let cases = [
            ("materialized/ghc/sub/a.nix", true),
            ("materialized/b.nix", true),
            ("materialized/ghc/keep.nix", false),
            ("nix/deps.nix", true),
            ("nix/x.lock.nix", true),
            ("nix/other.lock.nix", false),
            ("top.nix", true),
            ("nix/top.nix", false),
            ("default.nix", false),
        ];
        let paths: Vec<&Path> = cases.iter().map(|(p, _)| Path::new(*p)).collect();
        let got = generated(d, &paths);
        for ((path, want), got) in cases.iter().zip(got) {
            assert_eq!(got, *want, "{path}");
        }
    }

    #[test]
    fn stops_at_the_repository_root() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join(".gitattributes"), "*.nix linguist-generated\n").unwrap();
        std::fs::create_dir_all(d.join("repo/.git")).unwrap();
        let got = generated(d, &[Path::new("repo/a.nix"), Path::new("b.nix")]);
        assert_eq!(got, [false, true]);
    }
}
