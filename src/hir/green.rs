//! Allocation-free traversal of the green tree, and [`NodePtr`].
//!
//! Walking rowan's `SyntaxNode`s allocates a cursor per node; the scope
//! builder and the builtin-use scan visit every node of every file, so they
//! walk the immutable green tree instead (tracking offsets themselves) and
//! materialize `SyntaxNode`s only for the few nodes that need deeper looks.

use rowan::{GreenNodeData, Language, NodeOrToken};

use crate::syntax::{SyntaxKind, SyntaxNode, TextRange, TextSize};

/// A position-independent pointer to a node of a file's tree (kind + range).
///
/// Turn it back into a node with [`NodePtr::to_node`] /
/// [`NodePtr::try_to_node`], given any root of the same file (e.g.
/// [`super::Scopes::root`] or `file.parsed.syntax()`).
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

/// A green node together with its start offset.
#[derive(Clone, Copy)]
pub(crate) struct G<'a> {
    pub node: &'a GreenNodeData,
    pub start: TextSize,
}

impl<'a> G<'a> {
    pub fn kind(self) -> SyntaxKind {
        rnix::NixLanguage::kind_from_raw(self.node.kind())
    }

    pub fn range(self) -> TextRange {
        TextRange::at(self.start, self.node.text_len())
    }

    pub fn ptr(self) -> NodePtr {
        NodePtr {
            kind: self.kind(),
            range: self.range(),
        }
    }

    /// Child nodes (tokens skipped).
    pub fn children(self) -> impl Iterator<Item = G<'a>> + 'a {
        let mut offset = self.start;
        self.node.children().filter_map(move |c| {
            let start = offset;
            offset += c.text_len();
            match c {
                NodeOrToken::Node(n) => Some(G { node: n, start }),
                NodeOrToken::Token(_) => None,
            }
        })
    }

    /// Kinds of the direct child tokens.
    pub fn token_kinds(self) -> impl Iterator<Item = SyntaxKind> + 'a {
        self.node.children().filter_map(|c| match c {
            NodeOrToken::Token(t) => Some(rnix::NixLanguage::kind_from_raw(t.kind())),
            NodeOrToken::Node(_) => None,
        })
    }

    pub fn has_token(self, kind: SyntaxKind) -> bool {
        self.token_kinds().any(|k| k == kind)
    }

    pub fn first_child(self) -> Option<G<'a>> {
        self.children().next()
    }

    pub fn child_of_kind(self, kind: SyntaxKind) -> Option<G<'a>> {
        self.children().find(|c| c.kind() == kind)
    }

    pub fn has_child(self, kind: SyntaxKind) -> bool {
        self.child_of_kind(kind).is_some()
    }

    /// Text of the first direct child token (the name of a `NODE_IDENT`).
    pub fn first_token_text(self) -> Option<&'a str> {
        self.node.children().find_map(|c| match c {
            NodeOrToken::Token(t) => Some(t.text()),
            NodeOrToken::Node(_) => None,
        })
    }
}
