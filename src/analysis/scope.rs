//! The files the entry flake may evaluate: what `variants`, `init` and
//! `migrate` read and edit. Everything else (a spec file, an old entry point
//! next to the flake, a module nothing imports) is outside and left alone.
//!
//! Unlike [`super::reach`] (which must not over-report, for lint severities),
//! this errs on the side of inclusion: starting from the entry directory's
//! `flake.nix`, every path a reached file mentions anywhere counts, and
//! interpolated parts match anything:
//!
//! - `./x.nix`, `../dir` (a directory means its `default.nix`, or every
//!   `.nix` file below it when it has none: `import-tree ./modules`,
//!   `readDir`), `/abs/x.nix`;
//! - `./hosts/${name}/configuration.nix` matches every
//!   `hosts/*/configuration.nix` (`*` spanning folders too);
//! - `./. + "/${name}.nix"` and strings that look like paths to Nix files
//!   (`"${self}/hosts/x.nix"`).
//!
//! The entry directory itself (`./.`, `src = ./.`) does not pull in the
//! whole tree.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use super::reach::normalize;
use crate::project::Project;
use crate::syntax::{SyntaxKind, SyntaxNode};

use SyntaxKind::*;

/// Per file: whether the flake in `entry` may evaluate it. `None` when
/// `entry` has no `flake.nix` (then every file is an entry point).
pub fn flake_scope(project: &Project, entry: &Path) -> Option<Vec<bool>> {
    flake_scope_with(project, entry, &|i| mentions(project, i))
}

/// Every path (as an absolute pattern) file `i` mentions, for
/// [`flake_scope_with`].
pub fn mentions(project: &Project, i: usize) -> Vec<String> {
    mentions_in(project, i, project.files[i].parsed().syntax().descendants())
}

/// [`mentions`] from file `i`'s path and string nodes in document order
/// (others are skipped), e.g. from an index the caller already built.
pub fn mentions_in(
    project: &Project,
    i: usize,
    nodes: impl Iterator<Item = SyntaxNode>,
) -> Vec<String> {
    let cwd = crate::project::cwd();
    let abs = normalize(&cwd.join(&project.files[i].path));
    let dir = abs.parent().unwrap_or(Path::new("/"));
    mentioned_paths(nodes, dir)
}

/// What the project phase needs of every file, gathered while the file's
/// tree was held (one entry per project file, in order), so that it does not
/// parse the file again to learn it.
#[derive(Debug, Default, Clone)]
pub struct FileSummaries {
    /// Per file, [`mentions`].
    pub mentions: Vec<Vec<String>>,
    /// Per file, whether it holds a relative path literal (`./x`, `a/b`).
    pub rel_paths: Vec<bool>,
}

/// [`flake_scope`] from each file's [`mentions`] (which the caller may have
/// computed earlier, while the file's tree was held).
pub fn flake_scope_with(
    project: &Project,
    entry: &Path,
    mentions: &dyn Fn(usize) -> Vec<String>,
) -> Option<Vec<bool>> {
    let cwd = crate::project::cwd();
    let abs: Vec<PathBuf> = project
        .files
        .iter()
        .map(|f| normalize(&cwd.join(&f.path)))
        .collect();
    let entry = normalize(&cwd.join(entry));
    let flake = abs.iter().position(|p| p == &entry.join("flake.nix"))?;
    let index = FileIndex::new(&abs);
    let mut scope = vec![false; abs.len()];
    scope[flake] = true;
    let mut queue = VecDeque::from([flake]);
    // A pattern already followed named the same files again.
    let mut followed: HashSet<String> = HashSet::new();
    let mut in_scope = 1;
    while let Some(i) = queue.pop_front() {
        if in_scope == scope.len() {
            // Every file is in: nothing left to learn.
            break;
        }
        for pattern in mentions(i) {
            if followed.contains(&pattern) {
                continue;
            }
            for j in index.matches(&pattern, &entry) {
                if !scope[j] {
                    scope[j] = true;
                    in_scope += 1;
                    queue.push_back(j);
                }
            }
            followed.insert(pattern);
        }
    }
    Some(scope)
}

/// The files whose mentioned paths (`mentions`, one entry per file, from
/// [`mentions`]) can name `file`: its path, its folder when it is a
/// `default.nix`, or a pattern matching either. In file order.
pub fn mentioning(project: &Project, mentions: &[Vec<String>], file: usize) -> Vec<usize> {
    let cwd = crate::project::cwd();
    let abs = normalize(&cwd.join(&project.files[file].path));
    let mut names = vec![abs.to_string_lossy().into_owned()];
    if abs.file_name().is_some_and(|n| n == "default.nix")
        && let Some(dir) = abs.parent()
    {
        names.push(dir.to_string_lossy().into_owned());
    }
    let names_it = |m: &String| {
        if m.contains('*') {
            let g = Glob::new(m);
            names.iter().any(|n| g.matches(n))
        } else {
            names.contains(m)
        }
    };
    (0..mentions.len())
        .filter(|&i| mentions[i].iter().any(names_it))
        .collect()
}

/// Whether `file` is outside the flake's scope (`scope` from [`flake_scope`]).
pub fn outside(scope: &Option<Vec<bool>>, file: usize) -> bool {
    scope
        .as_ref()
        .is_some_and(|s| !s.get(file).copied().unwrap_or(true))
}

/// The project's file paths as strings, sorted, so that a pattern's
/// literal prefix narrows the files it is matched against (a real tree has
/// thousands of files and its reached files mention thousands of paths).
struct FileIndex<'a> {
    paths: &'a [PathBuf],
    strs: Vec<String>,
    /// Indices into `paths`, ordered by `strs`.
    sorted: Vec<usize>,
    by_str: HashMap<String, usize>,
    /// Files by their last path component.
    by_name: HashMap<String, Vec<usize>>,
    /// `default.nix` files by the name of the folder holding them.
    default_in: HashMap<String, Vec<usize>>,
    /// Folders holding a `flake.nix`: each is a flake of its own.
    flake_dirs: Vec<PathBuf>,
}

impl<'a> FileIndex<'a> {
    fn new(paths: &'a [PathBuf]) -> Self {
        let strs: Vec<String> = paths
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let mut sorted: Vec<usize> = (0..strs.len()).collect();
        sorted.sort_by(|&a, &b| strs[a].cmp(&strs[b]));
        let mut by_str = HashMap::new();
        for (i, s) in strs.iter().enumerate() {
            by_str.entry(s.clone()).or_insert(i);
        }
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut default_in: HashMap<String, Vec<usize>> = HashMap::new();
        let mut flake_dirs = Vec::new();
        for (i, p) in paths.iter().enumerate() {
            let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
            if let Some(n) = name(p) {
                if n == "flake.nix"
                    && let Some(d) = p.parent()
                {
                    flake_dirs.push(d.to_path_buf());
                }
                if n == "default.nix"
                    && let Some(d) = p.parent().and_then(name)
                {
                    default_in.entry(d).or_default().push(i);
                }
                by_name.entry(n).or_default().push(i);
            }
        }
        FileIndex {
            paths,
            strs,
            sorted,
            by_str,
            by_name,
            default_in,
            flake_dirs,
        }
    }

    /// Files whose path string starts with `prefix`.
    fn with_prefix(&self, prefix: &str) -> impl Iterator<Item = usize> + '_ {
        let start = self
            .sorted
            .partition_point(|&i| self.strs[i].as_str() < prefix);
        let prefix = prefix.to_string();
        self.sorted[start..]
            .iter()
            .copied()
            .take_while(move |&i| self.strs[i].starts_with(&prefix))
    }

    /// The files a pattern names.
    fn matches(&self, pattern: &str, entry: &Path) -> Vec<usize> {
        let mut out = Vec::new();
        let wild = pattern.contains('*');
        let exact: Vec<usize> = if wild {
            let literal = &pattern[..pattern.find('*').unwrap_or(pattern.len())];
            let with_default = format!("{pattern}/default.nix");
            // What follows the last `*` must end the path: a cheap test
            // before the backtracking match.
            let tail = &pattern[pattern.rfind('*').map_or(0, |k| k + 1)..];
            let default_tail = format!("{tail}/default.nix");
            let (plain, in_dir) = (Glob::new(pattern), Glob::new(&with_default));
            let test = |&i: &usize| {
                let t = self.strs[i].as_str();
                (t.ends_with(tail) && plain.matches(t))
                    || (t.ends_with(&default_tail) && in_dir.matches(t))
            };
            // A rooted pattern (`"${self}/hosts/x.nix"`) whose tail names a
            // file: only files of that name (or its `default.nix`) can match.
            let name = tail.rsplit_once('/').map(|(_, n)| n).unwrap_or("");
            let mut hits: Vec<usize> = if literal.is_empty() && !name.is_empty() {
                let files = self.by_name.get(name).into_iter().flatten();
                let dirs = self.default_in.get(name).into_iter().flatten();
                files.chain(dirs).copied().filter(test).collect()
            } else {
                self.with_prefix(literal).filter(test).collect()
            };
            hits.sort_unstable();
            hits.dedup();
            hits
        } else {
            let mut hits: Vec<usize> = [pattern.to_string(), format!("{pattern}/default.nix")]
                .iter()
                .filter_map(|p| self.by_str.get(p).copied())
                .collect();
            hits.sort_unstable();
            hits.dedup();
            hits
        };
        if !exact.is_empty() || wild {
            out.extend(exact);
            if !wild {
                return out;
            }
        }
        // A directory without default.nix: every file below it, unless it is
        // the entry directory or above it. A flake of its own below it (a
        // template: `templates.default.path = ./templates;`) is not
        // evaluated by this one.
        let dir = PathBuf::from(pattern.trim_end_matches('*').trim_end_matches('/'));
        if dir.as_os_str().is_empty() || entry.starts_with(&dir) {
            return out;
        }
        let nested: Vec<&PathBuf> = self
            .flake_dirs
            .iter()
            .filter(|d| d.starts_with(&dir) && d.as_path() != entry)
            .collect();
        let seen: HashSet<usize> = out
            .iter()
            .copied()
            .chain(
                self.with_prefix(&dir.to_string_lossy())
                    .filter(|&i| nested.iter().any(|d| self.paths[i].starts_with(d))),
            )
            .collect();
        // Every path below `dir` has `dir`'s text as a prefix (paths are
        // normalised); `Path::starts_with` then compares whole components.
        let mut below: Vec<usize> = self
            .with_prefix(&dir.to_string_lossy())
            .filter(|&i| self.paths[i].starts_with(&dir) && !seen.contains(&i))
            .collect();
        below.sort_unstable();
        out.extend(below);
        out
    }
}

/// `*` matches a run of characters within one folder name, or any run
/// (`/` included) at the start of the pattern (where it stands for a root:
/// `"${self}/hosts/x.nix"`).
#[cfg(test)]
fn glob(pattern: &str, text: &str) -> bool {
    Glob::new(pattern).matches(text)
}

/// A pattern for [`glob`], split at its stars once.
struct Glob<'p> {
    pattern: &'p str,
    /// The literal text between stars (one more than there are stars).
    segs: Vec<&'p str>,
    /// Searchers for the segments between the first and the last.
    finders: Vec<memchr::memmem::Finder<'p>>,
    /// A backward searcher for the first of those.
    head_rev: Option<memchr::memmem::FinderRev<'p>>,
}

impl<'p> Glob<'p> {
    fn new(pattern: &'p str) -> Self {
        let segs: Vec<&'p str> = pattern.split('*').collect();
        let mids = if segs.len() > 2 {
            &segs[1..segs.len() - 1]
        } else {
            &[][..]
        };
        Glob {
            pattern,
            finders: mids
                .iter()
                .map(|&m: &&'p str| memchr::memmem::Finder::new(m.as_bytes()))
                .collect(),
            head_rev: mids
                .first()
                .map(|&m: &&'p str| memchr::memmem::FinderRev::new(m.as_bytes())),
            segs,
        }
    }

    fn matches(&self, text: &str) -> bool {
        let segs = &self.segs;
        let (first, last) = (segs[0], segs[segs.len() - 1]);
        if segs.len() == 1 {
            return self.pattern == text;
        }
        if text.len() < first.len() + last.len()
            || !text.starts_with(first)
            || !text.ends_with(last)
        {
            return false;
        }
        let bytes = text.as_bytes();
        let end = text.len() - last.len();
        // The segments between stars, each at its leftmost place: a star
        // that cannot cross `/` leaves no better choice (a later occurrence
        // of a segment only shortens the room of the next star, and one
        // holding a `/` has a single place in the folder name).
        let place = |mut pos: usize, from: usize, mut spans: bool| -> bool {
            for f in &self.finders[from..] {
                let Some(k) = f.find(&bytes[pos..end]) else {
                    return false;
                };
                if !spans && memchr::memchr(b'/', &bytes[pos..pos + k]).is_some() {
                    return false;
                }
                pos += k + f.needle().len();
                spans = false;
            }
            spans || memchr::memchr(b'/', &bytes[pos..end]).is_none()
        };
        if first.is_empty() && !self.finders.is_empty() {
            // The leading star spans folders: try every place of the first
            // segment after it.
            let head = self.finders[0].needle();
            if self.finders.len() == 1 {
                // Only the room after the head is left to check, and the
                // last place leaves the least of it.
                return self
                    .head_rev
                    .as_ref()
                    .and_then(|r| r.rfind(&bytes[..end]))
                    .is_some_and(|k| place(k + head.len(), 1, false));
            }
            // Every place, overlapping ones included (`find_iter` skips
            // those: `//` in `///` is at 0 and 1).
            let mut from = 0;
            while let Some(k) = self.finders[0].find(&bytes[from..end]) {
                if place(from + k + head.len(), 1, false) {
                    return true;
                }
                from += k + 1;
            }
            return false;
        }
        place(first.len(), 0, first.is_empty())
    }
}

/// Every path (as an absolute pattern) a file mentions.
fn mentioned_paths(nodes: impl Iterator<Item = SyntaxNode>, dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for node in nodes {
        let pattern = match node.kind() {
            NODE_PATH_REL | NODE_PATH_ABS => {
                let text = pattern_text(&node);
                let base = if node.kind() == NODE_PATH_ABS {
                    PathBuf::from(&text)
                } else {
                    dir.join(&text)
                };
                // `./. + "/x.nix"`: the sum is the path.
                let suffix = added_strings(&node);
                let mut s = normalize(&base).to_string_lossy().into_owned();
                if text.ends_with('/') && !s.ends_with('/') {
                    s.push('/');
                }
                s.push_str(&suffix);
                Some(s)
            }
            NODE_STRING => {
                // most strings name no file: skip them before copying text
                if !crate::syntax::green::G::of(&node).token_holds(b'/') {
                    continue;
                }
                let text = pattern_text(&node);
                let text = text.trim_matches('"');
                if !text.contains('/') || text.contains(' ') || text.contains('\n') {
                    None
                } else if text.starts_with('*') || text.starts_with('/') {
                    Some(text.to_string())
                } else if text.ends_with(".nix") {
                    Some(dir.join(text).to_string_lossy().into_owned())
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some(p) = pattern {
            out.push(collapse_stars(&normalize(Path::new(&p)).to_string_lossy()));
        }
    }
    out
}

/// `"a" + "b"` added to the right of the path node `path`, as a pattern.
fn added_strings(path: &SyntaxNode) -> String {
    let mut out = String::new();
    let mut cur = path.clone();
    while let Some(parent) = cur.parent() {
        let parent = if parent.kind() == NODE_PAREN {
            cur = parent;
            continue;
        } else {
            parent
        };
        if parent.kind() != NODE_BIN_OP
            || !parent
                .children_with_tokens()
                .any(|c| c.kind() == SyntaxKind::TOKEN_ADD)
            || parent.first_child().as_ref() != Some(&cur)
        {
            break;
        }
        match parent.children().nth(1) {
            Some(rhs) if rhs.kind() == NODE_STRING => {
                out.push_str(pattern_text(&rhs).trim_matches('"'));
            }
            Some(_) => out.push('*'),
            None => break,
        }
        cur = parent;
    }
    out
}

/// A path's or string's text with every interpolation replaced by `*`.
fn pattern_text(node: &SyntaxNode) -> String {
    let mut s = String::new();
    for c in node.children_with_tokens() {
        match c {
            rowan::NodeOrToken::Token(t) => s.push_str(t.text()),
            rowan::NodeOrToken::Node(_) => s.push('*'),
        }
    }
    s
}

fn collapse_stars(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !(c == '*' && out.ends_with('*')) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::SourceFile;

    fn scope(files: &[(&str, &str)]) -> Vec<(String, bool)> {
        let project = Project::from_sources(
            "/virtual",
            files
                .iter()
                .map(|(p, t)| SourceFile::from_text(format!("/virtual/{p}"), *t))
                .collect(),
        );
        let s = flake_scope(&project, Path::new("/virtual")).unwrap();
        files
            .iter()
            .zip(s)
            .map(|((p, _), b)| (p.to_string(), b))
            .collect()
    }

    #[test]
    fn globs() {
        assert!(glob("/a/*/c.nix", "/a/b/c.nix"));
        assert!(!glob("/a/*/c.nix", "/a/b/x/c.nix"));
        assert!(glob("*/hosts/x.nix", "/r/s/hosts/x.nix"));
        assert!(glob("/a/*.nix", "/a/b.nix"));
        assert!(!glob("/a/*.nix", "/a/b.txt"));
        assert!(glob("*", ""));
        assert!(glob("*b*c", "b/bc"));
        assert!(!glob("/r/*b*c", "/r/b/bc"));
        assert!(glob("/r/*a/b*c", "/r/xa/byc"));
        assert!(!glob("/r/*a/b*c", "/r/a/ba/bc"));
        assert!(glob("/a/*-*.nix", "/a/x-y-z.nix"));
        assert!(!glob("/a/*-*.nix", "/a/x/y-z.nix"));
        assert!(glob("*/bin/*", "/s/x/bin/y"));
        assert!(!glob("*/bin/*", "/s/x/bin/y/z"));
        assert!(!glob("/a/*b", "/a/b/"));
        // the first segment after a leading star at an overlapping place
        assert!(glob("*//*/*", "////"));
    }

    /// The backtracking definition `glob` must agree with.
    fn glob_reference(pattern: &str, text: &str) -> bool {
        fn go(p: &[u8], t: &[u8], spans: bool) -> bool {
            match p.first() {
                None => t.is_empty(),
                Some(b'*') => (0..=t.len())
                    .take_while(|&k| spans || !t[..k].contains(&b'/'))
                    .any(|k| go(&p[1..], &t[k..], false)),
                Some(&c) => t.first() == Some(&c) && go(&p[1..], &t[1..], false),
            }
        }
        go(
            pattern.as_bytes(),
            text.as_bytes(),
            pattern.starts_with('*'),
        )
    }

    proptest::proptest! {
        #[test]
        fn glob_agrees_with_backtracking(p in "[ab/*]{0,8}", t in "[ab/]{0,10}") {
            let p = collapse_stars(&p);
            proptest::prop_assert_eq!(glob(&p, &t), glob_reference(&p, &t), "{} {}", p, t);
        }
    }

    #[test]
    fn prefix_index_matches_whole_components_and_rooted_strings() {
        let got = scope(&[
            (
                "flake.nix",
                "{ outputs = _: { a = import ./mods; b = \"${self}/hosts/x.nix\"; c = \"${pkg}/bin/tool\"; }; }",
            ),
            ("mods/a.nix", "{ }"),
            ("mods-extra/b.nix", "{ }"),
            ("hosts/x.nix", "{ }"),
            ("hosts/y.nix", "{ }"),
            ("bin/tool/default.nix", "{ }"),
        ]);
        let inside: Vec<&str> = got
            .iter()
            .filter(|(_, b)| *b)
            .map(|(p, _)| p.as_str())
            .collect();
        assert_eq!(
            inside,
            [
                "flake.nix",
                "mods/a.nix",
                "hosts/x.nix",
                "bin/tool/default.nix"
            ]
        );
    }

    #[test]
    fn follows_interpolations_directories_and_sums() {
        let got = scope(&[
            (
                "flake.nix",
                "{ outputs = _: { src = ./.; a = ./hosts/${h}/configuration.nix; b = import ./lib; c = ./. + \"/mods/${x}.nix\"; d = import-tree ./tree; }; }",
            ),
            ("hosts/one/configuration.nix", "{ }"),
            ("lib/default.nix", "{ }"),
            ("lib/other.nix", "{ }"),
            ("mods/m.nix", "{ }"),
            ("tree/deep/t.nix", "{ }"),
            ("configuration.nix", "{ }"),
            ("spec/dup.nix", "{ a = 1; a = 2; }"),
        ]);
        let inside: Vec<&str> = got
            .iter()
            .filter(|(_, b)| *b)
            .map(|(p, _)| p.as_str())
            .collect();
        assert_eq!(
            inside,
            [
                "flake.nix",
                "hosts/one/configuration.nix",
                "lib/default.nix",
                "mods/m.nix",
                "tree/deep/t.nix"
            ]
        );
    }
}
