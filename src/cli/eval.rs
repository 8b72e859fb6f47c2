//! `nixfold eval`: evaluate a Nix expression or file like
//! `nix-instantiate --eval`.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::eval::value::Thunk;
use crate::eval::{Attrs, EvalError, EvalOptions, Evaluator, Span, Symbol, Value, print_value};

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Evaluate the whole value (lists and attribute sets too), like
    /// `nix-instantiate --eval --strict`.
    #[arg(long)]
    pub strict: bool,
    /// Print the value as JSON, like `nix eval --json`.
    #[arg(long)]
    pub json: bool,
    /// Evaluate this expression instead of a file.
    #[arg(
        short = 'E',
        long = "expr",
        value_name = "EXPR",
        conflicts_with = "file"
    )]
    pub expr: Option<String>,
    /// The file to evaluate (a directory means its default.nix; `-` reads
    /// the expression from standard input; default: ./default.nix).
    pub file: Option<PathBuf>,
    /// Add an entry to the search path for `<…>` lookups: `PATH` or
    /// `NAME=PATH`, searched before `NIX_PATH`; may repeat.
    #[arg(short = 'I', value_name = "PATH")]
    pub include: Vec<String>,
    /// Print the value as XML, like `nix-instantiate --eval --xml
    /// --no-location` (the format of `builtins.toXML`).
    #[arg(long, conflicts_with = "json")]
    pub xml: bool,
    /// Only parse and compile (syntax errors, undefined variables, duplicate
    /// attributes), print nothing; exit status 1 on an error.
    #[arg(long)]
    pub parse_only: bool,
    /// Select an attribute path of the result (`a.b`, `xs.0`); may repeat.
    #[arg(short = 'A', long = "attr", value_name = "ATTRPATH")]
    pub attr: Vec<String>,
    /// Pass NAME = EXPR to a top-level function with formals.
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"])]
    pub arg: Vec<String>,
    /// Pass NAME = "VALUE" to a top-level function with formals.
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "VALUE"])]
    pub argstr: Vec<String>,
    /// Override an environment variable for `builtins.getEnv`.
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// Nix's pure evaluation mode (getEnv gives "", no currentSystem, no
    /// `<...>`, no file access outside the root).
    #[arg(long)]
    pub pure_eval: bool,
    /// Bind a global name to an unknown value (symbolic evaluation); may repeat.
    #[arg(long = "unknown", value_name = "NAME")]
    pub unknown: Vec<String>,
    /// Make `builtins.getEnv` return unknown values instead of strings.
    #[arg(long)]
    pub unknown_env: bool,
    /// Bind `lib` to nixpkgs' lib, chosen as the analysis commands choose
    /// it: the lib of a nixpkgs locked in ./flake.lock (next to FILE) when
    /// its source is in /nix/store, else nixfold's embedded lib prelude. Also
    /// makes `pkgs.lib` and `nixpkgs.lib` of unknowns (`--unknown pkgs`) lib.
    #[arg(long)]
    pub lib: bool,
    /// Step budget.
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
    /// Budget for the (estimated) bytes evaluation allocates in total
    /// (suffixes K, M, G accepted).
    #[arg(long, value_name = "BYTES")]
    pub max_memory: Option<String>,
}

fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last()? {
        (i, 'K' | 'k') => (&s[..i], 1u64 << 10),
        (i, 'M' | 'm') => (&s[..i], 1 << 20),
        (i, 'G' | 'g') => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    num.trim().parse::<u64>().ok()?.checked_mul(mult)
}

pub fn run(args: EvalArgs) -> i32 {
    let mut opts = EvalOptions {
        pure: args.pure_eval,
        unknown_env: args.unknown_env,
        ..EvalOptions::default()
    };
    for kv in &args.env {
        match kv.split_once('=') {
            Some((k, v)) => {
                opts.env.insert(k.to_string(), v.to_string());
            }
            None => {
                eprintln!("nixfold: --env expects NAME=VALUE, got `{kv}`");
                return EXIT_FAILURE;
            }
        }
    }
    if let Some(n) = args.max_steps {
        opts.max_steps = n;
    }
    if let Some(m) = &args.max_memory {
        match parse_size(m) {
            Some(n) => opts.max_memory = n,
            None => {
                eprintln!("nixfold: invalid --max-memory `{m}`");
                return EXIT_FAILURE;
            }
        }
    }
    if !args.include.is_empty() {
        // -I entries first, then NIX_PATH, as in Nix.
        let mut entries = args.include.clone();
        if let Ok(np) = std::env::var("NIX_PATH") {
            entries.extend(crate::eval::split_nix_path(&np));
        }
        opts.nix_path = Some(entries);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let mut expr = args.expr.clone();
    if expr.is_none() && args.file.as_deref() == Some(Path::new("-")) {
        let mut text = String::new();
        if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
            eprintln!("nixfold: reading standard input: {e}");
            return EXIT_FAILURE;
        }
        expr = Some(text);
    }
    let args = EvalArgs { expr, ..args };
    let file = match (&args.expr, &args.file) {
        (Some(_), _) => None,
        (None, Some(f)) => Some(f.clone()),
        (None, None) => Some(PathBuf::from("default.nix")),
    };
    if let Some(f) = &file {
        let abs = if f.is_absolute() {
            f.clone()
        } else {
            cwd.join(f)
        };
        let dir = if abs.is_dir() {
            abs.clone()
        } else {
            abs.parent().map(Path::to_path_buf).unwrap_or(cwd.clone())
        };
        opts.root = Some(dir);
    }
    if args.lib {
        let dir = opts.root.clone().unwrap_or_else(|| cwd.clone());
        opts.lib = Some(crate::eval::LibConfig::for_project(&dir));
    }
    let mut ev = Evaluator::new(opts);
    ev.set_trace_sink(Box::new(|m| eprintln!("trace: {m}")));
    if args.lib {
        // Built when first used; an explicit `--unknown lib` wins.
        ev.set_global(
            "lib",
            Thunk::new_native(|ev: &mut Evaluator| {
                ev.default_lib().ok_or_else(|| {
                    EvalError::eval("the lib prelude failed to evaluate", Span::NONE)
                })
            }),
        );
    }
    let names: Vec<&str> = args.unknown.iter().map(String::as_str).collect();
    ev.bind_unknowns(&names);

    let result = (|| -> Result<String, EvalError> {
        let mut auto: Vec<(Symbol, Value)> = Vec::new();
        for pair in args.arg.chunks(2) {
            // Lazy, as in nix-instantiate.
            let (src, dir) = (pair[1].clone(), cwd.clone());
            let v = Thunk::new_native(move |ev: &mut Evaluator| ev.eval_expr_str(&src, &dir));
            auto.push((Symbol::new(&pair[0]), v));
        }
        for pair in args.argstr.chunks(2) {
            auto.push((Symbol::new(&pair[0]), Value::string(pair[1].clone())));
        }
        if args.lib && !auto.iter().any(|(k, _)| k.as_str() == "lib") {
            // A top-level `{ lib, ... }:` gets lib too.
            auto.push((
                Symbol::new("lib"),
                Thunk::new_native(|ev: &mut Evaluator| {
                    ev.default_lib().ok_or_else(|| {
                        EvalError::eval("the lib prelude failed to evaluate", Span::NONE)
                    })
                }),
            ));
        }
        let auto = Attrs::from_unsorted(auto);
        if args.parse_only {
            return match (&args.expr, &file) {
                (Some(e), _) => ev.check_expr_str(e, &cwd),
                (None, Some(f)) => match std::fs::read_to_string(f) {
                    Ok(t) => ev.check_expr_str(&t, f.parent().unwrap_or(&cwd)),
                    Err(e) => Err(EvalError::eval(
                        format!("reading '{}': {e}", f.display()),
                        Span::NONE,
                    )),
                },
                (None, None) => unreachable!(),
            }
            .map(|()| String::new());
        }
        let root = match (&args.expr, &file) {
            (Some(e), _) => ev.eval_expr_str(e, &cwd)?,
            (None, Some(f)) => ev.eval_file(f)?,
            (None, None) => unreachable!(),
        };
        let paths: Vec<String> = if args.attr.is_empty() {
            vec![String::new()]
        } else {
            args.attr.clone()
        };
        let mut out = String::new();
        for p in &paths {
            let v = ev.select_attr_path(&root, p, &auto)?;
            if args.json {
                out.push_str(&ev.to_json(&v)?);
            } else if args.xml {
                if args.strict {
                    ev.force_deep(&v)?;
                }
                out.push_str(&ev.to_xml(&v)?);
                // to_xml ends with a newline already.
                out.pop();
            } else {
                if args.strict {
                    ev.force_deep(&v)?;
                }
                out.push_str(&print_value(&v, args.strict));
            }
            out.push('\n');
        }
        Ok(out)
    })();
    // The real lib of flake.lock's nixpkgs was there but failed: say why.
    if let Some(d) = ev.lib_description()
        && d.starts_with("nixfold's lib prelude (")
    {
        eprintln!("nixfold: note: using {d}");
    }
    match result {
        Ok(out) => {
            print!("{out}");
            EXIT_OK
        }
        Err(e) => {
            eprint!("{}", render_error(&ev, &e));
            EXIT_FINDINGS
        }
    }
}

/// Render an evaluation error like Nix: message, position and an excerpt.
pub fn render_error(ev: &Evaluator, e: &EvalError) -> String {
    let mut out = match e.as_unknown() {
        Some(u) => format!(
            "error: evaluation needs the value of «unknown {}»\n",
            u.provenance()
        ),
        None => format!("error: {}\n", e.message()),
    };
    let mut spans: Vec<(Span, Option<&str>)> = vec![(e.span(), None)];
    for (sp, msg) in e.trace() {
        spans.push((*sp, Some(msg.as_str())));
    }
    for (sp, msg) in spans {
        if sp.is_none() {
            if let Some(m) = msg {
                out.push_str(&format!("\n       … {m}\n"));
            }
            continue;
        }
        let Some(f) = ev.file_info(sp.file) else {
            continue;
        };
        if let Some(m) = msg {
            out.push_str(&format!("\n       … {m}\n"));
        }
        let lc = f.line_col(sp.start);
        out.push_str(&format!(
            "\n       at {}:{}:{}:\n\n",
            f.name, lc.line, lc.col
        ));
        let line_idx = (lc.line - 1) as usize;
        let lines: Vec<&str> = f.text.split('\n').collect();
        let first = line_idx.saturating_sub(1);
        let last = (line_idx + 1).min(lines.len().saturating_sub(1));
        let width = (last + 1).to_string().len();
        let col = (lc.col as usize).saturating_sub(1);
        // Long lines are cut to a window around the column.
        let skip = col.saturating_sub(60);
        for (i, line) in lines.iter().enumerate().take(last + 1).skip(first) {
            let shown: String = line.chars().skip(skip).take(120).collect();
            out.push_str(&format!("       {:>width$}| {}\n", i + 1, shown));
            if i == line_idx {
                out.push_str(&format!(
                    "       {:>width$}| {}^\n",
                    "",
                    " ".repeat(col - skip)
                ));
            }
        }
    }
    out
}
