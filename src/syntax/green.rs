//! Allocation-free views of the green tree.
//!
//! Walking rowan's `SyntaxNode`s allocates a cursor per node. Passes that
//! visit every node of every file (the validator, the scope builder, the
//! builtin-use scan) walk the immutable green tree instead, with [`G`]: a
//! green node and its start offset.

use rowan::{GreenNodeData, GreenTokenData, Language, NodeOrToken};

use super::{SyntaxKind, TextRange, TextSize};

/// A green node together with its start offset.
#[derive(Clone, Copy)]
pub(crate) struct G<'a> {
    pub node: &'a GreenNodeData,
    pub start: TextSize,
}

/// A green token together with its start offset.
#[derive(Clone, Copy)]
pub(crate) struct T<'a> {
    pub token: &'a GreenTokenData,
    pub start: TextSize,
}

fn kind_of(raw: rowan::SyntaxKind) -> SyntaxKind {
    rnix::NixLanguage::kind_from_raw(raw)
}

impl<'a> T<'a> {
    pub fn kind(self) -> SyntaxKind {
        kind_of(self.token.kind())
    }

    pub fn text(self) -> &'a str {
        self.token.text()
    }

    pub fn range(self) -> TextRange {
        TextRange::at(self.start, self.token.text_len())
    }
}

impl<'a> G<'a> {
    /// The green node of a syntax node, at its offset.
    pub fn of(node: &'a super::SyntaxNode) -> Self {
        G {
            node: node.green(),
            start: node.text_range().start(),
        }
    }

    pub fn kind(self) -> SyntaxKind {
        kind_of(self.node.kind())
    }

    /// Whether one of the node's own tokens (not a token of a child node,
    /// such as an interpolation) holds `byte`.
    pub fn token_holds(self, byte: u8) -> bool {
        self.node.children().any(|c| {
            c.as_token()
                .is_some_and(|t| memchr::memchr(byte, t.text().as_bytes()).is_some())
        })
    }

    pub fn range(self) -> TextRange {
        TextRange::at(self.start, self.node.text_len())
    }

    /// Child nodes and tokens, each with its start offset.
    fn elements(
        self,
    ) -> impl Iterator<Item = (NodeOrToken<&'a GreenNodeData, &'a GreenTokenData>, TextSize)> + 'a
    {
        let mut offset = self.start;
        self.node.children().map(move |c| {
            let start = offset;
            offset += c.text_len();
            (c, start)
        })
    }

    /// Child nodes (tokens skipped).
    pub fn children(self) -> impl Iterator<Item = G<'a>> + 'a {
        self.elements().filter_map(|(c, start)| match c {
            NodeOrToken::Node(node) => Some(G { node, start }),
            NodeOrToken::Token(_) => None,
        })
    }

    /// Child tokens (nodes skipped), with their offsets.
    pub fn tokens(self) -> impl Iterator<Item = T<'a>> + 'a {
        self.elements().filter_map(|(c, start)| match c {
            NodeOrToken::Token(token) => Some(T { token, start }),
            NodeOrToken::Node(_) => None,
        })
    }

    /// Kinds of the direct child tokens.
    pub fn token_kinds(self) -> impl Iterator<Item = SyntaxKind> + 'a {
        self.node.children().filter_map(|c| match c {
            NodeOrToken::Token(t) => Some(kind_of(t.kind())),
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

    /// The kind of the last token under this node that is not trivia.
    pub fn last_significant_kind(self) -> Option<SyntaxKind> {
        last_significant(self.node)
    }
}

fn last_significant(node: &GreenNodeData) -> Option<SyntaxKind> {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
        for c in node.children().rev() {
            match c {
                NodeOrToken::Token(t) => {
                    let k = kind_of(t.kind());
                    if !k.is_trivia() {
                        return Some(k);
                    }
                }
                NodeOrToken::Node(n) => {
                    if let Some(k) = last_significant(n) {
                        return Some(k);
                    }
                }
            }
        }
        None
    })
}
