//! Where a value comes from: the flows of environment values through
//! bindings, calls, parameters, imports, strings and paths.

use super::*;

impl Analyzer<'_> {
    // ----- flows -------------------------------------------------------

    /// Which variables' values (and in what shape) `e` carries.
    pub fn flows(&self, e: &ast::Expr) -> Vec<Flow> {
        let node = e.syntax().clone();
        if let Some(v) = self.memo.borrow().get(&node) {
            return v.clone();
        }
        if !self.busy.borrow_mut().insert(node.clone()) || *self.depth.borrow() > MAX_DEPTH {
            return Vec::new();
        }
        *self.depth.borrow_mut() += 1;
        let r = stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || self.flows_uncached(e));
        *self.depth.borrow_mut() -= 1;
        self.busy.borrow_mut().remove(&node);
        let mut r = r;
        dedup(&mut r);
        self.memo.borrow_mut().insert(node, r.clone());
        r
    }

    pub(super) fn flows_uncached(&self, e: &ast::Expr) -> Vec<Flow> {
        match e {
            ast::Expr::Paren(p) => p.expr().map(|x| self.flows(&x)).unwrap_or_default(),
            ast::Expr::Apply(_) => self.apply_flows(e),
            ast::Expr::Ident(id) => self.ident_flows(id),
            ast::Expr::Select(sel) => {
                if sel.default_expr().is_some() {
                    // `x.${h} or d`: the selection, not h.
                    return Vec::new();
                }
                match (
                    sel.expr(),
                    sel.attrpath().and_then(|p| syn::attrpath_names(&p)),
                ) {
                    (Some(base), Some(names)) => self
                        .attr_value(&base, &names)
                        .map(|v| self.flows(&v))
                        .unwrap_or_default(),
                    _ => Vec::new(),
                }
            }
            ast::Expr::IfElse(ie) => self.if_flows(ie),
            ast::Expr::Str(s) => {
                let parts = self.str_parts(s);
                derived(parts)
            }
            ast::Expr::BinOp(b) if b.operator() == Some(BinOpKind::Add) => self.add_flows(b),
            ast::Expr::PathAbs(_) | ast::Expr::PathRel(_) | ast::Expr::PathHome(_) => {
                let dir = self.dir_of(e.syntax());
                match self.path_parts(e) {
                    Some((base, parts)) if parts.iter().any(|p| matches!(p, Part::Var(_))) => {
                        path_flows(base.unwrap_or(dir), parts)
                    }
                    _ => Vec::new(),
                }
            }
            ast::Expr::LetIn(l) => l.body().map(|b| self.flows(&b)).unwrap_or_default(),
            ast::Expr::With(w) => w.body().map(|b| self.flows(&b)).unwrap_or_default(),
            ast::Expr::Assert(a) => a.body().map(|b| self.flows(&b)).unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    pub(super) fn ident_flows(&self, id: &ast::Ident) -> Vec<Flow> {
        match self.def_of(id) {
            Def::Binding { value: Some(v), .. } => self.flows(&v),
            Def::InheritFrom { from, name, .. } => self
                .attr_value(&from, std::slice::from_ref(&name))
                .map(|v| self.flows(&v))
                .unwrap_or_default(),
            Def::Param { lambda } => self.param_flows(&lambda),
            Def::Formal {
                lambda,
                entry: Some(entry),
            } => {
                let Some(name) = entry.ident().and_then(|i| syn::ident_name(&i)) else {
                    return Vec::new();
                };
                let mut out = self.formal_flows(&lambda, &name);
                if let Some(d) = entry.default() {
                    out.extend(self.flows(&d));
                }
                out
            }
            _ => Vec::new(),
        }
    }

    pub(super) fn apply_flows(&self, e: &ast::Expr) -> Vec<Flow> {
        if let Some(r) = self.read_of(e.syntax()) {
            return match &r.var {
                Some(var) => vec![Flow {
                    var: var.clone(),
                    shape: Shape::Raw {
                        default: r.default.clone(),
                    },
                }],
                None => Vec::new(),
            };
        }
        let (head, args) = self.spine(e);
        match self.callee(&head) {
            Some(Callee::Prim(name)) => self.prim_flows(&name, &args),
            Some(Callee::Lambda(l)) => {
                // The function's result (its parameters resolve to their
                // call sites, this one included).
                let mut body = l.body();
                let mut rest = args.len();
                while rest > 1 {
                    match body.map(syn::unparen) {
                        Some(ast::Expr::Lambda(inner)) => body = inner.body(),
                        _ => return Vec::new(),
                    }
                    rest -= 1;
                }
                body.map(|b| self.flows(&b)).unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    pub(super) fn prim_flows(&self, name: &str, args: &[ast::Expr]) -> Vec<Flow> {
        let last = |n: usize| {
            if args.len() == n {
                args.last().map(|a| self.flows(a)).unwrap_or_default()
            } else {
                Vec::new()
            }
        };
        match name {
            "splitString" | "split" if args.len() == 2 => {
                let Some(sep) = syn::expr_string(&args[0]) else {
                    return Vec::new();
                };
                self.flows(&args[1])
                    .into_iter()
                    .filter_map(|f| match f.shape {
                        Shape::Raw { default } => Some(Flow {
                            var: f.var,
                            shape: Shape::Items(ListShape {
                                sep: sep.clone(),
                                aliases: Vec::new(),
                                default,
                            }),
                        }),
                        _ => None,
                    })
                    .collect()
            }
            "toLower" | "toUpper" | "trim" | "escapeShellArg" | "strings.trim" => last(1)
                .into_iter()
                .filter(|f| matches!(f.shape, Shape::Raw { .. }))
                .collect(),
            "toInt" | "toIntBase10" | "fromJSON" => last(1)
                .into_iter()
                .filter(|f| matches!(f.shape, Shape::Raw { .. }))
                .map(|f| Flow {
                    var: f.var,
                    shape: Shape::Number,
                })
                .collect(),
            "filter" | "unique" | "sort" | "reverseList" | "remove" | "subtractLists"
            | "filterAttrs" => args
                .last()
                .map(|a| self.flows(a))
                .unwrap_or_default()
                .into_iter()
                .filter(|f| matches!(f.shape, Shape::Items(_)))
                .collect(),
            "head" | "last" | "elemAt" => args
                .first()
                .map(|a| self.flows(a))
                .unwrap_or_default()
                .into_iter()
                .filter_map(|f| match f.shape {
                    Shape::Items(ls) => Some(Flow {
                        var: f.var,
                        shape: Shape::Item(ls),
                    }),
                    _ => None,
                })
                .collect(),
            "mkDefault" | "mkForce" | "mkOverride" | "mkIf" | "optionalString"
            | "mkOptionDefault" | "mkBefore" | "mkAfter" | "id" => {
                args.last().map(|a| self.flows(a)).unwrap_or_default()
            }
            "toString" => last(1),
            _ => Vec::new(),
        }
    }

    /// Flows of a lambda's plain parameter: from the list a `map`/`filter`/...
    /// iterates, or from the arguments at the call sites of the function.
    pub(super) fn param_flows(&self, lambda: &ast::Lambda) -> Vec<Flow> {
        let mut out = Vec::new();
        // Iterated by a list function: `map (x: ...) items`.
        if let Some((name, args, pos)) = self.lambda_as_argument(lambda) {
            let list = match name.as_str() {
                "map" | "filter" | "any" | "all" | "concatMap" | "partition" | "groupBy"
                | "sort" | "genAttrs" | "flip" | "imap0" | "imap1" | "foldl'" | "foldl"
                | "foldr" | "mapAttrs'" => {
                    if pos == 0 {
                        args.get(1)
                    } else {
                        None
                    }
                }
                "forEach" => (pos == 1).then(|| args.first()).flatten(),
                _ => None,
            };
            if let Some(list) = list {
                for f in self.flows(list) {
                    if let Shape::Items(ls) = f.shape {
                        out.push(Flow {
                            var: f.var,
                            shape: Shape::Item(ls),
                        });
                    }
                }
            }
        }
        // Called by name: `f = x: ...; f E`.
        for call in self.call_sites(lambda) {
            if let Some(arg) = call.first() {
                out.extend(self.flows(arg));
            }
        }
        out
    }

    /// If `lambda` is an argument of a prim application: (prim, args, index).
    pub(super) fn lambda_as_argument(
        &self,
        lambda: &ast::Lambda,
    ) -> Option<(String, Vec<ast::Expr>, usize)> {
        // Climb parentheses.
        let mut node = lambda.syntax().clone();
        while let Some(p) = node.parent() {
            if p.kind() == SyntaxKind::NODE_PAREN {
                node = p;
            } else {
                break;
            }
        }
        let app = ast::Apply::cast(node.parent()?)?;
        if app.argument()?.syntax() != &node {
            return None;
        }
        // The outermost application of the spine.
        let mut outer = app.syntax().clone();
        while let Some(p) = outer.parent() {
            match ast::Apply::cast(p.clone()) {
                Some(a) if a.lambda().is_some_and(|l| l.syntax() == &outer) => outer = p,
                _ => break,
            }
        }
        let (name, args) = self.prim_call(&ast::Expr::cast(outer)?)?;
        let pos = args.iter().position(|a| {
            syn::unparen(a.clone()).syntax() == lambda.syntax() || a.syntax() == &node
        })?;
        Some((name, args, pos))
    }

    /// The argument lists of every call of a let-bound lambda (`f = x: ...`).
    pub fn call_sites(&self, lambda: &ast::Lambda) -> Vec<Vec<ast::Expr>> {
        let mut out = Vec::new();
        let Some(av) = lambda.syntax().parent().and_then(ast::AttrpathValue::cast) else {
            return out;
        };
        let Some(path) = av.attrpath() else {
            return out;
        };
        let Some(names) = syn::attrpath_names(&path) else {
            return out;
        };
        let [name] = names.as_slice() else { return out };
        let Some(scope) = av.syntax().parent() else {
            return out;
        };
        let Some(def) = syn::def_of_binding(&scope, &path, &av) else {
            return out;
        };
        for r in self.references(&scope, name, &def) {
            // Climb to the outermost application where r is the head.
            let mut head = r.clone();
            let mut args = Vec::new();
            loop {
                let Some(p) = head.parent() else { break };
                if p.kind() == SyntaxKind::NODE_PAREN {
                    head = p;
                    continue;
                }
                match ast::Apply::cast(p.clone()) {
                    Some(a) if a.lambda().is_some_and(|l| l.syntax() == &head) => {
                        if let Some(arg) = a.argument() {
                            args.push(arg);
                        }
                        head = p;
                    }
                    _ => break,
                }
            }
            if !args.is_empty() {
                out.push(args);
            }
        }
        out
    }

    /// Flows of a formal `{ name, ... }:`: from `f { name = E; }` call sites of
    /// a let-bound function, and from `import ./file.nix { name = E; }` /
    /// `callPackage ./file.nix { name = E; }` when the lambda is a file's value.
    pub(super) fn formal_flows(&self, lambda: &ast::Lambda, name: &str) -> Vec<Flow> {
        let mut out = Vec::new();
        for call in self.call_sites(lambda) {
            if let Some(arg) = call.first()
                && let Some(v) = self.attr_value(arg, &[name.to_string()])
            {
                out.extend(self.flows(&v));
            }
        }
        if self.is_file_value(lambda)
            && let Some(file) = self.file_of(lambda.syntax())
        {
            for arg in self.import_sites(file) {
                if let Some(v) = self.attr_value(&arg, &[name.to_string()]) {
                    out.extend(self.flows(&v));
                }
            }
        }
        out
    }

    pub(super) fn is_file_value(&self, lambda: &ast::Lambda) -> bool {
        let mut node = lambda.syntax().clone();
        while let Some(p) = node.parent() {
            match p.kind() {
                SyntaxKind::NODE_ROOT => return true,
                SyntaxKind::NODE_PAREN => node = p,
                _ => return false,
            }
        }
        false
    }

    /// Arguments passed to `file` by `import`/`callPackage` elsewhere.
    pub fn import_sites(&self, file: usize) -> Vec<ast::Expr> {
        if let Some(mentions) = self.mentions {
            if let Some(known) = self.imports_of.borrow().get(&file) {
                return known.clone();
            }
            // A literal path naming `file` is among the paths its file
            // mentions: only those files are parsed.
            let callers = crate::analysis::scope::mentioning(self.project, mentions, file);
            let mut out = Vec::new();
            for i in callers {
                if !may_call_import(&self.project.files[i].text) {
                    continue;
                }
                for (_, path, arg) in self.import_calls(i) {
                    if self.path_target(i, &path) == Some(file) {
                        out.push(arg);
                    }
                }
            }
            self.imports_of.borrow_mut().insert(file, out.clone());
            return out;
        }
        if self.imports.borrow().is_none() {
            // One pass over the files that can call `import`/`callPackage`,
            // indexing every call by the file it names.
            let mut index: HashMap<usize, Vec<ast::Expr>> = HashMap::new();
            for (i, f) in self.project.files.iter().enumerate() {
                if !may_call_import(&f.text) {
                    continue;
                }
                for (_, path, arg) in self.import_calls(i) {
                    if let Some(target) = self.path_target(i, &path) {
                        index.entry(target).or_default().push(arg);
                    }
                }
            }
            *self.imports.borrow_mut() = Some(index);
        }
        self.imports
            .borrow()
            .as_ref()
            .and_then(|m| m.get(&file))
            .cloned()
            .unwrap_or_default()
    }

    /// The `import`, `callPackage` and `callPackageWith` calls in file `f`
    /// that pass an argument: the function's name, the path expression and
    /// the argument.
    pub(super) fn import_calls(&self, f: usize) -> Vec<(String, ast::Expr, ast::Expr)> {
        let mut out = Vec::new();
        for node in self.project.files[f].parsed().syntax().descendants() {
            if node.kind() != SyntaxKind::NODE_APPLY {
                continue;
            }
            // Only the outermost application of a spine: the inner ones
            // pass fewer arguments to the same function.
            if node.parent().is_some_and(|p| {
                p.kind() == SyntaxKind::NODE_APPLY && p.first_child().as_ref() == Some(&node)
            }) {
                continue;
            }
            let Some(e) = ast::Expr::cast(node) else {
                continue;
            };
            let Some((prim, args)) = self.prim_call(&e) else {
                continue;
            };
            let (path, arg) = match (prim.as_str(), args.as_slice()) {
                ("import" | "callPackage", [path, arg, ..]) => (path, arg),
                ("callPackageWith", [_, path, arg, ..]) => (path, arg),
                _ => continue,
            };
            out.push((prim.clone(), path.clone(), arg.clone()));
        }
        out
    }

    /// The project file a literal path expression (in file `from`) names.
    pub fn path_target(&self, from: usize, e: &ast::Expr) -> Option<usize> {
        let text = literal_path(e)?;
        let dir = self.project.files[from].path.parent()?;
        self.resolve(dir, &text)
    }

    pub(super) fn if_flows(&self, ie: &ast::IfElse) -> Vec<Flow> {
        let (Some(cond), Some(then_e), Some(else_e)) = (ie.condition(), ie.body(), ie.else_body())
        else {
            return Vec::new();
        };
        let then_f = self.flows(&then_e);
        let else_f = self.flows(&else_e);
        let mut out = Vec::new();
        let mut consumed = false;
        if let Some(test) = self.test_of(&cond, None)
            && let (Shape::Raw { default: None }, Pred::Eq(lit)) = (&test.shape, &test.pred)
        {
            // The branch taken when var == lit, and the other one's flows.
            let (lit_branch, other) = if test.positive {
                (&then_e, &else_f)
            } else {
                (&else_e, &then_f)
            };
            for f in other {
                if f.var != test.var {
                    continue;
                }
                match &f.shape {
                    Shape::Raw { default: None } if lit.is_empty() => {
                        if let Some(d) = syn::expr_string(lit_branch) {
                            out.push(Flow {
                                var: f.var.clone(),
                                shape: Shape::Raw { default: Some(d) },
                            });
                            consumed = true;
                        }
                    }
                    Shape::Items(ls) => {
                        if let Some(list) = syn::expr_string_list(lit_branch) {
                            let mut ls = ls.clone();
                            if !ls.aliases.iter().any(|(k, _)| k == lit) {
                                ls.aliases.insert(0, (lit.clone(), list));
                            }
                            out.push(Flow {
                                var: f.var.clone(),
                                shape: Shape::Items(ls),
                            });
                            consumed = true;
                        }
                    }
                    _ => {}
                }
            }
            if consumed {
                out.extend(
                    then_f
                        .iter()
                        .chain(else_f.iter())
                        .filter(|f| f.var != test.var)
                        .cloned(),
                );
                return out;
            }
        }
        out.extend(then_f);
        out.extend(else_f);
        out
    }

    pub(super) fn str_parts(&self, s: &ast::Str) -> Vec<Part> {
        let mut parts = Vec::new();
        for child in s.syntax().children_with_tokens() {
            match child {
                rowan::NodeOrToken::Token(t) if t.kind() == SyntaxKind::TOKEN_STRING_CONTENT => {
                    parts.push(Part::Lit(t.text().to_string()))
                }
                rowan::NodeOrToken::Node(n) => {
                    let flows = ast::Interpol::cast(n)
                        .and_then(|i| i.expr())
                        .map(|x| (syn::expr_string(&x), self.flows(&x)));
                    match flows {
                        Some((Some(lit), _)) => parts.push(Part::Lit(lit)),
                        Some((None, fl)) => parts.push(part_of(&fl)),
                        None => parts.push(Part::Unknown),
                    }
                }
                _ => {}
            }
        }
        parts
    }

    /// `(base directory if absolute, parts)` of a path literal.
    pub(super) fn path_parts(&self, e: &ast::Expr) -> Option<(Option<PathBuf>, Vec<Part>)> {
        let mut parts = Vec::new();
        let mut base = None;
        for child in e.syntax().children_with_tokens() {
            match child {
                rowan::NodeOrToken::Token(t) => {
                    let text = t.text();
                    if t.kind() == SyntaxKind::TOKEN_PATH_ABS && parts.is_empty() {
                        base = Some(PathBuf::from("/"));
                    }
                    parts.push(Part::Lit(text.to_string()))
                }
                rowan::NodeOrToken::Node(n) => {
                    let x = ast::Interpol::cast(n).and_then(|i| i.expr());
                    match x {
                        Some(x) => match syn::expr_string(&x) {
                            Some(l) => parts.push(Part::Lit(l)),
                            None => parts.push(part_of(&self.flows(&x))),
                        },
                        None => parts.push(Part::Unknown),
                    }
                }
            }
        }
        Some((base, parts))
    }

    pub(super) fn add_flows(&self, b: &ast::BinOp) -> Vec<Flow> {
        let (Some(l), Some(r)) = (b.lhs(), b.rhs()) else {
            return Vec::new();
        };
        let lp = self.string_parts_of(&l);
        let rp = self.string_parts_of(&r);
        // `./. + "/hosts/${h}"` or `./hosts + "/${h}.nix"`: a path.
        if let Some(lpath) = literal_path(&l)
            && !matches!(syn::unparen(l.clone()), ast::Expr::Str(_))
        {
            let dir = self.dir_of(b.syntax());
            let mut parts = vec![Part::Lit(lpath)];
            parts.extend(rp);
            if parts.iter().any(|p| matches!(p, Part::Var(_))) {
                return path_flows(dir, parts);
            }
            return Vec::new();
        }
        for f in self.flows(&l) {
            if let Shape::PathT { dir, mut parts } = f.shape {
                parts.extend(rp.clone());
                return path_flows(dir, parts);
            }
        }
        let mut parts = lp;
        parts.extend(rp);
        derived(parts)
    }

    /// An expression as string parts.
    pub(super) fn string_parts_of(&self, e: &ast::Expr) -> Vec<Part> {
        if let Some(s) = syn::expr_string(e) {
            return vec![Part::Lit(s)];
        }
        let flows = self.flows(e);
        for f in &flows {
            if let Shape::Derived(p) = &f.shape {
                return p.clone();
            }
        }
        vec![part_of(&flows)]
    }

    /// The value bound at `names` in the attribute set `base` denotes.
    pub fn attr_value(&self, base: &ast::Expr, names: &[String]) -> Option<ast::Expr> {
        let set = self.as_attrset(base, 0)?;
        attrset_lookup(&set, names).or_else(|| {
            // `a.b = x;` written as nested paths.
            let (first, rest) = names.split_first()?;
            let v = attrset_lookup(&set, std::slice::from_ref(first))?;
            if rest.is_empty() {
                Some(v)
            } else {
                self.attr_value(&v, rest)
            }
        })
    }

    /// Resolve an expression to an attribute set literal it denotes.
    pub fn as_attrset(&self, e: &ast::Expr, depth: u32) -> Option<ast::AttrSet> {
        if depth > 32 {
            return None;
        }
        match syn::unparen(e.clone()) {
            ast::Expr::AttrSet(s) => Some(s),
            ast::Expr::LetIn(l) => self.as_attrset(&l.body()?, depth + 1),
            ast::Expr::Ident(id) => match self.def_of(&id) {
                Def::Binding { value: Some(v), .. } => self.as_attrset(&v, depth + 1),
                Def::InheritFrom { from, name, .. } => {
                    let v = self.attr_value(&from, &[name])?;
                    self.as_attrset(&v, depth + 1)
                }
                _ => None,
            },
            ast::Expr::Select(sel) => {
                let names = syn::attrpath_names(&sel.attrpath()?)?;
                let v = self.attr_value(&sel.expr()?, &names)?;
                self.as_attrset(&v, depth + 1)
            }
            x @ ast::Expr::Apply(_) => {
                // `import ./x.nix { ... }`, `callPackage ./x.nix { }`: the set
                // the file's function returns.
                let (prim, args) = self.prim_call(&x)?;
                let path = match prim.as_str() {
                    "import" | "callPackage" => args.first()?,
                    _ => return None,
                };
                let from = self.file_of(x.syntax())?;
                let target = self.path_target(from, path)?;
                let body = self.project.files[target].parsed().root().expr()?;
                let mut body = syn::unparen(body);
                for _ in 0..args.len().saturating_sub(1).max(1) {
                    match body {
                        ast::Expr::Lambda(l) => body = syn::unparen(l.body()?),
                        _ => break,
                    }
                }
                self.as_attrset(&body, depth + 1)
            }
            ast::Expr::With(w) => self.as_attrset(&w.body()?, depth + 1),
            _ => None,
        }
    }

    /// The static keys of an attribute set expression.
    pub fn attrset_keys(&self, e: &ast::Expr) -> Option<Vec<String>> {
        let set = self.as_attrset(e, 0)?;
        let mut keys = Vec::new();
        for entry in set.entries() {
            match entry {
                ast::Entry::AttrpathValue(av) => {
                    let first = av.attrpath()?.attrs().next()?;
                    keys.push(syn::attr_name(&first)?);
                }
                ast::Entry::Inherit(inh) => {
                    for a in inh.attrs() {
                        keys.push(syn::attr_name(&a)?);
                    }
                }
            }
        }
        keys.sort();
        keys.dedup();
        Some(keys)
    }
}

pub(super) fn dedup(v: &mut Vec<Flow>) {
    let mut seen = HashSet::new();
    v.retain(|f| seen.insert(f.clone()));
}

/// The single variable an interpolated expression carries, as a part.
pub(super) fn part_of(flows: &[Flow]) -> Part {
    let raws: Vec<&Flow> = flows
        .iter()
        .filter(|f| matches!(f.shape, Shape::Raw { .. } | Shape::Item(_)))
        .collect();
    match raws.as_slice() {
        [one] => Part::Var(one.var.clone()),
        _ => Part::Unknown,
    }
}

pub(super) fn derived(parts: Vec<Part>) -> Vec<Flow> {
    let mut vars: Vec<String> = parts
        .iter()
        .filter_map(|p| match p {
            Part::Var(v) => Some(v.clone()),
            _ => None,
        })
        .collect();
    vars.sort();
    vars.dedup();
    vars.into_iter()
        .map(|var| Flow {
            var,
            shape: Shape::Derived(parts.clone()),
        })
        .collect()
}

pub(super) fn path_flows(dir: PathBuf, parts: Vec<Part>) -> Vec<Flow> {
    derived(parts.clone())
        .into_iter()
        .map(|f| Flow {
            var: f.var,
            shape: Shape::PathT {
                dir: dir.clone(),
                parts: parts.clone(),
            },
        })
        .collect()
}

/// Find `names` in an attribute set literal (nested attribute paths included).
pub(super) fn attrset_lookup(set: &ast::AttrSet, names: &[String]) -> Option<ast::Expr> {
    for entry in set.entries() {
        match entry {
            ast::Entry::AttrpathValue(av) => {
                let Some(path) = av.attrpath().and_then(|p| syn::attrpath_names(&p)) else {
                    continue;
                };
                if path.as_slice() == names {
                    return av.value();
                }
                if names.starts_with(&path)
                    && let Some(ast::Expr::AttrSet(inner)) = av.value().map(syn::unparen)
                    && let Some(v) = attrset_lookup(&inner, &names[path.len()..])
                {
                    return Some(v);
                }
            }
            ast::Entry::Inherit(inh) => {
                if names.len() != 1 {
                    continue;
                }
                for a in inh.attrs() {
                    if syn::attr_name(&a).as_deref() == Some(names[0].as_str()) {
                        // `inherit x;` → the x in scope; `inherit (e) x;` → e.x
                        return match inh.from().and_then(|f| f.expr()) {
                            Some(_) => None,
                            None => match a {
                                ast::Attr::Ident(id) => Some(ast::Expr::Ident(id)),
                                _ => None,
                            },
                        };
                    }
                }
            }
        }
    }
    None
}

/// Whether `text` can hold an `import`, `callPackage` or `callPackageWith`
/// call: it names one of them (`imports` alone does not count).
pub(super) fn may_call_import(text: &str) -> bool {
    if crate::syntax::has_text(text, "callPackage") {
        return true;
    }
    text.match_indices("import").any(|(at, _)| {
        let before = text[..at].bytes().next_back();
        let after = text.as_bytes().get(at + 6).copied();
        let ident = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'\'' | b'-');
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}
