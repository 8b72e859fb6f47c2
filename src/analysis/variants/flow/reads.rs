//! Environment reads in a file and the reads an expression depends on.

use super::*;

/// The variables an expression depends on within its file: reads in it and
/// in the let/rec bindings it refers to (transitively), each with the range
/// of one read. `scopes` are the file's, `reads` its reads ([`file_reads`]).
pub fn expr_env_deps(
    scopes: &Scopes,
    expr: &SyntaxNode,
    reads: &[(SyntaxNode, Read)],
) -> std::collections::BTreeMap<String, TextRange> {
    let by_node: HashMap<&SyntaxNode, &Read> = reads.iter().map(|(n, r)| (n, r)).collect();
    let mut out = std::collections::BTreeMap::new();
    let mut seen: HashSet<SyntaxNode> = HashSet::new();
    let mut stack = vec![expr.clone()];
    while let Some(n) = stack.pop() {
        if !seen.insert(n.clone()) {
            continue;
        }
        for node in n.descendants() {
            if let Some(r) = by_node.get(&node)
                && let Some(v) = &r.var
            {
                out.entry(v.clone()).or_insert(r.site.range);
            }
            let Some(id) = ast::Ident::cast(node) else {
                continue;
            };
            if !syn::is_reference(&id) {
                continue;
            }
            match syn::resolve(scopes, &id) {
                Def::Binding { value: Some(v), .. } => stack.push(v.syntax().clone()),
                Def::Binding { key, .. } => {
                    if let Some(av) = key.parent().and_then(|p| p.parent()) {
                        stack.push(av);
                    }
                }
                Def::InheritFrom { from, .. } => stack.push(from.syntax().clone()),
                _ => {}
            }
        }
    }
    out
}

/// Whether a file's text can hold an environment read: every read spells
/// `getEnv` (or `lib.maybeEnv`) in its file, whatever alias it goes
/// through, so a file without either needs no tree for [`file_reads`].
pub fn may_hold_reads(text: &str) -> bool {
    crate::syntax::has_text(text, "getEnv") || crate::syntax::has_text(text, "maybeEnv")
}

/// The reads of one file (`scopes` are its scopes, `root` its root):
/// `getEnv` calls through any alias (hir), and `lib.maybeEnv NAME default`.
pub fn file_reads(scopes: &Scopes, file: usize, root: &SyntaxNode) -> Vec<(SyntaxNode, Read)> {
    use crate::hir;
    let mut out = Vec::new();
    for u in hir::find_builtin_uses(scopes, "getEnv") {
        if u.kind != hir::UseKind::Call {
            continue;
        }
        let Some(call) = u.call.and_then(|c| c.try_to_node(root)) else {
            continue;
        };
        let var = u
            .args(root)
            .first()
            .and_then(|a| hir::literal_string(&hir::strip_parens(a)));
        out.push((
            call.clone(),
            Read {
                var,
                site: Site {
                    file,
                    range: call.text_range(),
                },
                default: None,
            },
        ));
    }
    // `lib.maybeEnv` (the hir knows only builtins); skip the walk when the
    // name does not occur.
    let maybe = root
        .descendants_with_tokens()
        .filter_map(|t| t.into_token())
        .any(|t| t.kind() == SyntaxKind::TOKEN_IDENT && t.text() == "maybeEnv");
    let extra = if maybe {
        syn::env_reads(scopes, root)
    } else {
        Vec::new()
    };
    for r in extra {
        if r.default.is_some() || out.iter().all(|(n, _)| n != &r.node) {
            // `lib.maybeEnv` (the hir knows only builtins).
            if let Some(e) = ast::Expr::cast(r.node.clone())
                && syn::prim_call(scopes, &e).is_some_and(|(n, _)| n == "maybeEnv")
            {
                out.push((
                    r.node.clone(),
                    Read {
                        var: r.name,
                        site: Site {
                            file,
                            range: r.range,
                        },
                        default: r.default,
                    },
                ));
            }
        }
    }
    out.sort_by_key(|(n, _)| n.text_range().start());
    out
}

/// The variables the project reads, when every read names its variable
/// with a literal (`getEnv "HOME"`, `lib.maybeEnv "X" d`); `None` when some
/// name is computed (`getEnv name` in a helper) or `getEnv` is passed on as
/// a value, so that only the full analysis knows. Only the files that
/// [`may_hold_reads`] are parsed.
pub fn literal_read_names(project: &Project) -> Option<std::collections::BTreeSet<String>> {
    use crate::hir;
    let mut names = std::collections::BTreeSet::new();
    for (i, f) in project.files.iter().enumerate() {
        if !may_hold_reads(&f.text) {
            continue;
        }
        let parsed = f.parsed();
        let scopes = Scopes::from_parsed(&parsed);
        if hir::find_builtin_uses(&scopes, "getEnv").any(|u| u.kind == hir::UseKind::Reference) {
            return None;
        }
        for (_, r) in file_reads(&scopes, i, &parsed.syntax()) {
            names.insert(r.var?);
        }
    }
    Some(names)
}

/// Whether some Nix file of the project writes one of `names` the way a
/// variable name that reaches a computed read is written down: as a string
/// of its own (`"NAME"`, `''NAME''`). A name that reaches a read as an
/// attribute name (`mapAttrs (n: _: getEnv n) { NAME = 1; }`) is not
/// followed: environment settings are written that way everywhere. One
/// pass over each file's text, up to the first such string.
pub fn quotes_any(project: &Project, names: &[&str]) -> bool {
    let wanted: rustc_hash::FxHashSet<&str> = names.iter().copied().collect();
    let Some(longest) = names.iter().map(|n| n.len()).max() else {
        return false;
    };
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    project.files.iter().any(|f| {
        let text: &str = &f.text;
        let bytes = text.as_bytes();
        let mut at = 0;
        while let Some(k) = memchr::memchr2(b'"', b'\'', &bytes[at..]) {
            let open = at + k;
            // `"` opens with one byte, `''` with two.
            let (start, close): (usize, &[u8]) = if bytes[open] == b'"' {
                (open + 1, b"\"")
            } else if bytes.get(open + 1) == Some(&b'\'') {
                (open + 2, b"''")
            } else {
                at = open + 1;
                continue;
            };
            let len = bytes[start..]
                .iter()
                .take(longest + 1)
                .take_while(|&&b| is_name(b))
                .count();
            let end = start + len;
            if len > 0
                && len <= longest
                && bytes[end..].starts_with(close)
                && wanted.contains(&text[start..end])
            {
                return true;
            }
            // The closing quote may open the next string: look again from it.
            at = end.max(open + 1);
        }
        false
    })
}

/// Whether the project may read one of the variables `names`, as far as
/// can be known without the variant analysis: one of the literal names of
/// its reads when every read has one ([`literal_read_names`]), else one
/// written as a string of its own ([`quotes_any`]). A name put together at
/// evaluation time from pieces is not followed.
pub fn may_read_any(project: &Project, names: &[&str]) -> bool {
    match literal_read_names(project) {
        Some(read) => names.iter().any(|n| read.contains(*n)),
        None => quotes_any(project, names),
    }
}
