//! [`NodePtr`], and the green-tree view [`G`] (from the syntax layer) that
//! the scope builder and the builtin-use scan walk: they visit every node of
//! every file, so they avoid rowan's per-node cursors and materialize
//! `SyntaxNode`s only for the few nodes that need deeper looks.

use crate::syntax::{SyntaxKind, SyntaxNode, TextRange};

/// A position-independent pointer to a node of a file's tree (kind + range).
///
/// Turn it back into a node with [`NodePtr::to_node`] /
/// [`NodePtr::try_to_node`], given any root of the same file (e.g.
/// [`super::Scopes::root`] or `file.parsed().syntax()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodePtr {
    kind: SyntaxKind,
    range: TextRange,
}

impl NodePtr {
    /// A pointer to `node`.
    pub fn new(node: &SyntaxNode) -> Self {
        NodePtr {
            kind: node.kind(),
            range: node.text_range(),
        }
    }

    pub fn kind(&self) -> SyntaxKind {
        self.kind
    }

    pub fn text_range(&self) -> TextRange {
        self.range
    }

    /// The node in the tree under `root`, if it is there.
    pub fn try_to_node(&self, root: &SyntaxNode) -> Option<SyntaxNode> {
        let mut cur = root.clone();
        loop {
            if cur.text_range() == self.range && cur.kind() == self.kind {
                return Some(cur);
            }
            if !cur.text_range().contains_range(self.range) {
                return None;
            }
            cur = cur.child_or_token_at_range(self.range)?.into_node()?;
        }
    }

    /// The node in the tree under `root`.
    ///
    /// # Panics
    /// If `root` is not a root of the tree the pointer was made from.
    pub fn to_node(&self, root: &SyntaxNode) -> SyntaxNode {
        self.try_to_node(root)
            .expect("NodePtr used with the root of another tree")
    }
}

pub(crate) use crate::syntax::green::G;

impl G<'_> {
    pub fn ptr(self) -> NodePtr {
        NodePtr {
            kind: self.kind(),
            range: self.range(),
        }
    }
}
