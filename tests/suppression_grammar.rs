//! grammar/suppression.ebnf against src/lints/suppress.rs: the examples and
//! counter-examples listed in the grammar, random comments generated from it,
//! and random mutations of those. For every comment, the implementation must
//! agree with a recognizer of the grammar: accepted exactly when SUPPRESSION
//! matches, reported as malformed exactly when only ATTEMPT matches.

#[path = "gen/mod.rs"]
mod nixgen;

use nixfold::lints::suppress::{Parsed, parse_comment};
use nixgen::ebnf::{Grammar, Node};
use nixgen::rng::Rng;

/// What the grammar says about a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Accept,
    Reject,
    Ordinary,
}

/// All end positions of matches of `n` starting at `i`.
fn ends(g: &Grammar, n: &Node, cs: &[char], i: usize) -> Vec<usize> {
    let mut out: Vec<usize> = match n {
        Node::Lit(s) => {
            let lit: Vec<char> = s.chars().collect();
            if cs[i..].starts_with(&lit) {
                vec![i + lit.len()]
            } else {
                vec![]
            }
        }
        Node::Regex(r) => (i..=cs.len())
            .filter(|&j| r.matches(&cs[i..j].iter().collect::<String>()))
            .collect(),
        Node::Ref(r) => ends(g, &g.rules[*r].body, cs, i),
        Node::Alt(alts) => alts.iter().flat_map(|(a, _)| ends(g, a, cs, i)).collect(),
        Node::Seq(items) => {
            let mut cur = vec![i];
            for item in items {
                cur = cur.iter().flat_map(|&p| ends(g, item, cs, p)).collect();
                cur.sort_unstable();
                cur.dedup();
            }
            cur
        }
        Node::Opt(a, _) => {
            let mut v = ends(g, a, cs, i);
            v.push(i);
            v
        }
        Node::Rep(a, _) => {
            let mut all = vec![i];
            let mut frontier = vec![i];
            while !frontier.is_empty() {
                let mut next = Vec::new();
                for p in frontier {
                    for e in ends(g, a, cs, p) {
                        if !all.contains(&e) {
                            all.push(e);
                            next.push(e);
                        }
                    }
                }
                frontier = next;
            }
            all
        }
        Node::Except(a, b) => ends(g, a, cs, i)
            .into_iter()
            .filter(|&j| !ends(g, b, &cs[..j], i).contains(&j))
            .collect(),
    };
    out.sort_unstable();
    out.dedup();
    out
}

fn matches(g: &Grammar, rule: &str, s: &str) -> bool {
    let cs: Vec<char> = s.chars().collect();
    let body = &g.rules[g.rule(rule)].body;
    ends(g, body, &cs, 0).contains(&cs.len())
}

fn grammar_class(g: &Grammar, s: &str) -> Class {
    if matches(g, "SUPPRESSION", s) {
        Class::Accept
    } else if matches(g, "ATTEMPT", s) {
        Class::Reject
    } else {
        Class::Ordinary
    }
}

fn implementation_class(s: &str) -> Class {
    match parse_comment(s) {
        Parsed::Directive { .. } => Class::Accept,
        Parsed::Malformed { .. } => Class::Reject,
        Parsed::NotADirective => Class::Ordinary,
    }
}

fn grammar_text() -> String {
    std::fs::read_to_string(nixgen::root().join("grammar/suppression.ebnf")).unwrap()
}

/// The `accept:`, `reject:` and `ordinary:` lines of the grammar's header.
fn listed() -> Vec<(Class, String)> {
    let mut v = Vec::new();
    for line in grammar_text().lines() {
        let t = line.trim_start();
        for (prefix, class) in [
            ("accept: ", Class::Accept),
            ("reject: ", Class::Reject),
            ("ordinary: ", Class::Ordinary),
        ] {
            if let Some(rest) = t.strip_prefix(prefix) {
                v.push((class, rest.to_string()));
            }
        }
    }
    v
}

#[test]
fn listed_examples_and_counter_examples() {
    let g = nixgen::grammar("suppression.ebnf");
    let list = listed();
    for class in [Class::Accept, Class::Reject, Class::Ordinary] {
        assert!(
            list.iter().filter(|(c, _)| *c == class).count() >= 5,
            "too few {class:?} examples"
        );
    }
    for (class, comment) in &list {
        assert_eq!(
            grammar_class(&g, comment),
            *class,
            "the grammar disagrees with its own list: {comment:?}"
        );
        assert_eq!(
            implementation_class(comment),
            *class,
            "the implementation disagrees with the grammar: {comment:?}"
        );
    }
}

#[test]
fn accepted_names_are_the_listed_ones() {
    match parse_comment("# nixfold: ignore[ a , b-c ,d1,] why") {
        Parsed::Directive { names, .. } => {
            let names: Vec<&str> = names.iter().map(|n| n.text).collect();
            assert_eq!(names, ["a", "b-c", "d1"]);
        }
        other => panic!("{other:?}"),
    }
}

/// Change one character: insert, delete or replace, drawing from characters
/// that matter to the grammar.
fn mutate(s: &str, rng: &mut Rng) -> String {
    const ALPHABET: &[char] = &[
        '#', ' ', '\t', '[', ']', ',', '-', ':', 'a', 'z', '0', 'A', '_', '(', 'x',
    ];
    let mut cs: Vec<char> = s.chars().collect();
    let pos = rng.below(cs.len() + 1);
    let c = ALPHABET[rng.below(ALPHABET.len())];
    match rng.below(3) {
        0 => cs.insert(pos, c),
        1 if pos < cs.len() => {
            cs.remove(pos);
        }
        _ if pos < cs.len() => cs[pos] = c,
        _ => cs.push(c),
    }
    cs.into_iter().collect()
}

#[test]
fn generated_comments_and_mutants_agree_with_the_grammar() {
    let g = nixgen::grammar("suppression.ebnf");
    let cases = nixgen::env_num("NIXFOLD_GEN_CASES", 400) as usize;
    let mut generator = nixgen::Generator::new(&g, nixgen::seed(), 12);
    let mut rng = Rng::new(nixgen::seed() ^ 0x5eed);
    let mut seen = [0usize; 3];
    for _ in 0..cases {
        let comment = generator.program("SUPPRESSION").text;
        assert_eq!(grammar_class(&g, &comment), Class::Accept, "{comment:?}");
        assert_eq!(
            implementation_class(&comment),
            Class::Accept,
            "generated from the grammar but not accepted: {comment:?}"
        );
        let mut mutant = comment.clone();
        for _ in 0..1 + rng.below(3) {
            mutant = mutate(&mutant, &mut rng);
        }
        let expected = grammar_class(&g, &mutant);
        seen[expected as usize] += 1;
        assert_eq!(
            implementation_class(&mutant),
            expected,
            "mutant {mutant:?} (of {comment:?})"
        );
    }
    // The mutants exercise all three outcomes.
    assert!(seen.iter().all(|n| *n > 0), "{seen:?}");
}
