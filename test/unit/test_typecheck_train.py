"""Type checker: gradients, optimizers and quantization (LANGUAGE.md sections 9-11)."""

from __future__ import annotations

from typecheck_util import builtin, checked, error, instance, let_type, targets

from charlc.checked import ForwardTarget, GradTarget
from charlc.types import show

MLP = """model Mlp {
    layers {
        dense(784, 64, activation: relu)
        dense(64, 10)
    }
}
fn loss(m: Mlp, x: tensor<float32, [B, 784]>, y: tensor<int32, [B]>) -> float32 {
    return cross_entropy(m(x), y)
}
fn f(w: tensor<float32, [3]>) -> float32 { return sum(exp(w)) }
let m = Mlp(seed: 0)
let xb = random_normal([32, 784], seed: 1)
let yb = random_int([32], 0, 10, seed: 2)
let w = [1.0, 2.0, 3.0]
"""
N = MLP.count("\n")  # the line before the first line a test appends


def test_gradient_forms() -> None:
    cp = checked(
        MLP + "let g = grad(loss)(m, xb, yb)\nlet (l, g2) = value_and_grad(loss)(m, xb, yb)\n"
        "let gx = grad(loss, wrt: 1)(m, xb, yb)\nlet gs = grad(loss, wrt: [0, 1])(m, xb, yb)\n"
        "let gw = autograd(f, w)\n"
    )
    assert let_type(cp, "g") == "Mlp"
    assert let_type(cp, "l") == "float32" and let_type(cp, "g2") == "Mlp"
    assert let_type(cp, "gx") == "tensor<float32, [32, 784]>"
    assert let_type(cp, "gs") == "(Mlp, tensor<float32, [32, 784]>)"
    assert let_type(cp, "gw") == "tensor<float32, [3]>"
    grads = targets(cp, GradTarget)
    assert [(g.kind, g.wrt, g.fn.symbol) for g in grads] == [
        ("grad", (0,), "loss"),
        ("value_and_grad", (0,), "loss"),
        ("grad", (1,), "loss"),
        ("grad", (0, 1), "loss"),
        ("grad", (0,), "f"),
    ]
    assert len(grads[0].args) == 3 and len(grads[4].args) == 1
    assert show(grads[1].result) == "(float32, Mlp)"


def test_gradient_of_function_using_grad() -> None:
    cp = checked(MLP + "fn h(v: tensor<float32, [3]>) -> float32 { return sum(grad(f)(v)) }\nlet hh = grad(h)(w)\n")
    assert let_type(cp, "hh") == "tensor<float32, [3]>"


def test_gradient_needs_float_scalar_result() -> None:
    src = "fn f(w: tensor<float32, [3]>) { return w * 2.0 }\nlet g = grad(f)([1.0, 2.0, 3.0])\n"
    assert error(src) == (
        2,
        9,
        "`grad` needs `f` to return a float32 or float64 scalar, but it returns tensor<float32, [3]>",
    )


def test_gradient_through_while_is_an_error() -> None:
    src = (
        "fn inner(w: tensor<float32, [3]>) -> float32 {\n    let mut s = 0.0\n"
        "    while s < 1.0 { s = s + 1.0 }\n    return sum(w) * s\n}\n"
        "fn outer(w: tensor<float32, [3]>) -> float32 { return inner(w) }\n"
        "let g = grad(outer)([1.0, 2.0, 3.0])\n"
    )
    assert error(src) == (
        7,
        9,
        "`grad` of `outer`: while loops cannot be differentiated in version 1 (the loop at 3:5); use a for loop",
    )


def test_gradient_with_respect_to_int_argument() -> None:
    assert error(MLP + "let g = grad(loss, wrt: 2)(m, xb, yb)\n") == (
        N + 1,
        35,
        "cannot differentiate `loss` with respect to argument 3 of type tensor<int32, [32]>: "
        "gradients need float values",
    )


def test_gradient_wrt_out_of_range() -> None:
    assert error(MLP + "let g = grad(f, wrt: 1)(w)\n") == (N + 1, 22, "`wrt: 1` is out of range: `f` takes 1 argument")


def test_gradient_of_quantized_model() -> None:
    src = MLP + "let q = quantize(m, int8)\nlet g = grad(loss)(q, xb, yb)\n"
    assert error(src) == (
        N + 2,
        20,
        "cannot take the gradient of a quantized model (quantized<Mlp, int8>): quantized models are inference only",
    )


def test_grad_must_be_called() -> None:
    assert error(MLP + "let d = grad(f)\n") == (
        N + 1,
        9,
        "`grad(f)` must be called with the arguments of `f`: `grad(f)(x)`",
    )
    assert error(MLP + "let d = grad(w)(w)\n") == (N + 1, 14, "`grad` takes the name of a function: `grad(loss)`")


def test_optimizers() -> None:
    cp = checked(
        MLP + "let g = grad(loss)(m, xb, yb)\nlet gw = autograd(f, w)\n"
        "let mut mm = m\nlet mut opt = adam_init(mm)\n(mm, opt) = adam(mm, g, opt, lr: 0.001)\n"
        "mm = sgd(mm, g, lr: 0.1)\nlet mut s = sgd_init(mm)\n(mm, s) = sgd(mm, g, s, lr: 0.1, momentum: 0.9)\n"
        "let mut ww = w\nww = sgd(ww, gw, lr: 0.1, weight_decay: 0.01)\n"
        "let mut pair = (w, w)\nlet mut st = adamw_init(pair)\n(pair, st) = adamw(pair, (gw, gw), st, lr: 0.01)\n"
    )
    assert let_type(cp, "opt") == "adam_state<Mlp>"
    assert let_type(cp, "s") == "sgd_state<Mlp>"
    assert let_type(cp, "st") == "adamw_state<(tensor<float32, [3]>, tensor<float32, [3]>)>"
    adam = builtin(cp, "adam")
    assert show(adam.result) == "(Mlp, adam_state<Mlp>)"
    assert set(adam.kwargs) == {"lr"}
    assert adam.static == {"kind": "adam", "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert len(adam.args) == 3
    assert builtin(cp, "adamw").static["weight_decay"] == 0.01


def test_optimizer_errors() -> None:
    base = MLP + "let g = grad(loss)(m, xb, yb)\nlet mut mm = m\n"
    assert error(base + "mm = sgd(mm, w, lr: 0.1)\n") == (
        N + 3,
        14,
        "the gradient of `sgd` must have the parameters' type Mlp, got tensor<float32, [3]>",
    )
    assert error(base + "let mut o = sgd_init(mm)\nlet r = adam(mm, g, o)\n") == (
        N + 4,
        21,
        "`adam` needs the state from `adam_init` (adam_state<Mlp>), got sgd_state<Mlp>",
    )
    assert error(base + "mm = sgd(mm, g)\n")[2] == "`sgd` is missing its argument `lr: ...`"
    assert error(base + "mm = sgd(mm, g, lr: 0.1, momentum: 0.9)\n")[2].startswith("`sgd` with momentum needs a state")
    assert error(base + "let o = adam_init(yb)\n")[2] == (
        "`adam_init` updates a model, a float tensor or a tuple of float tensors, got tensor<int32, [32]>"
    )


def test_quantized_models() -> None:
    src = (
        "model Mlp {\n    layers {\n        dense(256, 128, activation: relu)\n        dense(128, 10)\n    }\n}\n"
        "let m = Mlp(seed: 0)\nlet x = random_normal([8, 256], seed: 1)\n"
        "let q8 = quantize(m, int8)\nlet q4 = quantize(m, int4, group: 32)\nlet q = quantize(m, int4)\n"
        "let logits = q8(x)\nsummary(q4)\n"
    )
    cp = checked(src)
    assert let_type(cp, "q8") == "quantized<Mlp, int8>"
    assert let_type(cp, "q4") == "quantized<Mlp, int4, group: 32>"
    assert let_type(cp, "q") == "quantized<Mlp, int4, group: 32>"
    assert let_type(cp, "logits") == "tensor<float32, [8, 10]>"
    assert builtin(cp, "quantize").static == {"qdtype": "int8", "group": None}
    bad = src.replace("group: 32", "group: 48")
    assert error(bad)[2] == (
        "`quantize` with group 48: the 256 input features of `layers.0.weight` (tensor<float32, [256, 128]>) "
        "do not split into groups of 48"
    )


def test_quantize_tensor_and_dequantize() -> None:
    cp = checked(
        "let w = random_normal([256, 128], seed: 2)\nlet (q, scale) = quantize_tensor(w, int8, axis: 1)\n"
        "let w2 = dequantize(q, scale, axis: 1)\nlet (q4, s4) = quantize_tensor(w, int4, axis: 1, group: 32)\n"
        "let w3 = dequantize(q4, s4, axis: 1, group: 32)\nlet (q0, s0) = quantize_tensor(w, int8, axis: 0, group: 64)\n"
    )
    assert let_type(cp, "q") == "tensor<int8, [256, 128]>"
    assert let_type(cp, "scale") == "tensor<float32, [128]>"
    assert let_type(cp, "w2") == "tensor<float32, [256, 128]>"
    assert let_type(cp, "s4") == "tensor<float32, [8, 128]>"
    assert let_type(cp, "w3") == "tensor<float32, [256, 128]>"
    assert let_type(cp, "s0") == "tensor<float32, [256, 2]>"
    qt = builtin(cp, "quantize_tensor")
    assert qt.static == {"qdtype": "int8", "axis": 1, "group": None}


def test_quantization_errors() -> None:
    base = "let w = random_normal([256, 128], seed: 2)\n"
    assert error(base + "let r = quantize_tensor(w, int16, axis: 1)\n") == (
        2,
        28,
        "`quantize_tensor` quantizes to int8 or int4",
    )
    assert error(base + "let r = quantize_tensor(w, int4, axis: 1, group: 100)\n")[2] == (
        "`quantize_tensor`: dimension 0 of size 256 does not split into groups of 100"
    )
    assert error(base + "let (q, s) = quantize_tensor(w, int8, axis: 1)\nlet d = dequantize(q, s, axis: 0)\n") == (
        3,
        23,
        "the scale of `dequantize` for tensor<int8, [256, 128]> must be tensor<float32, [256]>, "
        "got tensor<float32, [128]>",
    )
    assert error(base + "let r = quantize(w, int8)\n")[2] == (
        "`quantize` takes a model, got tensor<float32, [256, 128]>; use quantize_tensor for tensors"
    )


def test_quantized_model_through_a_model_parameter() -> None:
    src = MLP + (
        "fn predict(net: Mlp, x: tensor<float32, [B, 784]>) { return argmax(net(x), axis: 1) }\n"
        "let a = predict(m, xb)\nlet b = predict(quantize(m, int8), xb)\n"
    )
    cp = checked(src)
    assert let_type(cp, "b") == "tensor<int32, [32]>"
    assert show(instance(cp, "predict_1").param_types[0]) == "quantized<Mlp, int8>"
    fwd = targets(cp, ForwardTarget, "predict_1")[0]
    assert fwd.quant is not None and show(fwd.quant) == "quantized<Mlp, int8>"
