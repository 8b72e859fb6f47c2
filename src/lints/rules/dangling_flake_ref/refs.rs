//! Finding `.#attr` references to the local flake in text (scripts, docs,
//! the literal parts of Nix strings) and the command each belongs to.

/// Which command a reference is given to; decides where Nix looks the
/// fragment up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// `nix build`, `nix shell`, `nix eval`, `nix profile install`, ...
    Build,
    /// `nix run`
    Run,
    /// `nix develop`, `nix print-dev-env`, direnv's `use flake`
    Develop,
    /// `nixos-rebuild --flake`, `nixos-install --flake`
    Nixos,
    /// `darwin-rebuild --flake`
    Darwin,
    /// `home-manager --flake`
    Home,
    /// `nix flake init/new -t`
    Template,
    /// No recognisable command: any of the above.
    Unknown,
}

/// One reference: `range` covers the whole `.#a.b` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlakeRef {
    pub start: usize,
    pub end: usize,
    /// The text after `#`.
    pub fragment: String,
    /// The reference as written (`.#a`, `path:.#a`, `${self}#a`).
    pub text: String,
    pub context: Context,
}

/// Flake URLs that denote the flake in the current directory.
const LOCAL_URLS: [&str; 8] = [
    ".",
    "./",
    "./.",
    "path:.",
    "path:./",
    "path:./.",
    "git+file:.",
    "git+file:./.",
];

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\'' | '`' | '(' | '=' | ',' | '[' | '{' | '>' | '<' | '|' | ';'
        )
}

fn is_fragment_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@' | '+')
}

/// Whether `text` can hold a reference at all: every one has `#` right
/// after `.` or `/` (the local URLs) or after `${self}`. A cheap test
/// that spares most files a scan.
pub fn may_hold_refs(text: &str) -> bool {
    [".#", "/#", "}#"]
        .iter()
        .any(|p| crate::syntax::has_text(text, p))
}

/// Every reference to the local flake in `text`. `self_interps` are the byte
/// ranges of `${self}` interpolations (in Nix strings): a `#` right after one
/// starts a reference too, reported from the interpolation's start.
pub fn find_refs(text: &str, self_interps: &[(usize, usize)]) -> Vec<FlakeRef> {
    let mut out = Vec::new();
    for (hash, _) in text.match_indices('#') {
        let before = &text[..hash];
        let url_start = before
            .char_indices()
            .rev()
            .find(|(_, c)| is_separator(*c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let url = &before[url_start..];
        let start = if let Some(&(s, _)) = self_interps.iter().find(|(_, e)| *e == hash) {
            s
        } else if LOCAL_URLS.contains(&url) {
            url_start
        } else {
            continue;
        };
        let rest = &text[hash + 1..];
        let mut len = rest
            .char_indices()
            .find(|(_, c)| !is_fragment_char(*c))
            .map_or(rest.len(), |(i, _)| i);
        let stop = rest[len..].chars().next();
        if matches!(stop, Some('$' | '{' | '%' | '*' | '?' | '\\')) {
            // `.#${name}`, `.#$(VAR)`, `.#%{x}`, globs: not a fixed name.
            continue;
        }
        while len > 0 && matches!(rest.as_bytes()[len - 1], b'.' | b'-' | b'+' | b'@') {
            len -= 1;
        }
        let fragment = &rest[..len];
        if fragment.is_empty() || fragment.starts_with('.') || fragment.contains("..") {
            continue;
        }
        out.push(FlakeRef {
            start,
            end: hash + 1 + len,
            fragment: fragment.to_string(),
            text: text[start..hash + 1 + len].to_string(),
            context: context_before(text, start),
        });
    }
    out
}

const NIX_SUBCOMMANDS: [&str; 18] = [
    "build",
    "develop",
    "print-dev-env",
    "run",
    "shell",
    "eval",
    "profile",
    "path-info",
    "copy",
    "log",
    "bundle",
    "why-depends",
    "edit",
    "store",
    "derivation",
    "flake",
    "search",
    "repl",
];

/// The command the text before `at` (on its logical line) belongs to.
pub fn context_before(text: &str, at: usize) -> Context {
    // The logical line: back to the line start, following `\` continuations.
    let mut line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    while line_start > 0 {
        let prev_end = line_start - 1;
        let prev = &text[..prev_end];
        if prev.trim_end_matches([' ', '\t', '\r']).ends_with('\\') {
            line_start = prev.rfind('\n').map_or(0, |i| i + 1);
        } else {
            break;
        }
    }
    let mut seg = &text[line_start..at];
    // Only the last command of the line: cut at separators.
    for sep in ["&&", "||", ";", "|", "`", "$(", "("] {
        if let Some(i) = seg.rfind(sep) {
            seg = &seg[i + sep.len()..];
        }
    }
    let words: Vec<&str> = seg
        .split(|c: char| c.is_whitespace() || c == '\\')
        .map(|w| w.trim_matches(|c| matches!(c, '"' | '\'')))
        .filter(|w| !w.is_empty())
        .collect();
    let base = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    if let Some(last) = words.last()
        && matches!(*last, "-t" | "--template")
    {
        return Context::Template;
    }
    for (i, w) in words.iter().enumerate() {
        let b = base(w);
        match b.as_str() {
            "nixos-rebuild" | "nixos-install" => return Context::Nixos,
            "darwin-rebuild" => return Context::Darwin,
            _ => {}
        }
        if w.starts_with("home-manager") || b == "home-manager" {
            return Context::Home;
        }
        if b == "use" && words.get(i + 1) == Some(&"flake") {
            return Context::Develop;
        }
        if b == "nix" {
            // The first known subcommand: option values (`--option x y`,
            // `--extra-experimental-features 'nix-command flakes'`) are skipped.
            let sub = words[i + 1..].iter().find(|w| NIX_SUBCOMMANDS.contains(w));
            return match sub.copied() {
                Some("develop" | "print-dev-env") => Context::Develop,
                Some("run") => Context::Run,
                Some(
                    "build" | "shell" | "eval" | "profile" | "path-info" | "copy" | "log"
                    | "bundle" | "why-depends" | "edit" | "store" | "derivation",
                ) => Context::Build,
                _ => Context::Unknown,
            };
        }
    }
    Context::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frags(text: &str) -> Vec<(String, Context)> {
        find_refs(text, &[])
            .into_iter()
            .map(|r| (r.fragment, r.context))
            .collect()
    }

    #[test]
    fn finds_refs_and_contexts() {
        assert_eq!(
            frags("nix build .#container --impure"),
            vec![("container".into(), Context::Build)]
        );
        assert_eq!(
            frags("sudo nixos-rebuild switch --flake .#nixos-wsl"),
            vec![("nixos-wsl".into(), Context::Nixos)]
        );
        assert_eq!(
            frags("nixos-rebuild switch --flake=path:.#host"),
            vec![("host".into(), Context::Nixos)]
        );
        assert_eq!(
            frags("Run `nix develop .#k8s`. Then `nix run ./.#tool`."),
            vec![
                ("k8s".into(), Context::Develop),
                ("tool".into(), Context::Run)
            ]
        );
        assert_eq!(
            frags("nix --extra-experimental-features flakes build \\\n  .#a.b"),
            vec![("a.b".into(), Context::Build)]
        );
        assert_eq!(
            frags("echo see .#thing."),
            vec![("thing".into(), Context::Unknown)]
        );
        assert_eq!(
            frags("home-manager switch --flake .#me@host"),
            vec![("me@host".into(), Context::Home)]
        );
        assert_eq!(
            frags("use flake .#dev"),
            vec![("dev".into(), Context::Develop)]
        );
        assert_eq!(
            frags("nix flake init -t .#basic"),
            vec![("basic".into(), Context::Template)]
        );
    }

    #[test]
    fn skips_non_refs() {
        assert!(frags("# heading\nfoo#bar https://x.org/a.#b ..#up").is_empty());
        assert!(frags("nix build .#${name} .#$PKG .#$(P) .# github:o/r#x").is_empty());
        assert!(frags("a.#b").is_empty());
    }

    #[test]
    fn self_interpolation() {
        let text = "${self}#app";
        let r = find_refs(text, &[(0, 7)]);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].start, r[0].end), (0, 11));
        assert_eq!(r[0].fragment, "app");
    }
}
