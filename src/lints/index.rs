//! A per-file index of syntax nodes by kind, built in one walk and shared by
//! every rule that runs on the file, so that rules look only at the nodes they
//! care about instead of each walking the whole tree again.

use std::cell::OnceCell;

use rowan::TextSize;

use crate::syntax::green::G;
use crate::syntax::{SyntaxKind, SyntaxNode};

/// Nodes of one file grouped by kind, in document order.
///
/// The kinds the default rules look at are collected in one walk when the
/// index is built; any other kind is collected by a walk of its own the first
/// time it is asked for. (Keeping every node of every kind alive costs about
/// as much as the walk itself.)
pub struct NodeIndex {
    root: SyntaxNode,
    by_kind: Vec<OnceCell<Vec<SyntaxNode>>>,
    /// The string nodes with a `/` in their literal text (see
    /// [`NodeIndex::strings_with_slash`]), found in the first walk.
    slash_strings: Vec<SyntaxNode>,
}

const KINDS: usize = SyntaxKind::NODE_WITH as usize + 1;

/// Kinds collected by the first walk.
const EAGER: &[SyntaxKind] = &[
    SyntaxKind::NODE_APPLY,
    SyntaxKind::NODE_ATTRPATH_VALUE,
    SyntaxKind::NODE_ATTR_SET,
    SyntaxKind::NODE_BIN_OP,
    SyntaxKind::NODE_IF_ELSE,
    SyntaxKind::NODE_INHERIT,
    SyntaxKind::NODE_LAMBDA,
    SyntaxKind::NODE_LEGACY_LET,
    SyntaxKind::NODE_LET_IN,
    SyntaxKind::NODE_LITERAL,
    SyntaxKind::NODE_PATTERN,
    SyntaxKind::NODE_PAT_ENTRY,
    SyntaxKind::NODE_PATH_ABS,
    SyntaxKind::NODE_PATH_HOME,
    SyntaxKind::NODE_PATH_REL,
    SyntaxKind::NODE_PATH_SEARCH,
    SyntaxKind::NODE_UNARY_OP,
];

impl NodeIndex {
    /// Walk `root` once (iteratively: deep trees cannot overflow the stack).
    pub fn build(root: SyntaxNode) -> Self {
        let mut eager: Vec<Vec<SyntaxNode>> = (0..KINDS).map(|_| Vec::new()).collect();
        let mut wanted = [false; KINDS];
        for k in EAGER {
            wanted[*k as usize] = true;
        }
        let string = SyntaxKind::NODE_STRING as usize;
        // Most strings name no file: only those with a `/` get a node.
        let mut slash_strings = Vec::new();
        walk_kinds(
            &root,
            |k, g| wanted.get(k).copied().unwrap_or(false) || (k == string && g.token_holds(b'/')),
            |k, n| {
                if wanted[k] {
                    eager[k].push(n)
                } else {
                    slash_strings.push(n)
                }
            },
        );
        let by_kind = eager
            .into_iter()
            .enumerate()
            .map(|(k, v)| {
                let cell = OnceCell::new();
                if wanted[k] {
                    let _ = cell.set(v);
                }
                cell
            })
            .collect();
        NodeIndex {
            root,
            by_kind,
            slash_strings,
        }
    }

    /// The string nodes whose own literal text (outside interpolations)
    /// holds a `/`, in document order: the strings that can name a file.
    pub fn strings_with_slash(&self) -> &[SyntaxNode] {
        &self.slash_strings
    }

    /// The nodes of all `kinds`, in document order (a node before the
    /// nodes inside it).
    pub fn nodes_of(&self, kinds: &[SyntaxKind]) -> Vec<SyntaxNode> {
        let mut out: Vec<SyntaxNode> = kinds.iter().flat_map(|k| self.nodes(*k)).cloned().collect();
        if kinds.len() >= 2 {
            in_document_order(&mut out);
        }
        out
    }

    /// The file's root node (kind `NODE_ROOT`).
    pub fn root(&self) -> &SyntaxNode {
        &self.root
    }

    /// All nodes of `kind`, in document order.
    pub fn nodes(&self, kind: SyntaxKind) -> &[SyntaxNode] {
        let Some(cell) = self.by_kind.get(kind as usize) else {
            return &[];
        };
        cell.get_or_init(|| {
            let mut out = Vec::new();
            walk_kinds(&self.root, |k, _| k == kind as usize, |_, n| out.push(n));
            out
        })
    }
}

/// Put nodes of one tree in document order: by start, a node before the
/// nodes inside it.
pub fn in_document_order(nodes: &mut [SyntaxNode]) {
    nodes.sort_by_key(|n| {
        let r = n.text_range();
        (r.start(), std::cmp::Reverse(r.end()))
    });
}

/// One node of the green tree on the way down, with its syntax node once
/// one is made.
struct Frame<'g> {
    green: G<'g>,
    children: rowan::Children<'g>,
    /// Index among its parent's children (tokens included).
    index: usize,
    /// Where the next child starts, and its index.
    next_start: TextSize,
    next_index: usize,
    node: Option<SyntaxNode>,
}

impl<'g> Frame<'g> {
    fn new(green: G<'g>, index: usize, node: Option<SyntaxNode>) -> Self {
        Frame {
            green,
            children: green.node.children(),
            index,
            next_start: green.start,
            next_index: 0,
            node,
        }
    }
}

/// Call `found` with every node below `root` (and `root` itself) that
/// `wanted` accepts (given its raw kind and green node), in document order.
///
/// The walk is over the green tree; a syntax node (a rowan cursor, an
/// allocation each) is made only for a wanted node and for its ancestors
/// that have none yet, so identifiers, attribute paths and other subtrees
/// without a wanted node cost no cursor.
fn walk_kinds(
    root: &SyntaxNode,
    wanted: impl Fn(usize, G<'_>) -> bool,
    mut found: impl FnMut(usize, SyntaxNode),
) {
    let top = G::of(root);
    let kind = top.node.kind().0 as usize;
    if wanted(kind, top) {
        found(kind, root.clone());
    }
    let mut stack = vec![Frame::new(top, 0, Some(root.clone()))];
    while let Some(frame) = stack.last_mut() {
        let Some(child) = frame.children.next() else {
            stack.pop();
            continue;
        };
        let (index, start) = (frame.next_index, frame.next_start);
        frame.next_index += 1;
        frame.next_start += child.text_len();
        let rowan::NodeOrToken::Node(node) = child else {
            continue;
        };
        let green = G { node, start };
        stack.push(Frame::new(green, index, None));
        let kind = node.kind().0 as usize;
        if wanted(kind, green) {
            found(kind, materialize(&mut stack));
        }
    }
}

/// The syntax node of the last frame, made (with those of the frames above
/// it that have none) from the nearest ancestor that has one.
fn materialize(stack: &mut [Frame<'_>]) -> SyntaxNode {
    // The root frame always has its node.
    let mut j = stack.iter().rposition(|f| f.node.is_some()).unwrap_or(0);
    while j + 1 < stack.len() {
        let (above, below) = stack.split_at_mut(j + 1);
        let (parent, f) = (&above[j], &mut below[0]);
        let Some(parent) = parent.node.as_ref() else {
            unreachable!("frames above {j} have nodes");
        };
        // Found by offset (a binary search); an empty child's range can
        // also be its neighbour's, so the index decides.
        let node = match parent.child_or_token_at_range(f.green.range()) {
            Some(rowan::NodeOrToken::Node(n)) if n.index() == f.index => n,
            _ => match parent.children_with_tokens().nth(f.index) {
                Some(rowan::NodeOrToken::Node(n)) => n,
                _ => unreachable!("a green child node is a child node of its parent"),
            },
        };
        f.node = Some(node);
        j += 1;
    }
    match &stack[j].node {
        Some(n) => n.clone(),
        None => unreachable!("frame {j} was just given its node"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_nodes_by_kind_in_order() {
        let p = crate::syntax::parse("let a = 1; b = [ a ]; in { c = a; }");
        let idx = NodeIndex::build(p.syntax());
        let idents: Vec<String> = idx
            .nodes(SyntaxKind::NODE_IDENT)
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(idents, ["a", "b", "a", "c", "a"]);
        assert_eq!(idx.nodes(SyntaxKind::NODE_LET_IN).len(), 1);
        assert_eq!(idx.nodes(SyntaxKind::NODE_ROOT).len(), 1);
    }

    /// The green walk finds the very nodes a preorder walk of syntax nodes
    /// finds, for every kind, also in trees with errors (empty nodes whose
    /// range is also a neighbour's) and in deep ones.
    #[test]
    fn same_nodes_as_a_preorder_walk() {
        let deep = format!("{}1{}", "[ (".repeat(300), ") ]".repeat(300));
        let texts = [
            "{ a.b.c = 1; inherit (x) y z; ${d} = [ ./p ~/h /abs \"s${t}u\" \"a/${\"b/c\"}\" \"${\"/\"}\" ]; }",
            "let f = { a ? 1, ... }@args: a; in f { } // rec { x = if true then !y else -z; }",
            "{ a = ; b = { c = }; } ( ] let in with x; assert y; ",
            "x: y: z: x.${y} or z ? q",
            "''\n  ${a}\n'' + <nixpkgs> + http://x.org",
            &deep,
        ];
        for text in texts {
            let root = crate::syntax::parse(text).syntax();
            let idx = NodeIndex::build(root.clone());
            for k in 0..KINDS as u16 {
                let kind =
                    <rnix::NixLanguage as rowan::Language>::kind_from_raw(rowan::SyntaxKind(k));
                let expected: Vec<SyntaxNode> =
                    root.descendants().filter(|n| n.kind() == kind).collect();
                assert_eq!(idx.nodes(kind), &expected[..], "{kind:?} in {text:?}");
                if kind == SyntaxKind::NODE_STRING {
                    let slash: Vec<SyntaxNode> = expected
                        .iter()
                        .filter(|n| {
                            n.children_with_tokens()
                                .any(|c| c.as_token().is_some_and(|t| t.text().contains('/')))
                        })
                        .cloned()
                        .collect();
                    assert_eq!(idx.strings_with_slash(), &slash[..], "{text:?}");
                }
                // Equal nodes share green node and offset; the index tells
                // apart empty siblings at one offset.
                for (n, e) in idx.nodes(kind).iter().zip(&expected) {
                    assert_eq!((n.index(), n.parent()), (e.index(), e.parent()));
                }
            }
        }
    }
}
