//! A per-file index of syntax nodes by kind, built in one walk and shared by
//! every rule that runs on the file, so that rules look only at the nodes they
//! care about instead of each walking the whole tree again.

use std::cell::OnceCell;

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
    SyntaxKind::NODE_STRING,
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
        for ev in root.preorder() {
            if let rowan::WalkEvent::Enter(node) = ev {
                let k = node.kind() as usize;
                if k < KINDS && wanted[k] {
                    eager[k].push(node);
                }
            }
        }
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
        NodeIndex { root, by_kind }
    }

    /// The nodes of all `kinds`, in document order (a node before the
    /// nodes inside it).
    pub fn nodes_of(&self, kinds: &[SyntaxKind]) -> Vec<SyntaxNode> {
        let mut out: Vec<SyntaxNode> = kinds.iter().flat_map(|k| self.nodes(*k)).cloned().collect();
        out.sort_by_key(|n| {
            let r = n.text_range();
            (r.start(), std::cmp::Reverse(r.end()))
        });
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
            self.root
                .preorder()
                .filter_map(|ev| match ev {
                    rowan::WalkEvent::Enter(n) if n.kind() == kind => Some(n),
                    _ => None,
                })
                .collect()
        })
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
}
