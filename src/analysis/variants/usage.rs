//! How the tree's own scripts and docs build things: `VAR=value ... nix build
//! .#attr`, `export VAR=...` before a build, `nixos-rebuild --flake .#host`,
//! in `*.sh`, `*.bash`, `*.md`, Makefile, justfile and `.envrc`
//! (`project.texts`).

use std::collections::BTreeMap;

use super::shell::{self, Command, TextKind, Word};
use crate::project::Project;
use crate::syntax::TextRange;

/// `NAME=value` in a script or doc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    /// The value; `None` when it contains an expansion (`$x`, `$(...)`).
    pub value: Option<String>,
    /// The whole `NAME=value` word (or the value of a Makefile/justfile `export`).
    pub range: TextRange,
    /// The value as written (quotes included).
    pub value_range: TextRange,
    /// Whether the value reaches the environment of the commands run after
    /// it: a prefix of a command (`NAME=value nix build`), an `export`
    /// (`export NAME=value`, `declare -x`, Makefile/justfile `export`), or
    /// a shell variable that is exported before or after (`NAME=value;
    /// export NAME`). A plain shell variable (`i=0`, `local x=1`) does not.
    pub env: bool,
}

/// Which program builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tool {
    /// `nix <subcommand> REF#attr`.
    Nix,
    /// `nixos-rebuild ... --flake REF#host`.
    NixosRebuild,
    /// `darwin-rebuild ... --flake REF#host`.
    DarwinRebuild,
    /// `home-manager ... --flake REF#name`.
    HomeManager,
    /// `nix-build`, `nix-shell`, `nix-instantiate` (`-A attr`), or a rebuild
    /// without `--flake`: the legacy, non-flake entry points.
    Legacy,
}

/// What a command builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub tool: Tool,
    /// `build`, `run`, `develop`, `switch`, ...
    pub subcommand: String,
    /// The attribute path after `#` (or of `-A`); empty for the default.
    pub attr: String,
    /// The reference as written (`.#container`), or the command word.
    pub range: TextRange,
}

impl Target {
    /// The attribute path split into names (double quotes protect dots).
    pub fn attr_path(&self) -> Vec<String> {
        split_attr_path(&self.attr)
    }
}

/// Split `a."b.c".d` into `["a", "b.c", "d"]`.
pub fn split_attr_path(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() || !out.is_empty() {
        out.push(cur);
    }
    out
}

/// A build command found in a script or doc, with the environment it runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    /// Index into `project.texts`.
    pub text: usize,
    /// The whole command.
    pub range: TextRange,
    /// Exported variables in force plus the command's own `NAME=value` prefix.
    pub env: Vec<Assignment>,
    pub target: Target,
    /// Found in an inline code span of Markdown prose.
    pub inline: bool,
}

impl Usage {
    /// The environment as name → value; `None` if any value is dynamic.
    pub fn literal_env(&self) -> Option<BTreeMap<String, String>> {
        self.env
            .iter()
            .map(|a| a.value.clone().map(|v| (a.name.clone(), v)))
            .collect()
    }
}

/// Everything found in the scripts and docs of a project.
#[derive(Debug, Clone, Default)]
pub struct ScriptFacts {
    pub usages: Vec<Usage>,
    /// Every `NAME=value` (prefix, plain or exported) with its text index.
    pub assignments: Vec<(usize, Assignment)>,
}

/// Scan every script and doc of the project.
pub fn scan(project: &Project) -> ScriptFacts {
    let mut facts = ScriptFacts::default();
    for (i, t) in project.texts.iter().enumerate() {
        scan_text(i, &t.text, TextKind::of(&t.path), &mut facts);
    }
    facts
}

/// Scan one text (index `text` in `project.texts`).
pub fn scan_text(text_index: usize, text: &str, kind: TextKind, facts: &mut ScriptFacts) {
    let mut state = Shell::default();
    for region in shell::regions(text, kind) {
        if !region.continues {
            state = Shell::default();
        }
        let justfile = kind == TextKind::Justfile;
        for cmd in shell::commands(text, region.range, justfile) {
            if region.top_level {
                if let Some(a) = make_export(text, &cmd) {
                    facts.assignments.push((text_index, a.clone()));
                    state.exported.insert(a.name.clone(), true);
                    state.vars.insert(a.name.clone(), a);
                }
                continue;
            }
            let before = facts.usages.len();
            scan_command(text_index, text, &cmd, &mut state, facts);
            for u in &mut facts.usages[before..] {
                u.inline = region.inline;
            }
        }
    }
}

/// Makefile `export NAME = value` / justfile `export NAME := "value"`.
fn make_export(text: &str, cmd: &Command) -> Option<Assignment> {
    let w = &cmd.words;
    if w.first()?.value != "export" {
        return None;
    }
    if let Some(a) = w.get(1).and_then(|x| assignment(text, x)) {
        return Some(a);
    }
    let name = w.get(1)?;
    if !shell::is_shell_name(&name.value) {
        return None;
    }
    let op = w.get(2)?;
    if !matches!(op.value.as_str(), "=" | ":=" | "?=" | "::=") {
        return None;
    }
    let (value, range, dynamic) = match w.get(3) {
        Some(v) => (
            v.value.clone(),
            v.range,
            v.dynamic || v.value.contains("$("),
        ),
        None => (String::new(), TextRange::empty(op.range.end()), false),
    };
    let _ = text;
    Some(Assignment {
        name: name.value.clone(),
        value: (!dynamic).then_some(value),
        range: TextRange::new(name.range.start(), range.end()),
        value_range: range,
        env: true,
    })
}

fn assignment(_text: &str, w: &Word) -> Option<Assignment> {
    let (name, value) = w.assignment()?;
    Some(Assignment {
        name: name.to_string(),
        value: (!w.dynamic).then(|| value.to_string()),
        range: w.range,
        value_range: w.value_range(),
        env: false,
    })
}

/// Programs that run the rest of their arguments as a command.
fn is_wrapper(program: &str) -> bool {
    matches!(
        program,
        "env" | "sudo" | "doas" | "command" | "exec" | "time" | "nohup" | "nice" | "run0"
    )
}

/// Wrapper options that take a separate argument.
fn wrapper_option_takes_arg(program: &str, opt: &str) -> bool {
    match program {
        "sudo" => matches!(
            opt,
            "-u" | "-g" | "-C" | "-D" | "-h" | "-p" | "-U" | "-r" | "-t"
        ),
        "env" => matches!(opt, "-u" | "-C" | "-S"),
        "nice" => matches!(opt, "-n"),
        _ => false,
    }
}

fn basename(w: &str) -> &str {
    w.rsplit('/').next().unwrap_or(w)
}

/// What a script has set so far (one run of shell code: a script, or the
/// code blocks of a document that continue each other).
#[derive(Default)]
struct Shell {
    /// Shell variables: name → assignment.
    vars: BTreeMap<String, Assignment>,
    /// Which of them are exported.
    exported: BTreeMap<String, bool>,
    /// Plain assignments not exported yet (name → indices into
    /// `facts.assignments`): a later `export NAME` sends them on.
    pending: BTreeMap<String, Vec<usize>>,
}

fn scan_command(
    text_index: usize,
    text: &str,
    cmd: &Command,
    state: &mut Shell,
    facts: &mut ScriptFacts,
) {
    let mut words = cmd.words.as_slice();
    // Console prompts in docs.
    if let Some(first) = words.first()
        && matches!(first.value.as_str(), "$" | "%" | ">" | "❯")
    {
        words = &words[1..];
    }
    let Shell {
        vars,
        exported,
        pending,
    } = state;
    let mut prefix: Vec<Assignment> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if let Some(a) = assignment(text, &words[i]) {
            prefix.push(a);
            i += 1;
        } else {
            break;
        }
    }
    if i == words.len() {
        // Plain assignments: shell variables, exported if already exported
        // (or once they are).
        for mut a in prefix {
            a.env = exported.get(&a.name).copied().unwrap_or(false);
            if !a.env {
                pending
                    .entry(a.name.clone())
                    .or_default()
                    .push(facts.assignments.len());
            }
            facts.assignments.push((text_index, a.clone()));
            vars.insert(a.name.clone(), a);
        }
        return;
    }
    // A prefix of the command: its environment.
    for a in &mut prefix {
        a.env = true;
        facts.assignments.push((text_index, a.clone()));
    }
    // `export`, `declare -x`, `unset`.
    let first = words[i].value.as_str();
    if matches!(
        first,
        "export" | "declare" | "typeset" | "local" | "readonly"
    ) {
        let exporting = first == "export"
            || words[i + 1..]
                .iter()
                .any(|w| w.value.starts_with('-') && w.value.contains('x'));
        for w in &words[i + 1..] {
            if w.value.starts_with('-') {
                continue;
            }
            if let Some(mut a) = assignment(text, w) {
                a.env = exporting;
                facts.assignments.push((text_index, a.clone()));
                if exporting {
                    exported.insert(a.name.clone(), true);
                    pending.remove(&a.name);
                }
                vars.insert(a.name.clone(), a);
            } else if exporting && shell::is_shell_name(&w.value) {
                exported.insert(w.value.clone(), true);
                for k in pending.remove(&w.value).unwrap_or_default() {
                    facts.assignments[k].1.env = true;
                }
            }
        }
        return;
    }
    if first == "unset" {
        for w in &words[i + 1..] {
            vars.remove(&w.value);
            exported.remove(&w.value);
            pending.remove(&w.value);
        }
        return;
    }
    // Wrappers: `env A=1 sudo -E nix build ...`.
    loop {
        let Some(w) = words.get(i) else { return };
        let program = basename(&w.value).to_string();
        if !is_wrapper(&program) {
            break;
        }
        i += 1;
        while let Some(w) = words.get(i) {
            if let Some(mut a) = assignment(text, w) {
                a.env = true;
                facts.assignments.push((text_index, a.clone()));
                prefix.push(a);
                i += 1;
            } else if w.value.starts_with('-') && w.value.len() > 1 {
                i += if wrapper_option_takes_arg(&program, &w.value) {
                    2
                } else {
                    1
                };
            } else {
                break;
            }
        }
    }
    let Some(target) = target(&words[i..]) else {
        return;
    };
    let mut env: BTreeMap<String, Assignment> = BTreeMap::new();
    for (name, a) in vars.iter() {
        if exported.get(name).copied().unwrap_or(false) {
            env.insert(name.clone(), a.clone());
        }
    }
    for a in prefix {
        env.insert(a.name.clone(), a);
    }
    let start = cmd
        .words
        .first()
        .map(|w| w.range.start())
        .unwrap_or_default();
    let end = cmd.words.last().map(|w| w.range.end()).unwrap_or(start);
    facts.usages.push(Usage {
        text: text_index,
        range: TextRange::new(start, end),
        env: env.into_values().collect(),
        target,
        inline: false,
    });
}

/// Whether a flake reference names a local tree (not a registry or remote flake).
fn local_flake(flake: &str) -> bool {
    flake.starts_with('.')
        || flake.starts_with('/')
        || flake.starts_with('~')
        || flake.starts_with("path:")
        || flake.starts_with("git+file:")
        || flake.starts_with("file:")
}

/// Split `REF#attr`; `None` for non-local references.
fn local_ref(word: &str) -> Option<(String, String)> {
    let (flake, attr) = match word.split_once('#') {
        Some((f, a)) => (f, a),
        None => (word, ""),
    };
    if !local_flake(flake) {
        return None;
    }
    Some((flake.to_string(), attr.to_string()))
}

/// What the command (program and arguments, wrappers removed) builds.
fn target(words: &[Word]) -> Option<Target> {
    let program_word = words.first()?;
    let program = basename(&program_word.value);
    let args = &words[1..];
    match program {
        "nix" => {
            let mut sub = Vec::new();
            let mut refs = Vec::new();
            let mut k = 0;
            while k < args.len() {
                let w = &args[k];
                let v = w.value.as_str();
                if matches!(v, "--expr" | "-f" | "--file") {
                    return None;
                }
                if v.starts_with('-') {
                    // Options with a value that is not an installable.
                    if matches!(
                        v,
                        "-o" | "--out-link"
                            | "--profile"
                            | "--option"
                            | "--override-input"
                            | "--apply"
                            | "--arg"
                            | "--argstr"
                            | "-I"
                            | "--include"
                            | "--store"
                            | "--eval-store"
                            | "--max-jobs"
                            | "-j"
                            | "--cores"
                            | "--system"
                            | "--command"
                            | "-c"
                            | "--to"
                            | "--from"
                    ) {
                        k += if matches!(v, "--option" | "--override-input" | "--arg" | "--argstr")
                        {
                            3
                        } else {
                            2
                        };
                        if matches!(v, "--command" | "-c") {
                            break;
                        }
                        continue;
                    }
                    k += 1;
                    continue;
                }
                if refs.is_empty() && !v.contains('#') && !local_flake(v) && sub.len() < 2 {
                    sub.push(v.to_string());
                } else if v.contains('#') || local_flake(v) {
                    if w.dynamic {
                        return None;
                    }
                    refs.push((local_ref(v), w.range));
                }
                k += 1;
            }
            let subcommand = sub.join(" ");
            let builds = matches!(
                sub.first().map(String::as_str),
                Some(
                    "build"
                        | "run"
                        | "develop"
                        | "shell"
                        | "eval"
                        | "path-info"
                        | "bundle"
                        | "profile"
                        | "print-dev-env"
                )
            );
            if !builds || sub.first().is_some_and(|s| s == "flake") {
                return None;
            }
            match refs.into_iter().next() {
                Some((Some((_, attr)), range)) => Some(Target {
                    tool: Tool::Nix,
                    subcommand,
                    attr,
                    range,
                }),
                Some((None, _)) => None,
                None => {
                    // No installable: the current directory's default output.
                    if sub.first().is_some_and(|s| s == "profile" || s == "eval") {
                        return None;
                    }
                    Some(Target {
                        tool: Tool::Nix,
                        subcommand,
                        attr: String::new(),
                        range: program_word.range,
                    })
                }
            }
        }
        "nixos-rebuild" | "darwin-rebuild" | "home-manager" => {
            let tool = match program {
                "nixos-rebuild" => Tool::NixosRebuild,
                "darwin-rebuild" => Tool::DarwinRebuild,
                _ => Tool::HomeManager,
            };
            let subcommand = args
                .iter()
                .find(|w| !w.value.starts_with('-'))
                .map(|w| w.value.clone())
                .unwrap_or_default();
            let mut k = 0;
            while k < args.len() {
                let v = args[k].value.as_str();
                let flake = if v == "--flake" {
                    args.get(k + 1)
                        .map(|w| (w.value.clone(), w.range, w.dynamic))
                } else {
                    v.strip_prefix("--flake=")
                        .map(|r| (r.to_string(), args[k].range, args[k].dynamic))
                };
                if let Some((r, range, dynamic)) = flake {
                    if dynamic {
                        return None;
                    }
                    let (_, attr) = local_ref(&r)?;
                    return Some(Target {
                        tool,
                        subcommand,
                        attr,
                        range,
                    });
                }
                k += 1;
            }
            Some(Target {
                tool: Tool::Legacy,
                subcommand,
                attr: String::new(),
                range: program_word.range,
            })
        }
        "nix-build" | "nix-shell" | "nix-instantiate" => {
            let mut attr = String::new();
            let mut range = program_word.range;
            let mut k = 0;
            while k < args.len() {
                let v = args[k].value.as_str();
                if matches!(v, "-E" | "--expr" | "-p" | "--packages") {
                    return None;
                }
                if (v == "-A" || v == "--attr")
                    && let Some(w) = args.get(k + 1)
                {
                    if w.dynamic {
                        return None;
                    }
                    attr = w.value.clone();
                    range = w.range;
                    k += 1;
                }
                k += 1;
            }
            Some(Target {
                tool: Tool::Legacy,
                subcommand: program.to_string(),
                attr,
                range,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_str(text: &str, kind: TextKind) -> ScriptFacts {
        let mut f = ScriptFacts::default();
        scan_text(0, text, kind, &mut f);
        f
    }

    /// Which assignments reach the environment of later commands.
    #[test]
    fn assignments_that_reach_the_environment() {
        let f = scan_str(
            "i=0\nA=1 nix build .#x\nexport B=2\nC=3\nexport C\nD=4\nlocal E=5\n\
             declare -x F=6\nenv G=7 nix build\nexport H\nH=8\nI=9\nunset I\nexport I\n",
            TextKind::Script,
        );
        let got: Vec<(String, bool)> = (f.assignments.iter())
            .map(|(_, a)| (a.name.clone(), a.env))
            .collect();
        let want: Vec<(String, bool)> = [
            ("i", false),
            ("A", true),
            ("B", true),
            ("C", true),
            ("D", false),
            ("E", false),
            ("F", true),
            ("G", true),
            ("H", true),
            ("I", false),
        ]
        .iter()
        .map(|(n, e)| (n.to_string(), *e))
        .collect();
        assert_eq!(got, want);
        // Makefile and justfile exports.
        let f = scan_str("export MODE = server\n", TextKind::Makefile);
        assert!(f.assignments.iter().all(|(_, a)| a.env), "{f:?}");
    }

    fn summary(f: &ScriptFacts) -> Vec<String> {
        f.usages
            .iter()
            .map(|u| {
                let env: Vec<String> = u
                    .env
                    .iter()
                    .map(|a| format!("{}={}", a.name, a.value.as_deref().unwrap_or("<dynamic>")))
                    .collect();
                format!(
                    "{:?} {} #{} [{}]",
                    u.target.tool,
                    u.target.subcommand,
                    u.target.attr,
                    env.join(" ")
                )
            })
            .collect()
    }

    #[test]
    fn prefix_assignments_and_exports() {
        let f = scan_str(
            "#!/bin/sh\nexport NIXOS_CONTAINER=1\nNIXOS_PACKAGES=\"essential,kubernetes\" nix build .#container --impure\nX=2\nnix build\nexport X\nsudo -E nix build '.#a.\"b.c\"'\nunset NIXOS_CONTAINER\nenv Y=3 nixos-rebuild switch --flake /etc/nixos#nixos-wsl\n",
            TextKind::Script,
        );
        assert_eq!(
            summary(&f),
            vec![
                "Nix build #container [NIXOS_CONTAINER=1 NIXOS_PACKAGES=essential,kubernetes]",
                "Nix build # [NIXOS_CONTAINER=1]",
                "Nix build #a.\"b.c\" [NIXOS_CONTAINER=1 X=2]",
                "NixosRebuild switch #nixos-wsl [X=2 Y=3]",
            ]
        );
        assert_eq!(f.usages[2].target.attr_path(), vec!["a", "b.c"]);
        assert_eq!(f.assignments.len(), 4);
    }

    #[test]
    fn dynamic_and_foreign_refs() {
        let f = scan_str(
            "NIXOS_PACKAGES=$1 nix build .#container\nnix run nixpkgs#hello\nnix build github:o/r#x\nnix flake update\nnix build -f . hello\n",
            TextKind::Script,
        );
        assert_eq!(
            summary(&f),
            vec!["Nix build #container [NIXOS_PACKAGES=<dynamic>]"]
        );
    }

    #[test]
    fn markdown_blocks_reset_environment() {
        let md = "```bash\nexport A=1\nnix build .#x\n```\n\n```sh\n$ nix build .#y\n```\n\nAlso `B=2 nix develop .#z`.\n";
        let f = scan_str(md, TextKind::Markdown);
        assert_eq!(
            summary(&f),
            vec![
                "Nix build #x [A=1]",
                "Nix build #y []",
                "Nix develop #z [B=2]"
            ]
        );
    }

    #[test]
    fn makefile_and_justfile() {
        let mk =
            "export NIXOS_CONTAINER = 1\nbuild:\n\t@NIXOS_PACKAGES=full nix build .#container\n";
        let f = scan_str(mk, TextKind::Makefile);
        assert_eq!(
            summary(&f),
            vec!["Nix build #container [NIXOS_CONTAINER=1 NIXOS_PACKAGES=full]"]
        );
        let just = "export NIXOS_CONTAINER := \"1\"\nbuild pkgs:\n    NIXOS_PACKAGES={{pkgs}} nix build .#container\n";
        let f = scan_str(just, TextKind::Justfile);
        assert_eq!(
            summary(&f),
            vec!["Nix build #container [NIXOS_CONTAINER=1 NIXOS_PACKAGES=<dynamic>]"]
        );
    }

    #[test]
    fn legacy_builds() {
        let f = scan_str(
            "HOST=laptop nix-build -A system\nsudo HOST=x nixos-rebuild switch\n",
            TextKind::Script,
        );
        assert_eq!(
            summary(&f),
            vec![
                "Legacy nix-build #system [HOST=laptop]",
                "Legacy switch # [HOST=x]"
            ]
        );
    }
}
