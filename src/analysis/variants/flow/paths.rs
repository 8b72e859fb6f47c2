//! Literal paths and lexical path resolution to project files.

use super::*;

/// The text of a literal path expression (no interpolation).
pub fn literal_path(e: &ast::Expr) -> Option<String> {
    match syn::unparen(e.clone()) {
        ast::Expr::PathRel(p) => {
            let mut s = String::new();
            for c in p.syntax().children_with_tokens() {
                match c {
                    rowan::NodeOrToken::Token(t) => s.push_str(t.text()),
                    rowan::NodeOrToken::Node(_) => return None,
                }
            }
            Some(s)
        }
        _ => None,
    }
}

/// Lexically normalise `dir/rel` (`.` and `..` removed).
pub fn normalize(dir: &Path, rel: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for c in dir.join(rel).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The project file that path text `rel` (relative to `dir`) names; a
/// directory means its default.nix.
pub fn resolve_file(project: &Project, dir: &Path, rel: &str) -> Option<usize> {
    let target = normalize(dir, rel);
    let with_default = target.join("default.nix");
    // Only a file of the same name can be the target: compare names before
    // normalising whole paths.
    let is = |f: &crate::syntax::SourceFile, t: &Path| {
        f.path.file_name() == t.file_name() && normalize(&f.path, ".") == t
    };
    project
        .files
        .iter()
        .position(|f| is(f, &target))
        .or_else(|| project.files.iter().position(|f| is(f, &with_default)))
}
