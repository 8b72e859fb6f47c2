//! Interned attribute and variable names.
//!
//! A [`Symbol`] is a small integer standing for a string. Interning is per
//! thread (evaluator values are `Rc`-based and never cross threads), and
//! interned strings live for the rest of the process: the set of distinct
//! names a program uses is small compared with its values.

use std::cell::RefCell;
use std::marker::PhantomData;

use rustc_hash::FxHashMap;

/// An interned name. Comparing and hashing symbols compares ids, not text.
/// Ids are only meaningful on the thread that created them, so the type is
/// neither `Send` nor `Sync`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symbol(u32, PhantomData<*const ()>);

#[derive(Default)]
struct Interner {
    names: Vec<&'static str>,
    ids: FxHashMap<&'static str, u32>,
}

thread_local! {
    static INTERNER: RefCell<Interner> = RefCell::new(Interner::default());
}

impl Symbol {
    /// Intern `s`.
    pub fn new(s: &str) -> Symbol {
        INTERNER.with(|i| {
            let mut i = i.borrow_mut();
            if let Some(&id) = i.ids.get(s) {
                return Symbol(id, PhantomData);
            }
            let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
            let id = i.names.len() as u32;
            i.names.push(leaked);
            i.ids.insert(leaked, id);
            Symbol(id, PhantomData)
        })
    }

    /// The text of this symbol.
    pub fn as_str(self) -> &'static str {
        INTERNER.with(|i| i.borrow().names[self.0 as usize])
    }

    /// The texts of many symbols at once (one interner access).
    pub fn names_of(syms: impl Iterator<Item = Symbol>) -> Vec<&'static str> {
        INTERNER.with(|i| {
            let i = i.borrow();
            syms.map(|s| i.names[s.0 as usize]).collect()
        })
    }

    /// The raw id (stable for the life of the thread).
    pub fn id(self) -> u32 {
        self.0
    }
}

impl std::fmt::Debug for Symbol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl std::fmt::Display for Symbol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable() {
        let a = Symbol::new("abc");
        let b = Symbol::new("abc");
        let c = Symbol::new("abd");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.as_str(), "abc");
    }
}
