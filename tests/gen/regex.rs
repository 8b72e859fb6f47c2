//! A small regular-expression subset used by the lexical rules of the
//! grammar, with random generation of matching strings (and a matcher, so the
//! generator can be checked).
//!
//! Supported: literals, `\` escapes (`\n`, `\t`, `\r`, any other escaped char
//! stands for itself), `.` (any character but newline), classes `[a-z]`,
//! `[^...]`, groups `( )`, alternation `|`, and `?`, `*`, `+`, `{m}`, `{m,n}`.
//! When generating, the first alternative of `|` is drawn twice as often as
//! all the others together, and unbounded repetitions stay short.

use super::rng::Rng;

#[derive(Debug, Clone)]
pub enum Regex {
    Alt(Vec<Regex>),
    Concat(Vec<Regex>),
    Repeat(Box<Regex>, u32, Option<u32>),
    Class(Vec<(char, char)>, bool),
    Char(char),
    Any,
}

/// Characters a negated class or `.` draws from: printable ASCII, tab,
/// newline and a few multi-byte characters.
pub fn universe() -> &'static [char] {
    static U: std::sync::OnceLock<Vec<char>> = std::sync::OnceLock::new();
    U.get_or_init(|| {
        let mut v: Vec<char> = (0x20u8..0x7f).map(char::from).collect();
        v.push('\n');
        v.push('\t');
        v.extend(['é', 'λ', '日', '€', '🙂']);
        v
    })
}

impl Regex {
    pub fn parse(s: &str) -> Result<Regex, String> {
        let cs: Vec<char> = s.chars().collect();
        let mut pos = 0;
        let r = alt(&cs, &mut pos)?;
        if pos != cs.len() {
            return Err(format!("unexpected `{}` at {pos}", cs[pos]));
        }
        Ok(r)
    }

    /// A random string matching the expression. Unbounded repetitions
    /// continue with probability 1/2 each (so they stay short).
    pub fn generate(&self, rng: &mut Rng, out: &mut String) {
        match self {
            Regex::Alt(a) => {
                // The first alternative is the common case (e.g. a plain
                // character rather than an escape): draw it more often.
                let mut w = vec![1.0; a.len()];
                w[0] = 2.0 * a.len() as f64;
                let i = rng.weighted(&w);
                a[i].generate(rng, out);
            }
            Regex::Concat(a) => a.iter().for_each(|r| r.generate(rng, out)),
            Regex::Repeat(r, min, max) => {
                let n = match max {
                    Some(max) => *min + rng.below((*max - *min + 1) as usize) as u32,
                    None => {
                        let mut n = *min;
                        while n < min + 12 && rng.chance(0.5) {
                            n += 1;
                        }
                        n
                    }
                };
                for _ in 0..n {
                    r.generate(rng, out);
                }
            }
            Regex::Class(ranges, negated) => {
                if *negated {
                    let u: Vec<char> = universe()
                        .iter()
                        .copied()
                        .filter(|c| !in_ranges(ranges, *c))
                        .collect();
                    out.push(u[rng.below(u.len())]);
                } else {
                    let total: u32 = ranges.iter().map(|(a, b)| *b as u32 - *a as u32 + 1).sum();
                    let mut k = rng.below(total as usize) as u32;
                    for (a, b) in ranges {
                        let n = *b as u32 - *a as u32 + 1;
                        if k < n {
                            out.push(char::from_u32(*a as u32 + k).unwrap_or(*a));
                            return;
                        }
                        k -= n;
                    }
                }
            }
            Regex::Char(c) => out.push(*c),
            Regex::Any => {
                let u: Vec<char> = universe().iter().copied().filter(|c| *c != '\n').collect();
                out.push(u[rng.below(u.len())]);
            }
        }
    }

    /// Whether the whole of `s` matches.
    pub fn matches(&self, s: &str) -> bool {
        let cs: Vec<char> = s.chars().collect();
        self.ends(&cs, 0).contains(&cs.len())
    }

    /// All positions where a match starting at `i` can end.
    fn ends(&self, cs: &[char], i: usize) -> Vec<usize> {
        let mut out = match self {
            Regex::Alt(a) => a.iter().flat_map(|r| r.ends(cs, i)).collect(),
            Regex::Concat(a) => {
                let mut cur = vec![i];
                for r in a {
                    let mut next: Vec<usize> = cur.iter().flat_map(|&p| r.ends(cs, p)).collect();
                    next.sort_unstable();
                    next.dedup();
                    cur = next;
                }
                cur
            }
            Regex::Repeat(r, min, max) => {
                let mut result: Vec<usize> = Vec::new();
                let mut cur = vec![i];
                let mut k = 0;
                loop {
                    if k >= *min {
                        result.extend(cur.iter().copied());
                    }
                    if max.is_some_and(|m| k >= m) {
                        break;
                    }
                    let mut next: Vec<usize> = cur.iter().flat_map(|&p| r.ends(cs, p)).collect();
                    next.sort_unstable();
                    next.dedup();
                    if k >= *min {
                        // A position reached before has the same future.
                        next.retain(|e| !result.contains(e));
                    }
                    if next.is_empty() {
                        break;
                    }
                    cur = next;
                    k += 1;
                }
                result
            }
            Regex::Class(ranges, negated) => match cs.get(i) {
                Some(c) if in_ranges(ranges, *c) != *negated => vec![i + 1],
                _ => vec![],
            },
            Regex::Char(c) => {
                if cs.get(i) == Some(c) {
                    vec![i + 1]
                } else {
                    vec![]
                }
            }
            Regex::Any => match cs.get(i) {
                Some(c) if *c != '\n' => vec![i + 1],
                _ => vec![],
            },
        };
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn in_ranges(ranges: &[(char, char)], c: char) -> bool {
    ranges.iter().any(|(a, b)| *a <= c && c <= *b)
}

fn alt(cs: &[char], pos: &mut usize) -> Result<Regex, String> {
    let mut alts = vec![concat(cs, pos)?];
    while *pos < cs.len() && cs[*pos] == '|' {
        *pos += 1;
        alts.push(concat(cs, pos)?);
    }
    Ok(if alts.len() == 1 {
        alts.pop().unwrap()
    } else {
        Regex::Alt(alts)
    })
}

fn concat(cs: &[char], pos: &mut usize) -> Result<Regex, String> {
    let mut items = Vec::new();
    while *pos < cs.len() && cs[*pos] != '|' && cs[*pos] != ')' {
        let atom = atom(cs, pos)?;
        items.push(postfix(cs, pos, atom)?);
    }
    Ok(if items.len() == 1 {
        items.pop().unwrap()
    } else {
        Regex::Concat(items)
    })
}

fn postfix(cs: &[char], pos: &mut usize, mut a: Regex) -> Result<Regex, String> {
    while *pos < cs.len() {
        a = match cs[*pos] {
            '?' => Regex::Repeat(Box::new(a), 0, Some(1)),
            '*' => Regex::Repeat(Box::new(a), 0, None),
            '+' => Regex::Repeat(Box::new(a), 1, None),
            '{' => {
                let close = cs[*pos..]
                    .iter()
                    .position(|c| *c == '}')
                    .ok_or("unclosed {")?
                    + *pos;
                let body: String = cs[*pos + 1..close].iter().collect();
                let (min, max) = match body.split_once(',') {
                    Some((a, b)) => (
                        a.trim().parse().map_err(|_| "bad {m,n}")?,
                        Some(b.trim().parse().map_err(|_| "bad {m,n}")?),
                    ),
                    None => {
                        let n: u32 = body.trim().parse().map_err(|_| "bad {m}")?;
                        (n, Some(n))
                    }
                };
                *pos = close;
                Regex::Repeat(Box::new(a), min, max)
            }
            _ => return Ok(a),
        };
        *pos += 1;
    }
    Ok(a)
}

fn escape(c: char) -> char {
    match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        other => other,
    }
}

fn atom(cs: &[char], pos: &mut usize) -> Result<Regex, String> {
    let c = cs[*pos];
    *pos += 1;
    Ok(match c {
        '(' => {
            let r = alt(cs, pos)?;
            if *pos >= cs.len() || cs[*pos] != ')' {
                return Err("unclosed (".into());
            }
            *pos += 1;
            r
        }
        '.' => Regex::Any,
        '\\' => {
            let e = *cs.get(*pos).ok_or("trailing \\")?;
            *pos += 1;
            Regex::Char(escape(e))
        }
        '[' => {
            let mut negated = false;
            if cs.get(*pos) == Some(&'^') {
                negated = true;
                *pos += 1;
            }
            let mut ranges = Vec::new();
            let mut first = true;
            loop {
                let c = *cs.get(*pos).ok_or("unclosed [")?;
                *pos += 1;
                if c == ']' && !first {
                    break;
                }
                first = false;
                let lo = if c == '\\' {
                    let e = *cs.get(*pos).ok_or("trailing \\")?;
                    *pos += 1;
                    escape(e)
                } else {
                    c
                };
                if cs.get(*pos) == Some(&'-') && cs.get(*pos + 1).is_some_and(|c| *c != ']') {
                    *pos += 1;
                    let mut hi = cs[*pos];
                    *pos += 1;
                    if hi == '\\' {
                        hi = escape(*cs.get(*pos).ok_or("trailing \\")?);
                        *pos += 1;
                    }
                    ranges.push((lo, hi));
                } else {
                    ranges.push((lo, lo));
                }
            }
            Regex::Class(ranges, negated)
        }
        '*' | '+' | '?' | '{' | ')' | '|' => return Err(format!("unexpected `{c}`")),
        other => Regex::Char(other),
    })
}
