// RUN: charlc %s --emit=mlir | filecheck %s

// Static shapes: one splat constant each, of the requested dtype.
// CHECK-LABEL: func.func @constants()
// CHECK-NEXT:    %[[Z:.*]] = charl.constant dense<0.000000e+00> : tensor<2x3xf32>
// CHECK-NEXT:    %[[O:.*]] = charl.constant dense<1.000000e+00> : tensor<3xf64>
// CHECK-NEXT:    %[[F:.*]] = charl.constant dense<1.500000e+00> : tensor<2x2xf32>
// CHECK-NEXT:    func.return %[[Z]], %[[O]], %[[F]]
fn constants() -> (tensor<float32, [2, 3]>, tensor<float64, [3]>, tensor<float32, [2, 2]>) {
    return (zeros([2, 3]), ones([3], dtype: float64), full([2, 2], 1.5))
}

// arange is an iota; eye and causal_mask compare two iotas.
// CHECK-LABEL: func.func @ranges()
// CHECK-NEXT:    %[[A:.*]] = charl.iota {dim = 0 : i64} : tensor<5xi32>
// CHECK-NEXT:    %[[R:.*]] = charl.iota {dim = 0 : i64} : tensor<3x3xi32>
// CHECK-NEXT:    %[[C:.*]] = charl.iota {dim = 1 : i64} : tensor<3x3xi32>
// CHECK-NEXT:    %[[EQ:.*]] = charl.compare eq %[[R]], %[[C]] : tensor<3x3xi32> -> tensor<3x3xi1>
// CHECK-NEXT:    %[[EYE:.*]] = charl.cast %[[EQ]] : tensor<3x3xi1> to tensor<3x3xf32>
// CHECK-NEXT:    %[[R2:.*]] = charl.iota {dim = 0 : i64} : tensor<4x4xi32>
// CHECK-NEXT:    %[[C2:.*]] = charl.iota {dim = 1 : i64} : tensor<4x4xi32>
// CHECK-NEXT:    %[[MASK:.*]] = charl.compare ge %[[R2]], %[[C2]] : tensor<4x4xi32> -> tensor<4x4xi1>
// CHECK-NEXT:    func.return %[[A]], %[[EYE]], %[[MASK]]
fn ranges() -> (tensor<int32, [5]>, tensor<float32, [3, 3]>, tensor<bool, [4, 4]>) {
    return (arange(5), eye(3), causal_mask(4))
}

// Random tensors: the seed is an i64 (a run-time seed is cast, the default is 0); the bounds are
// scalars of the element type.
// CHECK-LABEL: func.func @randoms(
// CHECK-SAME:      %[[S:.*]]: i32)
// CHECK-NEXT:    %[[MEAN:.*]] = charl.constant 0.000000e+00 : f32
// CHECK-NEXT:    %[[STD:.*]] = charl.constant 2.000000e+00 : f32
// CHECK-NEXT:    %[[SEED:.*]] = charl.cast %[[S]] : i32 to i64
// CHECK-NEXT:    %r = charl.random normal %[[SEED]], %[[MEAN]], %[[STD]] : f32 -> tensor<4x4xf32>
// CHECK-NEXT:    %[[LO:.*]] = charl.constant -1.000000e+00 : f64
// CHECK-NEXT:    %[[HI:.*]] = charl.constant 1.000000e+00 : f64
// CHECK-NEXT:    %[[ZERO:.*]] = charl.constant 0 : i64
// CHECK-NEXT:    %u = charl.random uniform %[[ZERO]], %[[LO]], %[[HI]] : f64 -> tensor<4xf64>
// CHECK-NEXT:    %[[ILO:.*]] = charl.constant 0 : i32
// CHECK-NEXT:    %[[IHI:.*]] = charl.constant 10 : i32
// CHECK-NEXT:    %[[THREE:.*]] = charl.constant 3 : i64
// CHECK-NEXT:    %i = charl.random int %[[THREE]], %[[ILO]], %[[IHI]] : i32 -> tensor<8xi32>
fn randoms(s: int32) -> (tensor<float32, [4, 4]>, tensor<float64, [4]>, tensor<int32, [8]>) {
    let r = random_normal([4, 4], seed: s, std: 2.0)
    let u = random_uniform([4], low: -1.0, high: 1.0, dtype: float64)
    let i = random_int([8], 0, 10, seed: 3)
    return (r, u, i)
}

// A shape with a size variable broadcasts a scalar to the run-time size.
// CHECK-LABEL: func.func @dynamic(
// CHECK-SAME:      %[[X:.*]]: tensor<?xf32>, %[[V:.*]]: f32) -> tensor<?x4xf32>
// CHECK:         %[[N:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK-NEXT:    %[[Z0:.*]] = charl.constant 0.000000e+00 : f32
// CHECK-NEXT:    %[[ZS:.*]] = charl.broadcast_to %[[Z0]] dims(%[[N]]) : f32 -> tensor<?x4xf32>
// CHECK-NEXT:    %[[FS:.*]] = charl.broadcast_to %[[V]] dims(%[[N]]) : f32 -> tensor<?x4xf32>
// CHECK-NEXT:    charl.add %[[ZS]], %[[FS]] : tensor<?x4xf32>
fn dynamic(x: tensor<float32, [N]>, v: float32) -> tensor<float32, [N, 4]> {
    return zeros([N, 4]) + full([N, 4], v)
}

print(constants(), ranges(), randoms(7))
let x: tensor<float32, [?]> = load_npy("x.npy")
print(dynamic(x, 2.0))
