//! A guard against trees too deep to build or drop safely.
//!
//! rnix limits only the nesting of whole expressions (parentheses, `let`,
//! lambdas: 512 levels). Lists, prefix operators and operator or
//! application chains recurse in rnix's parser without a limit, and every
//! deep tree is dropped recursively by rowan, so `[[[[...]]]]` 100,000 deep
//! or `1 + 1 + ...` 100,000 long would overflow the stack. Before parsing,
//! [`estimate`] bounds the depth of the tree from the tokens alone; input
//! above [`super::MAX_TREE_DEPTH`] is not given to rnix (see `parse`).

use rnix::SyntaxKind::{self, *};

/// An over-estimate of the depth of the tree for `tokens`: `Ok(depth)`, or
/// `Err(offset)` with the byte offset where it first exceeds `limit`.
pub(crate) fn estimate(tokens: &[(SyntaxKind, &str)], limit: usize) -> Result<usize, usize> {
    let mut max = 0;
    // One entry per open bracket: the operator/application chain length
    // counted so far at that level, and whether it is a list (whose items
    // do not nest).
    struct Level {
        chain: usize,
        list: bool,
    }
    let mut levels: Vec<Level> = vec![Level {
        chain: 0,
        list: false,
    }];
    let mut open_chain = 0usize; // Sum of `chain` over the enclosing levels.
    let mut prev_ends_operand = false;
    let mut offset = 0usize;
    for (kind, text) in tokens {
        let here = offset;
        offset += text.len();
        let kind = *kind;
        if kind.is_trivia() {
            continue;
        }
        let starts_operand = matches!(
            kind,
            TOKEN_IDENT
                | TOKEN_INTEGER
                | TOKEN_FLOAT
                | TOKEN_URI
                | TOKEN_PATH_ABS
                | TOKEN_PATH_REL
                | TOKEN_PATH_HOME
                | TOKEN_PATH_SEARCH
                | TOKEN_STRING_START
                | TOKEN_L_PAREN
                | TOKEN_L_BRACK
                | TOKEN_L_BRACE
                | TOKEN_REC
                | TOKEN_LET
        );
        let level = levels.last_mut().expect("root level");
        // Application: an operand right after an operand (not in a list,
        // where they are separate items).
        if starts_operand && prev_ends_operand && !level.list {
            level.chain += 1;
        }
        match kind {
            TOKEN_L_PAREN | TOKEN_L_BRACK | TOKEN_L_BRACE | TOKEN_INTERPOL_START
            | TOKEN_STRING_START => {
                let chain = level.chain;
                open_chain += chain;
                levels.push(Level {
                    chain: 0,
                    list: kind == TOKEN_L_BRACK,
                });
            }
            TOKEN_R_PAREN | TOKEN_R_BRACK | TOKEN_R_BRACE | TOKEN_INTERPOL_END
            | TOKEN_STRING_END => {
                if levels.len() > 1 {
                    levels.pop();
                    open_chain -= levels.last().map_or(0, |l| l.chain);
                }
            }
            // Separators end a chain: bindings, formals, keyword parts.
            TOKEN_SEMICOLON | TOKEN_COMMA | TOKEN_ASSIGN | TOKEN_COLON | TOKEN_THEN
            | TOKEN_ELSE | TOKEN_IN => level.chain = 0,
            TOKEN_STRING_CONTENT | TOKEN_IDENT | TOKEN_INTEGER | TOKEN_FLOAT | TOKEN_URI
            | TOKEN_PATH_ABS | TOKEN_PATH_REL | TOKEN_PATH_HOME | TOKEN_PATH_SEARCH | TOKEN_DOT
            | TOKEN_OR | TOKEN_REC | TOKEN_LET | TOKEN_QUESTION => {}
            // Every operator (binary or prefix) and keyword may add a level.
            _ => level.chain += 1,
        }
        prev_ends_operand = matches!(
            kind,
            TOKEN_IDENT
                | TOKEN_INTEGER
                | TOKEN_FLOAT
                | TOKEN_URI
                | TOKEN_PATH_ABS
                | TOKEN_PATH_REL
                | TOKEN_PATH_HOME
                | TOKEN_PATH_SEARCH
                | TOKEN_STRING_END
                | TOKEN_R_PAREN
                | TOKEN_R_BRACK
                | TOKEN_R_BRACE
        );
        let depth = levels.len() + open_chain + levels.last().map_or(0, |l| l.chain);
        if depth > limit {
            return Err(here);
        }
        max = max.max(depth);
    }
    Ok(max)
}
