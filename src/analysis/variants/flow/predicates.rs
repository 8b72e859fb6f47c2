//! Which literal tests an expression applies to an environment value.

use super::*;

impl Analyzer<'_> {
    // ----- tests -------------------------------------------------------

    /// Classify a boolean expression as a test on one variable. `subst`
    /// substitutes a literal for a lambda's parameter (`includeGroup "k"`).
    pub fn test_of(&self, e: &ast::Expr, subst: Option<(&ast::Lambda, &str)>) -> Option<Test> {
        *self.depth.borrow_mut() += 1;
        let r = if *self.depth.borrow() > MAX_DEPTH {
            None
        } else {
            stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || self.test_of_inner(e, subst))
        };
        *self.depth.borrow_mut() -= 1;
        r
    }

    pub(super) fn literal(
        &self,
        e: &ast::Expr,
        subst: Option<(&ast::Lambda, &str)>,
    ) -> Option<String> {
        if let Some(s) = syn::expr_string(e) {
            return Some(s);
        }
        let (lambda, value) = subst?;
        if let ast::Expr::Ident(id) = syn::unparen(e.clone())
            && let Def::Param { lambda: l } = self.def_of(&id)
            && &l == lambda
        {
            return Some(value.to_string());
        }
        None
    }

    pub(super) fn literal_list(
        &self,
        e: &ast::Expr,
        subst: Option<(&ast::Lambda, &str)>,
    ) -> Option<Vec<String>> {
        match syn::unparen(e.clone()) {
            ast::Expr::List(l) => l.items().map(|i| self.literal(&i, subst)).collect(),
            ast::Expr::Ident(id) => match self.def_of(&id) {
                Def::Binding { value: Some(v), .. } => syn::expr_string_list(&v),
                _ => None,
            },
            _ => None,
        }
    }

    pub(super) fn test_of_inner(
        &self,
        e: &ast::Expr,
        subst: Option<(&ast::Lambda, &str)>,
    ) -> Option<Test> {
        match syn::unparen(e.clone()) {
            ast::Expr::UnaryOp(u) if u.operator() == Some(UnaryOpKind::Invert) => {
                self.test_of(&u.expr()?, subst).map(Test::negated)
            }
            ast::Expr::BinOp(b)
                if matches!(b.operator(), Some(BinOpKind::Equal | BinOpKind::NotEqual)) =>
            {
                let positive = b.operator() == Some(BinOpKind::Equal);
                let (l, r) = (b.lhs()?, b.rhs()?);
                let (side, lit) = match (self.literal(&l, subst), self.literal(&r, subst)) {
                    (None, Some(lit)) => (l, lit),
                    (Some(lit), None) => (r, lit),
                    _ => return None,
                };
                let flows = self.flows(&side);
                let f = flows
                    .into_iter()
                    .find(|f| matches!(f.shape, Shape::Raw { .. } | Shape::Item(_)))?;
                let pred = match f.shape {
                    Shape::Item(_) => Pred::Member(lit),
                    _ => Pred::Eq(lit),
                };
                Some(Test {
                    var: f.var,
                    shape: f.shape,
                    pred,
                    positive,
                })
            }
            ast::Expr::Ident(id) => match self.def_of(&id) {
                Def::Binding { value: Some(v), .. } => self.test_of(&v, subst),
                _ => None,
            },
            x @ ast::Expr::Apply(_) => {
                let (head, args) = self.spine(&x);
                match self.callee(&head)? {
                    Callee::Prim(name) => match (name.as_str(), args.as_slice()) {
                        ("elem", [x, list]) => {
                            if let Some(lit) = self.literal(x, subst) {
                                let f = self
                                    .flows(list)
                                    .into_iter()
                                    .find(|f| matches!(f.shape, Shape::Items(_)))?;
                                Some(Test {
                                    var: f.var,
                                    shape: f.shape,
                                    pred: Pred::Member(lit),
                                    positive: true,
                                })
                            } else {
                                let lits = self.literal_list(list, subst)?;
                                let f = self.flows(x).into_iter().find(|f| {
                                    matches!(f.shape, Shape::Raw { .. } | Shape::Item(_))
                                })?;
                                let pred = match (&f.shape, lits.as_slice()) {
                                    (Shape::Item(_), [one]) => Pred::Member(one.clone()),
                                    (Shape::Item(_), _) => return None,
                                    _ => Pred::OneOf(lits),
                                };
                                Some(Test {
                                    var: f.var,
                                    shape: f.shape,
                                    pred,
                                    positive: true,
                                })
                            }
                        }
                        ("any", [pred, list]) => {
                            let f = self
                                .flows(list)
                                .into_iter()
                                .find(|f| matches!(f.shape, Shape::Items(_)))?;
                            let ast::Expr::Lambda(l) = syn::unparen(pred.clone()) else {
                                return None;
                            };
                            // `x: x == "lit"`
                            let lit = self.param_compared_literal(&l, subst)?;
                            Some(Test {
                                var: f.var,
                                shape: f.shape,
                                pred: Pred::Member(lit),
                                positive: true,
                            })
                        }
                        ("hasAttr", _) | ("stringLength", _) => None,
                        _ => None,
                    },
                    Callee::Lambda(l) => {
                        // A predicate function applied to a literal.
                        let [arg] = args.as_slice() else { return None };
                        let lit = self.literal(arg, subst)?;
                        if !matches!(l.param(), Some(ast::Param::IdentParam(_))) {
                            return None;
                        }
                        self.test_of(&l.body()?, Some((&l, &lit)))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// For `x: x == "lit"`, the literal.
    pub(super) fn param_compared_literal(
        &self,
        l: &ast::Lambda,
        subst: Option<(&ast::Lambda, &str)>,
    ) -> Option<String> {
        let ast::Expr::BinOp(b) = syn::unparen(l.body()?) else {
            return None;
        };
        if b.operator() != Some(BinOpKind::Equal) {
            return None;
        }
        let is_param = |e: &ast::Expr| matches!(syn::unparen(e.clone()), ast::Expr::Ident(id) if matches!(self.def_of(&id), Def::Param { lambda } if &lambda == l));
        let (lhs, rhs) = (b.lhs()?, b.rhs()?);
        if is_param(&lhs) {
            self.literal(&rhs, subst)
        } else if is_param(&rhs) {
            self.literal(&lhs, subst)
        } else {
            None
        }
    }
}
