//! Random expansion of a grammar: seeded, weighted and depth-limited.
//!
//! Depth counts nested rule expansions. An alternative, optional part or
//! repetition is only chosen when it can still be finished within
//! `max_depth` (using each rule's minimal finishing height); when nothing fits
//! the shallowest alternative is taken, so generation always terminates.

use super::ebnf::{Grammar, Node, height};
use super::rng::Rng;

/// A generated program: its text and the tokens it was assembled from
/// (lexical rules such as strings and paths are single tokens).
#[derive(Debug, Clone)]
pub struct Program {
    pub text: String,
    pub tokens: Vec<String>,
}

pub struct Generator<'g> {
    g: &'g Grammar,
    heights: Vec<usize>,
    pub max_depth: usize,
    layout: Option<usize>,
    /// Probability that a separator between tokens is more than one space.
    pub layout_noise: f64,
    pub rng: Rng,
}

impl<'g> Generator<'g> {
    pub fn new(g: &'g Grammar, seed: u64, max_depth: usize) -> Self {
        Generator {
            g,
            heights: g.min_heights(),
            max_depth,
            layout: g.by_name.get("LAYOUT").copied(),
            layout_noise: 0.15,
            rng: Rng::new(seed),
        }
    }

    /// Expand `start` into a program.
    pub fn program(&mut self, start: &str) -> Program {
        let r = self.g.rule(start);
        assert!(
            self.heights[r] <= self.max_depth,
            "max depth {} is below the minimal height {} of `{start}`",
            self.max_depth,
            self.heights[r]
        );
        let tokens = self.expand_ref(r, 0, false);
        let text = self.join(&tokens);
        Program { text, tokens }
    }

    /// Join tokens with random layout.
    pub fn join(&mut self, tokens: &[String]) -> String {
        let mut s = String::new();
        for (i, t) in tokens.iter().enumerate() {
            if i > 0 {
                let sep = self.separator();
                s.push_str(&sep);
            }
            s.push_str(t);
        }
        s
    }

    fn separator(&mut self) -> String {
        if !self.rng.chance(self.layout_noise) {
            return " ".into();
        }
        match (self.rng.below(3), self.layout) {
            (0, _) => "\n".into(),
            (1, _) => "\n  ".into(),
            (_, Some(l)) => {
                let body = self.expand_ref(l, 0, true);
                format!(" {} ", body.concat())
            }
            (_, None) => "  ".into(),
        }
    }

    fn fits(&self, n: &Node, depth: usize) -> bool {
        depth + height(n, &self.heights) <= self.max_depth
    }

    fn expand_ref(&mut self, r: usize, depth: usize, lexical_ctx: bool) -> Vec<String> {
        let rule = &self.g.rules[r];
        let lexical = rule.lexical;
        let body = rule.body.clone();
        let toks = self.expand(&body, depth + 1, lexical);
        if lexical_ctx && !lexical {
            vec![self.join(&toks)]
        } else {
            toks
        }
    }

    /// Expand a node. In a lexical context the result is one token.
    fn expand(&mut self, n: &Node, depth: usize, lexical: bool) -> Vec<String> {
        let toks = match n {
            Node::Lit(s) => vec![s.clone()],
            Node::Regex(r) => {
                let mut s = String::new();
                r.generate(&mut self.rng, &mut s);
                vec![s]
            }
            Node::Ref(r) => self.expand_ref(*r, depth, lexical),
            Node::Alt(alts) => {
                let ok: Vec<usize> = (0..alts.len())
                    .filter(|i| self.fits(&alts[*i].0, depth))
                    .collect();
                let pick = if ok.is_empty() {
                    (0..alts.len())
                        .min_by_key(|i| height(&alts[*i].0, &self.heights))
                        .unwrap()
                } else {
                    let w: Vec<f64> = ok.iter().map(|i| alts[*i].1).collect();
                    ok[self.rng.weighted(&w)]
                };
                self.expand(&alts[pick].0, depth, lexical)
            }
            Node::Seq(items) => {
                let mut out = Vec::new();
                for it in items {
                    out.extend(self.expand(it, depth, lexical));
                }
                out
            }
            Node::Opt(a, p) => {
                if self.fits(a, depth) && self.rng.chance(*p) {
                    self.expand(a, depth, lexical)
                } else {
                    vec![]
                }
            }
            Node::Rep(a, p) => {
                let mut out = Vec::new();
                let mut n = 0;
                while n < 8 && self.fits(a, depth) && self.rng.chance(*p) {
                    out.extend(self.expand(a, depth, lexical));
                    n += 1;
                }
                out
            }
            Node::Except(a, b) => {
                let mut last = Vec::new();
                for _ in 0..200 {
                    last = self.expand(a, depth, true);
                    if !self.node_matches(b, &last.concat()) {
                        break;
                    }
                }
                last
            }
        };
        if lexical && toks.len() != 1 {
            vec![toks.concat()]
        } else {
            toks
        }
    }

    /// Whether `text` is in the language of `n` (literals, regexes and
    /// lexical rules made of them).
    fn node_matches(&self, n: &Node, text: &str) -> bool {
        match n {
            Node::Lit(s) => s == text,
            Node::Regex(r) => r.matches(text),
            Node::Alt(a) => a.iter().any(|(n, _)| self.node_matches(n, text)),
            Node::Ref(r) => self.node_matches(&self.g.rules[*r].body, text),
            other => panic!("exception `- B` only supports literals and regexes, not {other:?}"),
        }
    }
}
