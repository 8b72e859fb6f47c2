//! Deliberately broken variants of generated programs: token and character
//! edits, so that the differential tests also see rejected input.

use super::generate::Program;
use super::rng::Rng;

const INSERTS: &[&str] = &[
    "{", "}", "[", "]", "(", ")", ";", ":", "=", ",", ".", "?", "@", "\"", "''", "${", "in", "let",
    "or", "then", "else", "inherit", "rec", "with", "...", "/", "-", "!", "//", "++", "->", "<",
    "==", "x", "1", "./a", "#", "/*",
];

/// One random edit of `p`.
pub fn mutate(p: &Program, rng: &mut Rng) -> String {
    let mut toks = p.tokens.clone();
    match rng.below(6) {
        0 if !toks.is_empty() => {
            toks.remove(rng.below(toks.len()));
        }
        1 if !toks.is_empty() => {
            let i = rng.below(toks.len());
            let t = toks[i].clone();
            toks.insert(i, t);
        }
        2 => {
            let i = rng.below(toks.len() + 1);
            toks.insert(i, INSERTS[rng.below(INSERTS.len())].to_string());
        }
        3 if toks.len() > 1 => {
            let i = rng.below(toks.len() - 1);
            toks.swap(i, i + 1);
        }
        4 => {
            // Delete one character.
            let chars: Vec<char> = p.text.chars().collect();
            if chars.is_empty() {
                return "(".into();
            }
            let i = rng.below(chars.len());
            return chars[..i].iter().chain(&chars[i + 1..]).collect();
        }
        _ => {
            // Insert one character.
            let chars: Vec<char> = p.text.chars().collect();
            let i = rng.below(chars.len() + 1);
            let c = ['{', '}', '"', '\'', '$', ';', ':', '.', '/', '(', '='][rng.below(11)];
            return chars[..i]
                .iter()
                .chain([c].iter())
                .chain(&chars[i..])
                .collect();
        }
    }
    toks.join(" ")
}
