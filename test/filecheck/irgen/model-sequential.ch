// RUN: charlc %s --emit=mlir | filecheck %s

model Mlp {
    layers {
        dense(4, 8, activation: relu)
        dropout(0.5)
        dense(8, 3, activation: softmax)
    }
}

model Cnn {
    layers {
        conv2d(1, 2, 3, padding: 1, activation: tanh)
        max_pool2d(2)
        flatten()
        layer_norm(32)
        dense(32, 2)
    }
}

model Tok {
    layers {
        embedding(10, 4)
        dense(4, 2, activation: sigmoid)
    }
}

// Parameters are initialized from seed * 1000003 + their index: he_normal for relu layers
// (std sqrt(2 / fan_in)), xavier_uniform otherwise (+-sqrt(6 / (fan_in + fan_out))), zero biases.
// CHECK-LABEL: func.func @init() -> (tensor<4x8xf32>, tensor<8xf32>, tensor<8x3xf32>, tensor<3xf32>)
// CHECK-NEXT:    %[[M0:.*]] = charl.constant 0.000000e+00 : f32
// CHECK-NEXT:    %[[S0:.*]] = charl.constant 0.707106769 : f32
// CHECK-NEXT:    %[[SEED0:.*]] = charl.constant 3000009 : i64
// CHECK-NEXT:    %[[W0:.*]] = charl.random normal %[[SEED0]], %[[M0]], %[[S0]] : f32 -> tensor<4x8xf32>
// CHECK-NEXT:    %[[B0:.*]] = charl.constant dense<0.000000e+00> : tensor<8xf32>
// CHECK-NEXT:    %[[LO:.*]] = charl.constant -0.738548934 : f32
// CHECK-NEXT:    %[[HI:.*]] = charl.constant 0.738548934 : f32
// CHECK-NEXT:    %[[SEED2:.*]] = charl.constant 3000011 : i64
// CHECK-NEXT:    %[[W2:.*]] = charl.random uniform %[[SEED2]], %[[LO]], %[[HI]] : f32 -> tensor<8x3xf32>
// CHECK-NEXT:    %[[B2:.*]] = charl.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK-NEXT:    func.return %[[W0]], %[[B0]], %[[W2]], %[[B2]]
fn init() -> Mlp { return Mlp(seed: 3) }

// A run-time seed: the per-parameter seeds are computed with charl ops.
// CHECK-LABEL: func.func @init_at(
// CHECK-SAME:      %[[S:.*]]: i32)
// CHECK-NEXT:    %[[S64:.*]] = charl.cast %[[S]] : i32 to i64
// CHECK-NEXT:    %[[K:.*]] = charl.constant 1000003 : i64
// CHECK-NEXT:    %[[BASE:.*]] = charl.mul %[[S64]], %[[K]] : i64
// CHECK:         charl.random normal %[[BASE]], %{{.*}}, %{{.*}} : f32 -> tensor<4x8xf32>
// CHECK:         %[[TWO:.*]] = charl.constant 2 : i64
// CHECK-NEXT:    %[[SEED2:.*]] = charl.add %[[BASE]], %[[TWO]] : i64
// CHECK-NEXT:    charl.random uniform %[[SEED2]], %{{.*}}, %{{.*}} : f32 -> tensor<8x3xf32>
fn init_at(s: int32) -> Mlp { return Mlp(seed: s) }

// The layers are emitted inline: dense = matmul + broadcast bias + activation; dropout is active
// with `training: true`, seeded from `seed:` and the layer's index.
// CHECK-LABEL: func.func @train(
// CHECK-SAME:      %[[W0:[a-z0-9_]+]]: tensor<4x8xf32>, %[[B0:[a-z0-9_]+]]: tensor<8xf32>, %[[W2:[a-z0-9_]+]]: tensor<8x3xf32>, %[[B2:[a-z0-9_]+]]: tensor<3xf32>, %[[X:[a-z0-9_]+]]: tensor<2x4xf32>, %[[S:[a-z0-9_]+]]: i32)
// CHECK-NEXT:    %[[MM:.*]] = charl.matmul %[[X]], %[[W0]] : tensor<2x4xf32>, tensor<4x8xf32> -> tensor<2x8xf32>
// CHECK-NEXT:    %[[BB:.*]] = charl.broadcast_to %[[B0]] : tensor<8xf32> -> tensor<2x8xf32>
// CHECK-NEXT:    %[[ADD:.*]] = charl.add %[[MM]], %[[BB]] : tensor<2x8xf32>
// CHECK-NEXT:    %[[H:.*]] = charl.relu %[[ADD]] : tensor<2x8xf32>
// CHECK-NEXT:    %[[S64:.*]] = charl.cast %[[S]] : i32 to i64
// CHECK:         %[[LSEED:.*]] = charl.add %{{.*}}, %{{.*}} : i64
// CHECK:         %[[U:.*]] = charl.random uniform %[[LSEED]], %{{.*}}, %{{.*}} : f32 -> tensor<2x8xf32>
// CHECK:         charl.compare ge %[[U]], %{{.*}} : tensor<2x8xf32> -> tensor<2x8xi1>
// CHECK:         %[[D:.*]] = charl.div %{{.*}}, %{{.*}} : tensor<2x8xf32>
// CHECK-NEXT:    %[[MM2:.*]] = charl.matmul %[[D]], %[[W2]] : tensor<2x8xf32>, tensor<8x3xf32> -> tensor<2x3xf32>
// CHECK-NEXT:    %[[BB2:.*]] = charl.broadcast_to %[[B2]] : tensor<3xf32> -> tensor<2x3xf32>
// CHECK-NEXT:    %[[ADD2:.*]] = charl.add %[[MM2]], %[[BB2]] : tensor<2x3xf32>
// CHECK-NEXT:    %[[P:.*]] = charl.softmax %[[ADD2]] {axis = 1 : i64} : tensor<2x3xf32>
// CHECK-NEXT:    func.return %[[P]]
fn train(m: Mlp, x: tensor<float32, [2, 4]>, s: int32) -> tensor<float32, [2, 3]> { return m(x, training: true, seed: s) }

// A run-time `training:` flag selects between the dropped and the plain activations.
// CHECK-LABEL: func.func @maybe(
// CHECK-SAME:      %[[T:[a-z0-9_]+]]: i1)
// CHECK:         %[[H:.*]] = charl.relu
// CHECK:         %[[D:.*]] = charl.div
// CHECK-NEXT:    %[[TB:.*]] = charl.broadcast_to %[[T]] : i1 -> tensor<2x8xi1>
// CHECK-NEXT:    %[[SEL:.*]] = charl.select %[[TB]], %[[D]], %[[H]] : tensor<2x8xi1>, tensor<2x8xf32>
// CHECK-NEXT:    charl.matmul %[[SEL]], %{{.*}} : tensor<2x8xf32>, tensor<8x3xf32> -> tensor<2x3xf32>
fn maybe(m: Mlp, x: tensor<float32, [2, 4]>, t: bool) -> tensor<float32, [2, 3]> { return m.forward(x, training: t) }

// CHECK-LABEL: func.func @images(
// CHECK-SAME:      %[[W:[a-z0-9_]+]]: tensor<2x1x3x3xf32>, %[[B:[a-z0-9_]+]]: tensor<2xf32>, %[[G:[a-z0-9_]+]]: tensor<32xf32>, %[[BETA:[a-z0-9_]+]]: tensor<32xf32>, %{{.*}}: tensor<32x2xf32>, %{{.*}}: tensor<2xf32>, %[[X:[a-z0-9_]+]]: tensor<2x1x8x8xf32>)
// CHECK-NEXT:    %[[C:.*]] = charl.conv2d %[[X]], %[[W]], %[[B]] {stride = 1 : i64, padding = 1 : i64} : tensor<2x1x8x8xf32>, tensor<2x1x3x3xf32>, tensor<2xf32> -> tensor<2x2x8x8xf32>
// CHECK-NEXT:    %[[A:.*]] = charl.tanh %[[C]] : tensor<2x2x8x8xf32>
// CHECK-NEXT:    %[[P:.*]] = charl.pool2d max %[[A]] {kernel = 2 : i64, stride = 2 : i64} : tensor<2x2x8x8xf32> -> tensor<2x2x4x4xf32>
// CHECK-NEXT:    %[[F:.*]] = charl.reshape %[[P]] : tensor<2x2x4x4xf32> -> tensor<2x32xf32>
// CHECK-NEXT:    %[[N:.*]] = charl.layer_norm %[[F]], %[[G]], %[[BETA]] {eps = 1.000000e-05 : f64} : tensor<2x32xf32>, tensor<32xf32>
// CHECK-NEXT:    charl.matmul %[[N]], %{{.*}} : tensor<2x32xf32>, tensor<32x2xf32> -> tensor<2x2xf32>
fn images(m: Cnn, x: tensor<float32, [2, 1, 8, 8]>) -> tensor<float32, [2, 2]> { return m(x) }

// embedding gathers rows of its table; a dense layer on a rank-3 input folds the leading dims.
// CHECK-LABEL: func.func @tokens(
// CHECK-SAME:      %[[T:[a-z0-9_]+]]: tensor<10x4xf32>, %[[W:[a-z0-9_]+]]: tensor<4x2xf32>, %{{.*}}: tensor<2xf32>, %[[IDS:[a-z0-9_]+]]: tensor<2x5xi32>)
// CHECK-NEXT:    %[[E:.*]] = charl.gather %[[T]], %[[IDS]] {axis = 0 : i64} : tensor<10x4xf32>, tensor<2x5xi32> -> tensor<2x5x4xf32>
// CHECK-NEXT:    %[[R:.*]] = charl.reshape %[[E]] : tensor<2x5x4xf32> -> tensor<10x4xf32>
// CHECK-NEXT:    %[[MM:.*]] = charl.matmul %[[R]], %[[W]] : tensor<10x4xf32>, tensor<4x2xf32> -> tensor<10x2xf32>
// CHECK-NEXT:    charl.reshape %[[MM]] : tensor<10x2xf32> -> tensor<2x5x2xf32>
// CHECK:         charl.sigmoid %{{.*}} : tensor<2x5x2xf32>
fn tokens(m: Tok, ids: tensor<int32, [2, 5]>) -> tensor<float32, [2, 5, 2]> { return m(ids) }

// A run-time batch: the bias broadcasts take the batch size from the product.
// CHECK-LABEL: func.func @infer(
// CHECK-SAME:      %[[X:[a-z0-9_]+]]: tensor<?x4xf32>) -> tensor<?x3xf32>
// CHECK-NEXT:    %[[MM:.*]] = charl.matmul %[[X]], %{{.*}} : tensor<?x4xf32>, tensor<4x8xf32> -> tensor<?x8xf32>
// CHECK-NEXT:    %[[N:.*]] = charl.dim %[[MM]] {axis = 0 : i64} : tensor<?x8xf32>
// CHECK-NEXT:    charl.broadcast_to %{{.*}} dims(%[[N]]) : tensor<8xf32> -> tensor<?x8xf32>
// CHECK-NOT:     charl.random
// CHECK:         charl.softmax %{{.*}} {axis = 1 : i64} : tensor<?x3xf32>
fn infer(m: Mlp, x: tensor<float32, [B, 4]>) -> tensor<float32, [B, 3]> { return m(x) }

let m = init()
let x: tensor<float32, [?, 4]> = load_npy("x.npy")
print(infer(m, x), train(init_at(4), zeros([2, 4]), 7), maybe(m, zeros([2, 4]), false))
print(images(Cnn(seed: 1), zeros([2, 1, 8, 8])), tokens(Tok(seed: 2), [[1, 2, 3, 4, 5], [0, 0, 0, 0, 0]]))
