// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s

fn f(w: tensor<float32, [3]>, b: float32) -> float32 { return sum(w * w) + b * b }

fn pair(p: (tensor<float32, [3]>, float32), x: tensor<float32, [3]>) -> float32 { return sum(p.0 * x) * p.1 }

// One charl.grad per call: `wrt` lists flattened operand positions; the results are the gradients.
// CHECK-LABEL: func.func @grads(
// CHECK-SAME:      %[[W:[a-z0-9_]+]]: tensor<3xf32>, %[[B:[a-z0-9_]+]]: f32)
// CHECK-NEXT:    %[[GW:.*]] = charl.grad @f(%[[W]], %[[B]]) {wrt = array<i64: 0>} : (tensor<3xf32>, f32) -> tensor<3xf32>
// CHECK-NEXT:    %[[GB:.*]] = charl.grad @f(%[[W]], %[[B]]) {wrt = array<i64: 1>} : (tensor<3xf32>, f32) -> f32
// CHECK-NEXT:    %[[G1:.*]], %[[G2:.*]] = charl.grad @f(%[[W]], %[[B]]) {wrt = array<i64: 0, 1>} : (tensor<3xf32>, f32) -> (tensor<3xf32>, f32)
// CHECK-NEXT:    func.return %[[GW]], %[[GB]], %[[G1]], %[[G2]]
fn grads(w: tensor<float32, [3]>, b: float32) -> (tensor<float32, [3]>, float32, tensor<float32, [3]>, float32) {
    let gw = grad(f)(w, b)
    let gb = grad(f, wrt: 1)(w, b)
    let (g1, g2) = grad(f, wrt: [0, 1])(w, b)
    return (gw, gb, g1, g2)
}

// value_and_grad: the value comes first.
// CHECK-LABEL: func.func @values(
// CHECK-NEXT:    %[[V:.*]], %[[G:.*]] = charl.grad @f(%{{.*}}, %{{.*}}) {wrt = array<i64: 0>, with_value} : (tensor<3xf32>, f32) -> (f32, tensor<3xf32>)
// CHECK-NEXT:    func.return %[[V]], %[[G]] : f32, tensor<3xf32>
fn values(w: tensor<float32, [3]>, b: float32) -> (float32, tensor<float32, [3]>) {
    let (v, g) = value_and_grad(f)(w, b)
    return (v, g)
}

// autograd(f, w, ...) is grad(f)(w, ...).
// CHECK-LABEL: func.func @auto(
// CHECK-SAME:      %[[W:[a-z0-9_]+]]: tensor<3xf32>)
// CHECK-NEXT:    %[[TWO:.*]] = charl.constant 2.000000e+00 : f32
// CHECK-NEXT:    charl.grad @f(%[[W]], %[[TWO]]) {wrt = array<i64: 0>} : (tensor<3xf32>, f32) -> tensor<3xf32>
fn auto(w: tensor<float32, [3]>) -> (tensor<float32, [3]>, float32) {
    return (autograd(f, w, 2.0), 0.0)
}

// A tuple argument is flattened: wrt covers every one of its leaves.
// CHECK-LABEL: func.func @tuples(
// CHECK-SAME:      %[[W:[a-z0-9_]+]]: tensor<3xf32>, %[[B:[a-z0-9_]+]]: f32)
// CHECK-NEXT:    %[[G0:.*]], %[[G1:.*]] = charl.grad @pair(%[[W]], %[[B]], %[[W]]) {wrt = array<i64: 0, 1>} : (tensor<3xf32>, f32, tensor<3xf32>) -> (tensor<3xf32>, f32)
// CHECK-NEXT:    func.return %[[G0]], %[[G1]]
fn tuples(w: tensor<float32, [3]>, b: float32) -> (tensor<float32, [3]>, float32) {
    return grad(pair)((w, b), w)
}

let w = [1.0, 2.0, 3.0]
print(grads(w, 0.5), values(w, 0.5), auto(w), tuples(w, 0.5))
