//! Fact collection: walking files for comparisons, branches and uses.

use super::*;

impl Analyzer<'_> {
    // ----- fact collection ---------------------------------------------

    /// Collect reads, facts and branches of the given files.
    pub fn collect(&self, files: &[usize]) -> Facts {
        let mut out = Facts::default();
        for &i in files {
            let root = self.project.files[i].parsed().syntax();
            out.reads.extend(self.reads_in(i));
            for node in root.descendants() {
                stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || self.visit(&node, &mut out));
            }
        }
        let mut seen = HashSet::new();
        out.facts.retain(|f| seen.insert(f.clone()));
        let mut seen = HashSet::new();
        out.branches.retain(|b| seen.insert(b.clone()));
        out
    }

    pub(super) fn push(&self, out: &mut Facts, var: &str, kind: FactKind, node: &SyntaxNode) {
        if let Some(site) = self.site(node) {
            out.facts.push(Fact {
                var: var.to_string(),
                kind,
                site,
            });
        }
    }

    pub(super) fn record_test(&self, out: &mut Facts, test: Test, node: &SyntaxNode) {
        self.push(out, &test.var.clone(), FactKind::Test(test.clone()), node);
        let mut seen = HashSet::new();
        self.branches_of(out, &test, node, &mut seen, 0);
    }

    /// Where a test's value decides which code runs.
    pub(super) fn branches_of(
        &self,
        out: &mut Facts,
        test: &Test,
        node: &SyntaxNode,
        seen: &mut HashSet<SyntaxNode>,
        depth: u32,
    ) {
        if depth > 16 || !seen.insert(node.clone()) {
            return;
        }
        let mut cur = node.clone();
        let mut test = test.clone();
        while let Some(p) = cur.parent() {
            match p.kind() {
                SyntaxKind::NODE_PAREN => {}
                SyntaxKind::NODE_UNARY_OP
                    if ast::UnaryOp::cast(p.clone()).and_then(|u| u.operator())
                        == Some(UnaryOpKind::Invert) =>
                {
                    test = test.negated();
                }
                SyntaxKind::NODE_IF_ELSE => {
                    let ie = ast::IfElse::cast(p.clone()).expect("if");
                    if ie.condition().is_some_and(|c| c.syntax() == &cur)
                        && let Some(site) = self.site(&cur)
                    {
                        out.branches.push(Branch {
                            test: test.clone(),
                            site,
                            then_range: ie.body().map(|b| b.syntax().text_range()),
                            else_range: ie.else_body().map(|b| b.syntax().text_range()),
                        });
                    }
                    return;
                }
                SyntaxKind::NODE_APPLY => {
                    // `lib.mkIf cond value`, `lib.optional(s) cond value`, ...
                    let Some(app) = ast::Apply::cast(p.clone()) else {
                        return;
                    };
                    if app.argument().is_some_and(|a| a.syntax() == &cur)
                        && let Some(outer) = p.parent().and_then(ast::Apply::cast)
                        && outer.lambda().is_some_and(|l| l.syntax() == &p)
                        && let Some(f) = app.lambda()
                        && let Some(Callee::Prim(name)) = self.callee(&f)
                        && matches!(
                            name.as_str(),
                            "mkIf" | "optional" | "optionals" | "optionalString" | "optionalAttrs"
                        )
                        && let Some(site) = self.site(&cur)
                    {
                        out.branches.push(Branch {
                            test: test.clone(),
                            site,
                            then_range: outer.argument().map(|a| a.syntax().text_range()),
                            else_range: None,
                        });
                    }
                    return;
                }
                SyntaxKind::NODE_ATTRPATH_VALUE => {
                    // A let/rec-bound boolean: follow its references.
                    let av = ast::AttrpathValue::cast(p.clone()).expect("binding");
                    if av.value().is_none_or(|v| v.syntax() != &cur) {
                        return;
                    }
                    let Some(scope) = p.parent() else { return };
                    let Some(path) = av.attrpath() else { return };
                    let Some(names) = syn::attrpath_names(&path) else {
                        return;
                    };
                    let [name] = names.as_slice() else { return };
                    let Some(def) = syn::def_of_binding(&scope, &path, &av) else {
                        return;
                    };
                    for r in self.references(&scope, name, &def) {
                        if r.parent()
                            .is_some_and(|p| p.kind() == SyntaxKind::NODE_INHERIT)
                        {
                            continue;
                        }
                        self.branches_of(out, &test, &r, seen, depth + 1);
                    }
                    return;
                }
                _ => return,
            }
            cur = p;
        }
    }

    pub(super) fn visit(&self, node: &SyntaxNode, out: &mut Facts) {
        match node.kind() {
            SyntaxKind::NODE_BIN_OP => {
                let Some(b) = ast::BinOp::cast(node.clone()) else {
                    return;
                };
                match b.operator() {
                    Some(BinOpKind::Equal | BinOpKind::NotEqual) => {
                        if let Some(t) = self.test_of(&ast::Expr::BinOp(b), None) {
                            self.record_test(out, t, node);
                        }
                    }
                    Some(BinOpKind::Add) => {
                        // The outermost `+` of a path built from a variable.
                        if node.parent().is_some_and(|p| {
                            ast::BinOp::cast(p)
                                .is_some_and(|pb| pb.operator() == Some(BinOpKind::Add))
                        }) {
                            return;
                        }
                        for f in self.flows(&ast::Expr::BinOp(b)) {
                            if let Shape::PathT { dir, parts } = f.shape {
                                self.push(out, &f.var, FactKind::Path { dir, parts }, node);
                            }
                        }
                    }
                    _ => {}
                }
            }
            SyntaxKind::NODE_PATH_REL | SyntaxKind::NODE_PATH_ABS | SyntaxKind::NODE_PATH_HOME => {
                // An interpolated path, unless it is the left of a `+` (visited there).
                let Some(e) = ast::Expr::cast(node.clone()) else {
                    return;
                };
                for f in self.flows(&e) {
                    if let Shape::PathT { dir, parts } = f.shape {
                        self.push(out, &f.var, FactKind::Path { dir, parts }, node);
                    }
                }
            }
            SyntaxKind::NODE_APPLY => self.visit_apply(node, out),
            SyntaxKind::NODE_DYNAMIC => {
                let Some(d) = ast::Dynamic::cast(node.clone()) else {
                    return;
                };
                let Some(x) = d.expr() else { return };
                let flows: Vec<Flow> = self
                    .flows(&x)
                    .into_iter()
                    .filter(|f| matches!(f.shape, Shape::Raw { .. } | Shape::Item(_)))
                    .collect();
                if flows.is_empty() {
                    return;
                }
                // `set.${v}`: the keys of set; `name.${v} = ...`: defines it.
                let attrpath = node.parent();
                let keys = attrpath
                    .as_ref()
                    .and_then(|p| p.parent())
                    .and_then(ast::Select::cast)
                    .and_then(|sel| {
                        let base = sel.expr()?;
                        // Only the first dynamic component selects from base.
                        let first = sel.attrpath()?.attrs().next()?;
                        if first.syntax() != node {
                            return None;
                        }
                        self.attrset_keys(&base)
                    });
                for f in flows {
                    self.push(out, &f.var, FactKind::AttrName { keys: keys.clone() }, node);
                }
            }
            SyntaxKind::NODE_STRING => {
                // A plain string use: interpolated into a string (not a path).
                if node.parent().is_some_and(|p| {
                    matches!(
                        p.kind(),
                        SyntaxKind::NODE_DYNAMIC | SyntaxKind::NODE_ATTRPATH
                    )
                }) {
                    return;
                }
                for child in node.children() {
                    let Some(x) = ast::Interpol::cast(child).and_then(|i| i.expr()) else {
                        continue;
                    };
                    self.string_use_flows(&x, node, out);
                }
            }
            SyntaxKind::NODE_INHERIT => {
                // `inherit x;` in a plain attribute set: a string use of x.
                let plain = node
                    .parent()
                    .and_then(ast::AttrSet::cast)
                    .is_some_and(|s| s.rec_token().is_none());
                let from = node
                    .children()
                    .any(|c| c.kind() == SyntaxKind::NODE_INHERIT_FROM);
                if !plain || from {
                    return;
                }
                for child in node.children() {
                    if let Some(id) = ast::Ident::cast(child) {
                        self.string_use(&ast::Expr::Ident(id), out);
                    }
                }
            }
            SyntaxKind::NODE_ATTRPATH_VALUE => {
                // `option = value;` in a plain attribute set: a string use.
                let Some(av) = ast::AttrpathValue::cast(node.clone()) else {
                    return;
                };
                let plain = node
                    .parent()
                    .and_then(ast::AttrSet::cast)
                    .is_some_and(|s| s.rec_token().is_none());
                if !plain {
                    return;
                }
                if let Some(v) = av.value() {
                    self.string_use(&v, out);
                }
            }
            SyntaxKind::NODE_LIST => {
                let Some(l) = ast::List::cast(node.clone()) else {
                    return;
                };
                for item in l.items() {
                    self.string_use(&item, out);
                }
            }
            _ => {}
        }
    }

    pub(super) fn string_use(&self, v: &ast::Expr, out: &mut Facts) {
        if matches!(syn::unparen(v.clone()), ast::Expr::Str(_)) {
            return;
        }
        self.string_use_flows(v, v.syntax(), out);
    }

    pub(super) fn string_use_flows(&self, v: &ast::Expr, site: &SyntaxNode, out: &mut Facts) {
        for f in self.flows(v) {
            match &f.shape {
                Shape::Raw { default } => {
                    self.push(out, &f.var, FactKind::Str, site);
                    if let Some(d) = default {
                        self.push(out, &f.var, FactKind::Default(d.clone()), site);
                    }
                }
                Shape::Item(_) => self.push(out, &f.var, FactKind::Str, site),
                Shape::Derived(parts) => {
                    for p in parts {
                        if matches!(p, Part::Var(x) if *x == f.var) {
                            self.push(out, &f.var, FactKind::Str, site);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    pub(super) fn visit_apply(&self, node: &SyntaxNode, out: &mut Facts) {
        // Only the outermost application of a spine.
        if node.parent().is_some_and(|p| {
            ast::Apply::cast(p)
                .and_then(|a| a.lambda())
                .is_some_and(|l| l.syntax() == node)
        }) {
            return;
        }
        let Some(e) = ast::Expr::cast(node.clone()) else {
            return;
        };
        let (head, args) = self.spine(&e);
        match self.callee(&head) {
            Some(Callee::Prim(name)) => match (name.as_str(), args.as_slice()) {
                ("elem" | "any", [_, _]) => {
                    if let Some(t) = self.test_of(&e, None) {
                        self.record_test(out, t, node);
                    }
                }
                ("splitString" | "split", [_, _]) => {
                    for f in self.flows(&e) {
                        if let Shape::Items(ls) = f.shape {
                            let sep = ls.sep.clone();
                            self.push(out, &f.var, FactKind::Split { sep, shape: ls }, node);
                        }
                    }
                }
                ("toInt" | "toIntBase10" | "fromJSON", [_]) => {
                    for f in self.flows(&e) {
                        if f.shape == Shape::Number {
                            self.push(out, &f.var, FactKind::Number, node);
                        }
                    }
                }
                ("getAttr" | "hasAttr", [name, set]) => {
                    let keys = self.attrset_keys(set);
                    for f in self.flows(name) {
                        if matches!(f.shape, Shape::Raw { .. } | Shape::Item(_)) {
                            self.push(out, &f.var, FactKind::AttrName { keys: keys.clone() }, node);
                        }
                    }
                }
                ("attrVals" | "getAttrs" | "catAttrs", [names, set]) => {
                    let keys = self.attrset_keys(set);
                    for f in self.flows(names) {
                        if matches!(f.shape, Shape::Items(_)) {
                            self.push(out, &f.var, FactKind::AttrName { keys: keys.clone() }, node);
                        }
                    }
                }
                ("attrByPath" | "hasAttrByPath" | "getAttrFromPath", [path, ..]) => {
                    if let ast::Expr::List(l) = syn::unparen(path.clone()) {
                        let set = args.last();
                        let keys = set.and_then(|s| self.attrset_keys(s));
                        for item in l.items() {
                            for f in self.flows(&item) {
                                if matches!(f.shape, Shape::Raw { .. } | Shape::Item(_)) {
                                    self.push(
                                        out,
                                        &f.var,
                                        FactKind::AttrName { keys: keys.clone() },
                                        node,
                                    );
                                }
                            }
                        }
                    }
                }
                (
                    "hasPrefix" | "hasSuffix" | "hasInfix" | "match" | "replaceStrings"
                    | "removePrefix" | "removeSuffix" | "stringLength" | "substring",
                    _,
                ) => {
                    if let Some(a) = args.last() {
                        for f in self.flows(a) {
                            if matches!(f.shape, Shape::Raw { .. }) {
                                self.push(out, &f.var, FactKind::Str, node);
                            }
                        }
                    }
                }
                (
                    "getEnv" | "maybeEnv" | "import" | "callPackage" | "map" | "filter" | "mkIf"
                    | "optional" | "optionals" | "optionalString" | "optionalAttrs" | "mkDefault"
                    | "mkForce" | "mkOverride",
                    _,
                ) => {}
                _ => {
                    // An argument to another function: a string use.
                    for a in &args {
                        self.string_use(a, out);
                    }
                }
            },
            Some(Callee::Lambda(_)) => {
                // A predicate function applied to a literal.
                if args.len() == 1
                    && let Some(t) = self.test_of(&e, None)
                {
                    self.record_test(out, t, node);
                }
            }
            _ => {
                // An unknown function (`pkgs.dockerTools.buildImage { ... }`).
                for a in &args {
                    self.string_use(a, out);
                }
            }
        }
    }
}
