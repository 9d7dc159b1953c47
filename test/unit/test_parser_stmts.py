"""Tests of the Charl parser's statements, declarations (functions, models, types) and the spans it
gives every node."""

from __future__ import annotations

from parser_util import expr, prog, sx

from charlc import syntax as s

# ---------------------------------------------------------------------------------------------
# Statements


def test_let_forms() -> None:
    a, b, c, d = prog(
        "let x = 3.0\nlet mut w: tensor<float32, [2]> = [0.0, 0.0]\n"
        "let (loss, g) = f(w)\nlet mut (a, (b, c)): (int32, (int32, int32)) = t"
    ).items
    assert isinstance(a, s.Let) and not a.mutable and a.type_ann is None
    assert isinstance(a.target, s.NameTarget) and a.target.name == "x"
    assert isinstance(b, s.Let) and b.mutable and isinstance(b.type_ann, s.TensorTypeExpr)
    assert isinstance(c, s.Let) and isinstance(c.target, s.TupleTarget)
    assert [t.name for t in c.target.elems if isinstance(t, s.NameTarget)] == ["loss", "g"]
    assert isinstance(d, s.Let) and d.mutable and isinstance(d.target, s.TupleTarget)
    inner = d.target.elems[1]
    assert isinstance(inner, s.TupleTarget) and len(inner.elems) == 2
    assert isinstance(d.type_ann, s.TupleTypeExpr) and isinstance(d.type_ann.elems[1], s.TupleTypeExpr)


def test_assignment_forms() -> None:
    a, b, c, d = prog(
        "w = w - 1\nkv[t] = k_new\nx[0:2, :] = zeros([2, 4])\n(m, opt) = adam(m, g, opt, lr: 0.001)"
    ).items
    assert isinstance(a, s.Assign) and isinstance(a.target, s.Name)
    assert isinstance(b, s.Assign) and sx(b.target) == "(index kv t)"
    assert isinstance(c, s.Assign) and sx(c.target) == "(index x (slice 0 2) (slice _ _))"
    assert isinstance(d, s.Assign) and sx(d.target) == "(tuple m opt)"
    assert sx(d.value) == "(call adam m g opt lr=0.001)"


def test_expression_statement_and_semicolons() -> None:
    items = prog("print(x); print(y);; f(1)\n").items
    assert [type(i) for i in items] == [s.ExprStmt, s.ExprStmt, s.ExprStmt]


def test_if_else_chain() -> None:
    [stmt] = prog("if a { f() } else if b { g() } else { h() }").items
    assert isinstance(stmt, s.If) and sx(stmt.cond) == "a"
    assert isinstance(stmt.orelse, s.If) and sx(stmt.orelse.cond) == "b"
    assert isinstance(stmt.orelse.orelse, s.Block) and len(stmt.orelse.orelse.stmts) == 1


def test_if_allows_newlines_before_brace_and_else() -> None:
    [stmt] = prog("if a\n{\n  f()\n}\nelse\n{\n  g()\n}\n").items
    assert isinstance(stmt, s.If) and isinstance(stmt.orelse, s.Block)
    a, b = prog("if a { f() }\nx = 1").items
    assert isinstance(a, s.If) and a.orelse is None and isinstance(b, s.Assign)


def test_loops_and_jumps() -> None:
    a, b = prog("for i in 0..n + 1 {\n  if i == 1 { continue }\n  break\n}\nwhile i < 10 { i = i + 1 }").items
    assert isinstance(a, s.For) and a.var.name == "i" and sx(a.start) == "0" and sx(a.end) == "(+ n 1)"
    assert [type(x) for x in a.body.stmts] == [s.If, s.Break]
    first = a.body.stmts[0]
    assert isinstance(first, s.If) and isinstance(first.then.stmts[0], s.Continue)
    assert isinstance(b, s.While) and sx(b.cond) == "(< i 10)"


def test_return_with_and_without_value() -> None:
    [fn] = prog("fn f() { return }\n").items
    assert isinstance(fn, s.FnDecl) and isinstance(fn.body.stmts[0], s.Return) and fn.body.stmts[0].value is None
    [fn] = prog("fn f() {\n  return (a, b)\n}").items
    assert isinstance(fn, s.FnDecl)
    ret = fn.body.stmts[0]
    assert isinstance(ret, s.Return) and sx(ret.value) == "(tuple a b)"


def test_nested_blocks() -> None:
    [b] = prog("{\n  let x = 1\n  {\n    print(x)\n  }\n}").items
    assert isinstance(b, s.Block) and isinstance(b.stmts[1], s.Block)


# ---------------------------------------------------------------------------------------------
# Declarations and types


def test_function_declaration() -> None:
    [fn] = prog("fn f(a: tensor<float32, [N, K]>, b: tensor<float32, [K, ?]>, n: int64) -> (float32, bool) { }").items
    assert isinstance(fn, s.FnDecl) and fn.name == "f" and [p.name for p in fn.params] == ["a", "b", "n"]
    a, b, n = (p.type for p in fn.params)
    assert isinstance(a, s.TensorTypeExpr) and a.dtype == "float32" and [d.value for d in a.dims] == ["N", "K"]
    assert isinstance(b, s.TensorTypeExpr) and [d.value for d in b.dims] == ["K", None]
    assert isinstance(n, s.NamedTypeExpr) and n.name == "int64"
    assert isinstance(fn.ret, s.TupleTypeExpr) and [getattr(t, "name", "") for t in fn.ret.elems] == ["float32", "bool"]


def test_every_scalar_type_and_model_type() -> None:
    for name in ("float32", "float64", "int32", "int64", "bool", "int8", "int4", "Mlp"):
        [fn] = prog(f"fn f(x: {name}, y: tensor<{name if name != 'Mlp' else 'int8'}, []>) {{ }}").items
        assert isinstance(fn, s.FnDecl) and isinstance(fn.params[0].type, s.NamedTypeExpr)
        assert fn.params[0].type.name == name


def test_tensor_type_followed_by_greater_equal() -> None:
    [let] = prog("let x: tensor<float32, [2]>= zeros([2])").items
    assert isinstance(let, s.Let) and isinstance(let.type_ann, s.TensorTypeExpr)


def test_sequential_model() -> None:
    [m] = prog(
        "model Mlp {\n  layers {\n    dense(784, 128, activation: relu)\n    dropout(0.2); flatten()\n  }\n}"
    ).items
    assert isinstance(m, s.ModelDecl) and m.name == "Mlp" and m.args == [] and m.params is None
    assert m.layers is not None and [sx(c) for c in m.layers] == [
        "(call dense 784 128 activation=relu)",
        "(call dropout 0.2)",
        "(call flatten)",
    ]


def test_params_model_with_methods() -> None:
    text = (
        "model Linear(d_in: int32, d_out: int32) {\n  params {\n"
        "    w: tensor<float32, [d_in, d_out]> = xavier_uniform()\n"
        "    b: tensor<float32, [d_out]>\n    l1: Linear(4, 8)\n  }\n"
        "  fn forward(self, x: tensor<float32, [B, d_in]>) { return x @ self.w + self.b }\n"
        "  fn other(self) { }\n}"
    )
    [m] = prog(text).items
    assert isinstance(m, s.ModelDecl) and [a.name for a in m.args] == ["d_in", "d_out"] and m.layers is None
    assert m.params is not None
    w, b, l1 = m.params
    assert isinstance(w.type, s.TensorTypeExpr) and w.init is not None and sx(w.init) == "(call xavier_uniform)"
    assert b.init is None and b.model is None
    assert l1.type is None and l1.model is not None and sx(l1.model) == "(call Linear 4 8)"
    assert [f.name for f in m.methods] == ["forward", "other"]
    assert m.methods[0].params[0].name == "self" and m.methods[0].params[0].type is None


def test_items_keep_source_order() -> None:
    items = prog("let a = 1\nfn f() { }\nmodel M { layers { flatten() } }\nprint(a)").items
    assert [type(i) for i in items] == [s.Let, s.FnDecl, s.ModelDecl, s.ExprStmt]


# ---------------------------------------------------------------------------------------------
# Spans


def test_spans() -> None:
    [let] = prog("let y = (a + b) * f(x, k: 2)\n").items
    assert isinstance(let, s.Let) and let.span == s.Span(1, 1, 1, 29)
    mul = let.value
    assert isinstance(mul, s.Binary) and mul.span == s.Span(1, 9, 1, 29)
    add = mul.lhs
    assert isinstance(add, s.Binary) and add.span == s.Span(1, 10, 1, 15)
    call = mul.rhs
    assert isinstance(call, s.Call) and call.span == s.Span(1, 19, 1, 29)
    assert call.callee.span == s.Span(1, 19, 1, 20)
    assert call.kwargs[0].span == s.Span(1, 24, 1, 28)
    assert isinstance(add.lhs, s.Name) and add.lhs.span == s.Span(1, 10, 1, 11)


def test_declaration_spans() -> None:
    [fn] = prog("\n  fn sq(x: float32) -> float32 {\n    return x * x\n  }\n").items
    assert isinstance(fn, s.FnDecl) and fn.span == s.Span(2, 3, 4, 4) and fn.name_span == s.Span(2, 6, 2, 8)
    assert fn.params[0].span == s.Span(2, 9, 2, 19)
    ret = fn.body.stmts[0]
    assert isinstance(ret, s.Return) and ret.span == s.Span(3, 5, 3, 17)


def test_postfix_and_slice_spans() -> None:
    e = expr("x[1:, :].w.0")
    assert isinstance(e, s.TupleGet) and e.span == s.Span(1, 1, 1, 13)
    attr = e.base
    assert isinstance(attr, s.Attribute) and attr.span == s.Span(1, 1, 1, 11)
    index = attr.base
    assert isinstance(index, s.Index) and index.span == s.Span(1, 1, 1, 9)
    assert [i.span for i in index.items] == [s.Span(1, 3, 1, 5), s.Span(1, 7, 1, 8)]
