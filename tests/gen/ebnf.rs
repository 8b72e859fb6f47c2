//! Reader for the EBNF notation of `grammar/*.ebnf` (the notation is
//! described in the header of grammar/nix.ebnf).

use std::collections::HashMap;

use super::regex::Regex;

/// One grammar expression.
#[derive(Debug, Clone)]
pub enum Node {
    /// Alternatives with their generation weights.
    Alt(Vec<(Node, f64)>),
    Seq(Vec<Node>),
    /// `[ A ] % p`: generated with probability `p` (0..=1).
    Opt(Box<Node>, f64),
    /// `{ A } % p`: each further repetition with probability `p`.
    Rep(Box<Node>, f64),
    Lit(String),
    /// Index into [`Grammar::rules`].
    Ref(usize),
    Regex(Box<Regex>),
    /// `A - B`.
    Except(Box<Node>, Box<Node>),
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    /// Upper-case rule: a token, no layout between its items.
    pub lexical: bool,
    pub body: Node,
}

#[derive(Debug, Clone)]
pub struct Grammar {
    pub rules: Vec<Rule>,
    pub by_name: HashMap<String, usize>,
}

impl Grammar {
    pub fn rule(&self, name: &str) -> usize {
        *self
            .by_name
            .get(name)
            .unwrap_or_else(|| panic!("grammar has no rule `{name}`"))
    }

    /// Parse grammar text; errors carry a line number.
    pub fn parse(text: &str) -> Result<Grammar, String> {
        let toks = lex(text)?;
        let mut p = Parser {
            toks,
            pos: 0,
            names: HashMap::new(),
            refs: Vec::new(),
        };
        let mut raw: Vec<(String, Node)> = Vec::new();
        while !p.at_end() {
            let (name, line) = match p.next() {
                Some((Tok::Name(n), l)) => (n, l),
                Some((t, l)) => return Err(format!("line {l}: expected a rule name, found {t:?}")),
                None => unreachable!(),
            };
            p.expect(&Tok::Define)?;
            let body = p.alternation()?;
            p.expect(&Tok::Semi)?;
            if raw.iter().any(|(n, _)| *n == name) {
                return Err(format!("line {line}: rule `{name}` defined twice"));
            }
            raw.push((name, body));
        }
        let mut by_name = HashMap::new();
        for (i, (n, _)) in raw.iter().enumerate() {
            by_name.insert(n.clone(), i);
        }
        // Resolve references (recorded as placeholder indices into `refs`).
        let mut rules = Vec::new();
        for (name, body) in raw {
            let body = resolve(body, &p.refs, &by_name)?;
            let lexical = name.chars().all(|c| c.is_ascii_uppercase() || c == '_');
            rules.push(Rule {
                name,
                lexical,
                body,
            });
        }
        Ok(Grammar { rules, by_name })
    }

    /// Minimal number of nested rule expansions needed to finish each rule.
    pub fn min_heights(&self) -> Vec<usize> {
        let mut h = vec![usize::MAX; self.rules.len()];
        loop {
            let mut changed = false;
            for i in 0..self.rules.len() {
                let v = height(&self.rules[i].body, &h).saturating_add(1);
                if v < h[i] {
                    h[i] = v;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        for (i, v) in h.iter().enumerate() {
            assert!(
                *v != usize::MAX,
                "rule `{}` can never finish",
                self.rules[i].name
            );
        }
        h
    }
}

/// Height of a node given rule heights.
pub fn height(n: &Node, h: &[usize]) -> usize {
    match n {
        Node::Alt(alts) => alts.iter().map(|(a, _)| height(a, h)).min().unwrap_or(0),
        Node::Seq(items) => items.iter().map(|a| height(a, h)).max().unwrap_or(0),
        Node::Opt(..) | Node::Rep(..) | Node::Lit(_) | Node::Regex(_) => 0,
        Node::Ref(r) => h[*r],
        Node::Except(a, _) => height(a, h),
    }
}

fn resolve(n: Node, refs: &[String], by_name: &HashMap<String, usize>) -> Result<Node, String> {
    Ok(match n {
        Node::Alt(a) => Node::Alt(
            a.into_iter()
                .map(|(n, w)| Ok((resolve(n, refs, by_name)?, w)))
                .collect::<Result<_, String>>()?,
        ),
        Node::Seq(a) => Node::Seq(
            a.into_iter()
                .map(|n| resolve(n, refs, by_name))
                .collect::<Result<_, String>>()?,
        ),
        Node::Opt(a, p) => Node::Opt(Box::new(resolve(*a, refs, by_name)?), p),
        Node::Rep(a, p) => Node::Rep(Box::new(resolve(*a, refs, by_name)?), p),
        Node::Except(a, b) => Node::Except(
            Box::new(resolve(*a, refs, by_name)?),
            Box::new(resolve(*b, refs, by_name)?),
        ),
        Node::Ref(i) => {
            let name = &refs[i];
            Node::Ref(
                *by_name
                    .get(name)
                    .ok_or_else(|| format!("undefined rule `{name}`"))?,
            )
        }
        other => other,
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Lit(String),
    Regex(String),
    Num(f64),
    Define,
    Semi,
    Bar,
    LBrack,
    RBrack,
    LBrace,
    RBrace,
    LParen,
    RParen,
    Minus,
    At,
    Percent,
}

fn lex(text: &str) -> Result<Vec<(Tok, usize)>, String> {
    let cs: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut line = 1;
    let mut out = Vec::new();
    while i < cs.len() {
        let c = cs[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '(' && cs.get(i + 1) == Some(&'*') {
            // Comments nest, so the notation can show `(* ... *)` inside one.
            let start = line;
            let mut level = 1;
            i += 2;
            loop {
                if i + 1 >= cs.len() {
                    return Err(format!("line {start}: unterminated comment"));
                }
                if cs[i] == '(' && cs[i + 1] == '*' {
                    level += 1;
                    i += 2;
                    continue;
                }
                if cs[i] == '*' && cs[i + 1] == ')' {
                    i += 2;
                    level -= 1;
                    if level == 0 {
                        break;
                    }
                    continue;
                }
                if cs[i] == '\n' {
                    line += 1;
                }
                i += 1;
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            let s = i;
            while i < cs.len() && (cs[i].is_ascii_alphanumeric() || cs[i] == '_') {
                i += 1;
            }
            out.push((Tok::Name(cs[s..i].iter().collect()), line));
        } else if c.is_ascii_digit() {
            let s = i;
            while i < cs.len() && (cs[i].is_ascii_digit() || cs[i] == '.') {
                i += 1;
            }
            let t: String = cs[s..i].iter().collect();
            let v = t
                .parse()
                .map_err(|_| format!("line {line}: bad number {t}"))?;
            out.push((Tok::Num(v), line));
        } else if c == '\'' || c == '"' {
            let s = i + 1;
            i += 1;
            while i < cs.len() && cs[i] != c {
                if cs[i] == '\n' {
                    return Err(format!("line {line}: unterminated literal"));
                }
                i += 1;
            }
            if i >= cs.len() {
                return Err(format!("line {line}: unterminated literal"));
            }
            let lit: String = cs[s..i].iter().collect();
            if lit.is_empty() {
                return Err(format!("line {line}: empty literal"));
            }
            out.push((Tok::Lit(lit), line));
            i += 1;
        } else if c == '/' {
            let s = i + 1;
            i += 1;
            while i < cs.len() && cs[i] != '/' {
                if cs[i] == '\\' {
                    i += 1;
                }
                if i < cs.len() && cs[i] == '\n' {
                    return Err(format!("line {line}: unterminated regex"));
                }
                i += 1;
            }
            if i >= cs.len() {
                return Err(format!("line {line}: unterminated regex"));
            }
            out.push((Tok::Regex(cs[s..i].iter().collect()), line));
            i += 1;
        } else if c == ':' && cs.get(i + 1) == Some(&':') && cs.get(i + 2) == Some(&'=') {
            out.push((Tok::Define, line));
            i += 3;
        } else {
            let t = match c {
                ';' => Tok::Semi,
                '|' => Tok::Bar,
                '[' => Tok::LBrack,
                ']' => Tok::RBrack,
                '{' => Tok::LBrace,
                '}' => Tok::RBrace,
                '(' => Tok::LParen,
                ')' => Tok::RParen,
                '-' => Tok::Minus,
                '@' => Tok::At,
                '%' => Tok::Percent,
                _ => return Err(format!("line {line}: unexpected character {c:?}")),
            };
            out.push((t, line));
            i += 1;
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    names: HashMap<String, usize>,
    refs: Vec<String>,
}

impl Parser {
    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }
    fn line(&self) -> usize {
        self.toks
            .get(self.pos)
            .or(self.toks.last())
            .map_or(0, |t| t.1)
    }
    fn next(&mut self) -> Option<(Tok, usize)> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn expect(&mut self, t: &Tok) -> Result<(), String> {
        match self.next() {
            Some((got, _)) if got == *t => Ok(()),
            Some((got, l)) => Err(format!("line {l}: expected {t:?}, found {got:?}")),
            None => Err(format!("unexpected end of grammar, expected {t:?}")),
        }
    }
    fn number(&mut self) -> Result<f64, String> {
        match self.next() {
            Some((Tok::Num(v), _)) => Ok(v),
            Some((t, l)) => Err(format!("line {l}: expected a number, found {t:?}")),
            None => Err("unexpected end of grammar".into()),
        }
    }

    fn alternation(&mut self) -> Result<Node, String> {
        let mut alts = Vec::new();
        loop {
            let seq = self.sequence()?;
            let mut w = 1.0;
            if self.peek() == Some(&Tok::At) {
                self.pos += 1;
                w = self.number()?;
            }
            alts.push((seq, w));
            if self.peek() == Some(&Tok::Bar) {
                self.pos += 1;
            } else {
                break;
            }
        }
        Ok(if alts.len() == 1 {
            alts.pop().unwrap().0
        } else {
            Node::Alt(alts)
        })
    }

    fn sequence(&mut self) -> Result<Node, String> {
        let mut items = Vec::new();
        while let Some(t) = self.peek() {
            match t {
                Tok::Name(_)
                | Tok::Lit(_)
                | Tok::Regex(_)
                | Tok::LBrack
                | Tok::LBrace
                | Tok::LParen => items.push(self.exception()?),
                _ => break,
            }
        }
        if items.is_empty() {
            return Err(format!("line {}: empty sequence", self.line()));
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap()
        } else {
            Node::Seq(items)
        })
    }

    fn exception(&mut self) -> Result<Node, String> {
        let a = self.primary()?;
        if self.peek() == Some(&Tok::Minus) {
            self.pos += 1;
            let b = self.primary()?;
            return Ok(Node::Except(Box::new(a), Box::new(b)));
        }
        Ok(a)
    }

    fn percent(&mut self) -> Result<f64, String> {
        if self.peek() == Some(&Tok::Percent) {
            self.pos += 1;
            let v = self.number()?;
            if !(0.0..=100.0).contains(&v) {
                return Err(format!("line {}: percentage out of range", self.line()));
            }
            Ok(v / 100.0)
        } else {
            Ok(0.5)
        }
    }

    fn primary(&mut self) -> Result<Node, String> {
        let line = self.line();
        match self.next() {
            Some((Tok::Name(n), _)) => {
                let next = self.refs.len();
                let idx = *self.names.entry(n.clone()).or_insert(next);
                if idx == next {
                    self.refs.push(n);
                }
                Ok(Node::Ref(idx))
            }
            Some((Tok::Lit(s), _)) => Ok(Node::Lit(s)),
            Some((Tok::Regex(r), l)) => Ok(Node::Regex(Box::new(
                Regex::parse(&r).map_err(|e| format!("line {l}: regex /{r}/: {e}"))?,
            ))),
            Some((Tok::LParen, _)) => {
                let a = self.alternation()?;
                self.expect(&Tok::RParen)?;
                Ok(a)
            }
            Some((Tok::LBrack, _)) => {
                let a = self.alternation()?;
                self.expect(&Tok::RBrack)?;
                let p = self.percent()?;
                Ok(Node::Opt(Box::new(a), p))
            }
            Some((Tok::LBrace, _)) => {
                let a = self.alternation()?;
                self.expect(&Tok::RBrace)?;
                let p = self.percent()?;
                Ok(Node::Rep(Box::new(a), p))
            }
            Some((t, l)) => Err(format!("line {l}: unexpected {t:?}")),
            None => Err(format!("line {line}: unexpected end of grammar")),
        }
    }
}
