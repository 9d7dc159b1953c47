// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s

model Mlp {
    layers {
        dense(4, 3, activation: relu)
        dense(3, 2)
    }
}

fn loss(m: Mlp, x: tensor<float32, [B, 4]>, y: tensor<int32, [B]>) -> float32 {
    return cross_entropy(m(x), y)
}

// A model argument is one operand per parameter: the gradient with respect to it is model-shaped
// (one result per parameter); `wrt: [0, 1]` adds the operand of `x` after them.
// CHECK-LABEL: func.func @loss(
// CHECK-LABEL: func.func @step(
// CHECK-SAME:      %[[W0:[a-z0-9_]+]]: tensor<4x3xf32>, %[[B0:[a-z0-9_]+]]: tensor<3xf32>, %[[W1:[a-z0-9_]+]]: tensor<3x2xf32>, %[[B1:[a-z0-9_]+]]: tensor<2xf32>, %[[X:[a-z0-9_]+]]: tensor<8x4xf32>, %[[Y:[a-z0-9_]+]]: tensor<8xi32>)
// CHECK-NEXT:    %[[L:[a-z0-9_]+]], %[[G0:[a-z0-9_]+]], %[[G1:[a-z0-9_]+]], %[[G2:[a-z0-9_]+]], %[[G3:[a-z0-9_]+]] = charl.grad @loss(%[[W0]], %[[B0]], %[[W1]], %[[B1]], %[[X]], %[[Y]]) {wrt = array<i64: 0, 1, 2, 3>, with_value} : (tensor<4x3xf32>, tensor<3xf32>, tensor<3x2xf32>, tensor<2xf32>, tensor<8x4xf32>, tensor<8xi32>) -> (f32, tensor<4x3xf32>, tensor<3xf32>, tensor<3x2xf32>, tensor<2xf32>)
// CHECK-NEXT:    %{{.*}}, %[[GX:[a-z0-9_]+]] = charl.grad @loss({{.*}}) {wrt = array<i64: 0, 1, 2, 3, 4>} : ({{.*}}) -> (tensor<4x3xf32>, tensor<3xf32>, tensor<3x2xf32>, tensor<2xf32>, tensor<8x4xf32>)
// CHECK-NEXT:    func.return %[[L]], %[[G0]], %[[G1]], %[[G2]], %[[G3]], %[[GX]]
fn step(m: Mlp, x: tensor<float32, [8, 4]>, y: tensor<int32, [8]>) -> (float32, Mlp, tensor<float32, [8, 4]>) {
    let (l, g) = value_and_grad(loss)(m, x, y)
    let (gm, gx) = grad(loss, wrt: [0, 1])(m, x, y)
    return (l, g, gx)
}

let (l, g, gx) = step(Mlp(seed: 0), zeros([8, 4]), random_int([8], 0, 2, seed: 1))
print(l, gx)
