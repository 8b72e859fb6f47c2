//! A per-file index of syntax nodes by kind, built in one walk and shared by
//! every rule that runs on the file, so that rules look only at the nodes they
//! care about instead of each walking the whole tree again.

use crate::syntax::{SyntaxKind, SyntaxNode};

/// Every node of one file, grouped by kind, in document order.
pub struct NodeIndex {
    root: SyntaxNode,
    by_kind: Vec<Vec<SyntaxNode>>,
}

const KINDS: usize = SyntaxKind::NODE_WITH as usize + 1;

impl NodeIndex {
    /// Walk `root` once (iteratively: deep trees cannot overflow the stack).
    pub fn build(root: SyntaxNode) -> Self {
        let mut by_kind: Vec<Vec<SyntaxNode>> = (0..KINDS).map(|_| Vec::new()).collect();
        for ev in root.preorder() {
            if let rowan::WalkEvent::Enter(node) = ev {
                let k = node.kind() as usize;
                if k < KINDS {
                    by_kind[k].push(node);
                }
            }
        }
        NodeIndex { root, by_kind }
    }

    /// The file's root node (kind `NODE_ROOT`).
    pub fn root(&self) -> &SyntaxNode {
        &self.root
    }

    /// All nodes of `kind`, in document order.
    pub fn nodes(&self, kind: SyntaxKind) -> &[SyntaxNode] {
        self.by_kind
            .get(kind as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[])
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
