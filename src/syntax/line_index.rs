//! Byte offset → 1-based line and column (columns count Unicode scalar values).

use super::TextSize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct LineCol {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in Unicode scalar values.
    pub col: u32,
}

#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        LineIndex { line_starts }
    }

    /// 0-based line containing `offset`.
    pub fn line_of(&self, offset: TextSize) -> usize {
        let off = u32::from(offset);
        match self.line_starts.binary_search(&off) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte offset where 0-based line `line` starts.
    pub fn line_start(&self, line: usize) -> TextSize {
        TextSize::from(self.line_starts[line.min(self.line_starts.len() - 1)])
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 1-based line and column of `offset` in `text` (the text this index was built from).
    pub fn line_col(&self, text: &str, offset: TextSize) -> LineCol {
        let off = (u32::from(offset) as usize).min(text.len());
        let line = self.line_of(TextSize::from(off as u32));
        let start = self.line_starts[line] as usize;
        let mut end = off;
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let col = text[start..end].chars().count() as u32 + 1;
        LineCol {
            line: line as u32 + 1,
            col,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_scalar_values() {
        let text = "a\nλx = 1;\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0.into()), LineCol { line: 1, col: 1 });
        assert_eq!(idx.line_col(text, 2.into()), LineCol { line: 2, col: 1 });
        // 'x' comes after the two-byte 'λ'
        assert_eq!(idx.line_col(text, 4.into()), LineCol { line: 2, col: 2 });
        assert_eq!(
            idx.line_col(text, (text.len() as u32).into()),
            LineCol { line: 3, col: 1 }
        );
    }
}
