// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// A call is a `func.call` of the instance's symbol; arguments and results are flattened pytrees
// (a model is one value per parameter, in path order; a tuple one value per element). The callee
// is generated before its callers.

// CHECK-LABEL: func.func @affine(
// CHECK-SAME:      %[[X:x]]: tensor<2xf32>, %[[W:w]]: tensor<2x2xf32>) -> tensor<2xf32>
fn affine(x: tensor<float32, [2]>, w: tensor<float32, [2, 2]>) -> tensor<float32, [2]> { return w @ x }

// CHECK-LABEL: func.func @twice(
// CHECK-SAME:      %[[X:x]]: tensor<2xf32>, %[[W:w]]: tensor<2x2xf32>) -> (tensor<2xf32>, f32)
// CHECK-NEXT:    %[[Y:y]] = func.call @affine(%[[X]], %[[W]]) : (tensor<2xf32>, tensor<2x2xf32>) -> tensor<2xf32>
// CHECK-NEXT:    %[[Z:z]] = func.call @affine(%[[Y]], %[[W]]) : (tensor<2xf32>, tensor<2x2xf32>) -> tensor<2xf32>
// CHECK:         func.return %[[Z]], %{{.*}} : tensor<2xf32>, f32
fn twice(x: tensor<float32, [2]>, w: tensor<float32, [2, 2]>) -> (tensor<float32, [2]>, float32) {
    let y = affine(x, w)
    let z = affine(y, w)
    return (z, sum(z))
}

model Mlp {
    layers {
        dense(3, 4, activation: relu)
        dense(4, 2)
    }
}

// CHECK-LABEL: func.func @score(
// CHECK-SAME:      %{{.*}}: tensor<3x4xf32>, %{{.*}}: tensor<4xf32>, %{{.*}}: tensor<4x2xf32>, %{{.*}}: tensor<2xf32>, %[[X:x]]: tensor<1x3xf32>) -> f32
fn score(m: Mlp, x: tensor<float32, [1, 3]>) -> float32 { return sum(m(x)) }

// CHECK-LABEL: func.func @main()
// CHECK:         %[[Y:y]], %[[S:s]] = func.call @twice(%{{.*}}, %{{.*}}) : (tensor<2xf32>, tensor<2x2xf32>) -> (tensor<2xf32>, f32)
// CHECK:         %[[M0:m]] = charl.random
// CHECK:         %[[M1:m_[0-9]+]] = charl.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK:         %[[M2:m_[0-9]+]] = charl.random
// CHECK:         %[[M3:m_[0-9]+]] = charl.constant dense<0.000000e+00> : tensor<2xf32>
// CHECK:         func.call @score(%[[M0]], %[[M1]], %[[M2]], %[[M3]], %{{.*}}) : (tensor<3x4xf32>, tensor<4xf32>, tensor<4x2xf32>, tensor<2xf32>, tensor<1x3xf32>) -> f32
let (y, s) = twice([1.0, 2.0], [[1.0, 0.0], [0.0, 1.0]])
let m = Mlp(seed: 0)
print(y, s, score(m, ones([1, 3])))
