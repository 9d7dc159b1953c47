"""Type checker: models (LANGUAGE.md section 8): model infos, layers, parameters, forward passes."""

from __future__ import annotations

from typecheck_util import builtin, checked, error, instance, let_type, targets

from charlc.checked import ForwardTarget, ModelCtorTarget
from charlc.types import ModelType, show

MLP = """model Mlp {
    layers {
        dense(784, 128, activation: relu)
        dropout(0.2)
        dense(128, 64, activation: relu)
        dense(64, 10)
    }
}
"""

LINEAR = """model Linear(d_in: int32, d_out: int32) {
    params {
        w: tensor<float32, [d_in, d_out]> = xavier_uniform()
        b: tensor<float32, [d_out]> = zeros()
    }
    fn forward(self, x: tensor<float32, [B, d_in]>) -> tensor<float32, [B, d_out]> {
        return x @ self.w + self.b
    }
}
"""

TWO = """model TwoLayer {
    params {
        l1: Linear(4, 8)
        l2: Linear(8, 1)
    }
    fn forward(self, x: tensor<float32, [B, 4]>) { return sigmoid(self.l2(relu(self.l1(x)))) }
}
"""


def test_sequential_model_info() -> None:
    cp = checked(MLP + "let m = Mlp(seed: 0)\nlet y = m(zeros([32, 784]))\n")
    info = cp.models[ModelType("Mlp")]
    assert [(p.path, show(p.type), p.init.kind) for p in info.params] == [
        ("layers.0.weight", "tensor<float32, [784, 128]>", "he_normal"),
        ("layers.0.bias", "tensor<float32, [128]>", "zeros"),
        ("layers.2.weight", "tensor<float32, [128, 64]>", "he_normal"),
        ("layers.2.bias", "tensor<float32, [64]>", "zeros"),
        ("layers.3.weight", "tensor<float32, [64, 10]>", "xavier_uniform"),
        ("layers.3.bias", "tensor<float32, [10]>", "zeros"),
    ]
    assert info.params[0].init.fan_in == 784 and info.params[0].init.fan_out == 128
    assert info.layers is not None
    assert [layer.kind for layer in info.layers] == ["dense", "dropout", "dense", "dense"]
    assert info.layers[0].options == {"in": 784, "out": 128, "activation": "relu", "init": "he_normal"}
    assert info.layers[1].options == {"p": 0.2}
    assert info.layers[3].out_shape == (10,)
    assert let_type(cp, "y") == "tensor<float32, [32, 10]>"
    fwd = targets(cp, ForwardTarget)[0]
    assert fwd.instance is None and fwd.model is info and fwd.training is None
    ctor = targets(cp, ModelCtorTarget)[0]
    assert ctor.model is info and ctor.seed is not None


def test_consecutive_layer_sizes_checked_at_declaration() -> None:
    src = "model Mlp {\n    layers {\n        dense(784, 256)\n        dense(128, 64)\n    }\n}\n"
    assert error(src) == (4, 9, "dense(128, 64) expects 128 input features, but the previous layer produces 256")


def test_forward_input_checked_at_call() -> None:
    src = MLP + "let m = Mlp(seed: 0)\nlet y = m(zeros([4, 100]))\n"
    assert error(src) == (
        10,
        9,
        "layers.0: dense(784, 128) expects 784 input features, but the input tensor<float32, [4, 100]> has 100",
    )


def test_convolutional_model_shapes() -> None:
    src = (
        "model Cnn {\n    layers {\n        conv2d(1, 8, 3, padding: 1, activation: relu)\n        max_pool2d(2)\n"
        "        flatten()\n        dense(8 * 14 * 14, 10)\n    }\n}\n"
        "let m = Cnn(seed: 0)\nlet y = m(zeros([4, 1, 28, 28]))\n"
    )
    cp = checked(src)
    assert let_type(cp, "y") == "tensor<float32, [4, 10]>"
    info = cp.models[ModelType("Cnn")]
    assert [(p.path, show(p.type)) for p in info.params][:2] == [
        ("layers.0.weight", "tensor<float32, [8, 1, 3, 3]>"),
        ("layers.0.bias", "tensor<float32, [8]>"),
    ]
    assert info.params[0].init.fan_in == 9 and info.params[0].init.fan_out == 72
    assert info.layers is not None and info.layers[2].out_shape == (1568,)
    bad = src.replace("8 * 14 * 14", "1000")
    assert error(bad) == (
        10,
        9,
        "layers.3: dense(1000, 10) expects 1000 input features, but the previous layer's output "
        "tensor<float32, [4, 1568]> has 1568",
    )


def test_embedding_and_layer_norm() -> None:
    src = (
        "model Lm {\n    layers {\n        embedding(100, 16)\n        layer_norm(16)\n"
        "        dense(16, 100)\n    }\n}\n"
        "let m = Lm(seed: 0)\nlet y = m([[1, 2, 3]], training: true, seed: 3)\n"
    )
    cp = checked(src)
    assert let_type(cp, "y") == "tensor<float32, [1, 3, 100]>"
    info = cp.models[ModelType("Lm")]
    assert [(p.path, p.init.kind) for p in info.params][:3] == [
        ("layers.0.weight", "normal"),
        ("layers.1.weight", "ones"),
        ("layers.1.bias", "zeros"),
    ]
    assert targets(cp, ForwardTarget)[0].training is not None
    assert error(src.replace("layer_norm(16)", "layer_norm(8)")) == (
        4,
        9,
        "layer_norm(8) expects 8 input features, but the previous layer produces 16",
    )


def test_explicit_init_option() -> None:
    cp = checked(
        "model M {\n    layers {\n        dense(4, 4, activation: relu, init: xavier)\n"
        "        dense(4, 2, init: he)\n    }\n}\n"
    )
    info = cp.models[ModelType("M")]
    assert [p.init.kind for p in info.params] == ["xavier_uniform", "zeros", "he_normal", "zeros"]


def test_params_model_and_forward_instances() -> None:
    cp = checked(
        LINEAR + TWO + "let m = TwoLayer(seed: 3)\nlet y = m(zeros([16, 4]))\nlet z = m.forward(zeros([2, 4]))\n"
    )
    info = cp.models[ModelType("TwoLayer")]
    assert [p.path for p in info.params] == ["l1.w", "l1.b", "l2.w", "l2.b"]
    assert set(info.submodels) == {"l1", "l2"}
    assert info.submodels["l1"].type == ModelType("Linear", (4, 8))
    assert info.submodels["l1"].arg_values == {"d_in": 4, "d_out": 8}
    assert let_type(cp, "y") == "tensor<float32, [16, 1]>"
    assert let_type(cp, "z") == "tensor<float32, [2, 1]>"
    symbols = [i.symbol for i in cp.instances]
    assert symbols[-1] == "main"
    assert {"Linear.forward", "Linear.forward_1", "TwoLayer.forward", "TwoLayer.forward_1"} <= set(symbols)
    fwd = instance(cp, "TwoLayer.forward")
    assert fwd.self_model is info
    assert [show(t) for t in fwd.param_types] == ["TwoLayer", "tensor<float32, [16, 4]>"]
    inner = [t for t in fwd.targets.values() if isinstance(t, ForwardTarget)]
    assert [t.instance.symbol for t in inner if t.instance] == ["Linear.forward", "Linear.forward_1"]
    assert symbols.index("Linear.forward") < symbols.index("TwoLayer.forward")


def test_params_initializers() -> None:
    src = (
        "model A {\n    params {\n        b: tensor<float32, [2, 3]> = he_normal()\n        c: float32 = ones()\n"
        "        d: tensor<float32, [4]> = normal(std: 0.02)\n        e: tensor<float32, [4]>\n    }\n"
        "    fn forward(self, x: float32) { return x * self.c }\n}\n"
        "let m = A(seed: 0)\nlet p = parameters(m)\n"
    )
    cp = checked(src)
    info = cp.models[ModelType("A")]
    assert [(p.path, p.init.kind, p.init.std) for p in info.params] == [
        ("b", "he_normal", 1.0),
        ("c", "ones", 1.0),
        ("d", "normal", 0.02),
        ("e", "zeros", 1.0),
    ]
    assert (info.params[0].init.fan_in, info.params[0].init.fan_out) == (2, 3)
    assert cp.main.consts[list(cp.main.targets)[1]] == 6 + 1 + 4 + 4


def test_model_argument_errors() -> None:
    assert error(LINEAR + "let mut k = 4\nlet m = Linear(3, k)\n") == (
        11,
        19,
        "model argument `d_out` of `Linear` must be a compile-time integer, got `k` (a run-time value)",
    )
    assert error(LINEAR + "let m = Linear(3)\n") == (10, 9, "model `Linear` is missing its argument `d_out`")
    assert error(LINEAR + "let m = Linear(3, 4, foo: 1)\n") == (
        10,
        22,
        "unknown keyword argument `foo` for model `Linear` (it takes `seed`)",
    )
    cp = checked(LINEAR + "let n = 3\nlet m = Linear(n, d_out: 2 * n)\n")
    assert let_type(cp, "m") == "Linear(3, 6)"


def test_forward_argument_mismatch_shows_model_arguments() -> None:
    src = LINEAR + "let m = Linear(3, 2)\nlet y = m(zeros([5, 4]))\n"
    assert error(src) == (
        11,
        11,
        "argument 1 of `Linear.forward` must be tensor<float32, [B, 3]>, got tensor<float32, [5, 4]>",
    )


def test_unknown_parameter_attribute() -> None:
    src = LINEAR.replace("self.b", "self.q") + "let m = Linear(3, 2)\nlet y = m(zeros([5, 3]))\n"
    assert error(src) == (7, 29, "model `Linear` has no parameter `q`")


def test_parameter_dimensions_must_be_static() -> None:
    src = (
        "model L(a: int32) {\n    params { w: tensor<float32, [a, N]> }\n"
        "    fn forward(self, x: float32) { return x }\n}\n"
    )
    assert error(src + "let m = L(3)\n") == (
        2,
        37,
        "a parameter's dimensions must be integers or model arguments, not `N`",
    )


def test_model_contains_itself() -> None:
    src = (
        "model A {\n    params { b: B(2) }\n    fn forward(self, x: float32) { return x }\n}\n"
        "model B(n: int32) {\n    params { a: A() }\n    fn forward(self, x: float32) { return x }\n}\n"
    )
    assert error(src) == (6, 17, "model `A` contains itself")


def test_model_type_parameters() -> None:
    src = LINEAR + (
        "fn apply(m: Linear, x: tensor<float32, [B, K]>) { return m(x) }\n"
        "let a = apply(Linear(3, 2), zeros([4, 3]))\nlet b = apply(Linear(5, 1), zeros([4, 5]))\n"
    )
    cp = checked(src)
    assert let_type(cp, "a") == "tensor<float32, [4, 2]>"
    assert let_type(cp, "b") == "tensor<float32, [4, 1]>"
    assert [show(t) for t in instance(cp, "apply_1").param_types] == ["Linear(5, 1)", "tensor<float32, [4, 5]>"]


def test_sequential_model_rejects_methods_and_attributes() -> None:
    assert error(MLP + "let m = Mlp(seed: 0)\nlet w = m.w\n") == (10, 9, "sequential model `Mlp` has no attribute `w`")


def test_forward_keyword_arguments() -> None:
    src = MLP + "let m = Mlp(seed: 0)\nlet y = m(zeros([2, 784]), train: true)\n"
    assert error(src) == (10, 28, "unknown keyword argument `train` for model `Mlp` (it takes `training`, `seed`)")


def test_model_declaration_errors() -> None:
    src = "model M(a: float32) {\n    layers { dense(2, 2) }\n}\n"
    assert error(src) == (1, 9, "model argument `a` must be declared `int32` or `int64`")
    src = "model M {\n    params { w: float32 }\n    fn backward(self, x: float32) { return x }\n}\n"
    assert error(src) == (3, 8, "a model defines only `fn forward(self, ...)`, not `backward`")
    src = "model M {\n    params { w: float32 }\n}\nlet m = M(seed: 0)\nlet y = m(1.0)\n"
    assert error(src) == (5, 9, "model `M` has no `fn forward(self, ...)`")
    src = "model M {\n    layers { dense(2, 2, activation: swish) }\n}\n"
    assert error(src) == (2, 38, "`activation` must be one of relu, sigmoid, tanh, gelu, softmax, none")


def test_save_load_summary_parameters() -> None:
    src = LINEAR + (
        'let m = Linear(3, 2, seed: 1)\nsave(m, "m.npz")\nlet a = load(Linear(3, 2), "m.npz")\n'
        "let p = parameters(a)\nsummary(a)\n"
    )
    cp = checked(src)
    assert let_type(cp, "a") == "Linear(3, 2)"
    load = builtin(cp, "load")
    assert load.static == {"path": "m.npz", "model": ModelType("Linear", (3, 2)), "quantize": False} and load.args == ()
    assert builtin(cp, "save").static["path"] == "m.npz"
    assert builtin(cp, "parameters").static == {"count": 8}
    assert error(LINEAR + 'let a = load(Linear, "m.npz")\n') == (
        10,
        14,
        "`load(Linear, ...)` needs the model's arguments (d_in, d_out): load(Linear(...), path)",
    )
