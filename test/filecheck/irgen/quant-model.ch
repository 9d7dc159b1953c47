// RUN: charlc %s --emit=mlir | filecheck %s

model Mlp {
    layers {
        dense(64, 32, activation: relu)
        dense(32, 4)
    }
}

model Lin {
    params {
        w: tensor<float32, [64, 4]> = xavier_uniform()
        b: tensor<float32, [4]> = zeros()
    }
    fn forward(self, x: tensor<float32, [B, 64]>) -> tensor<float32, [B, 4]> { return x @ self.w + self.b }
}

// int8: one scale per output channel (axis 1 of [in, out]); dense layers multiply with qmatmul.
// CHECK-LABEL: func.func @q8(
// CHECK-SAME:      %[[W0:[a-z0-9_]+]]: tensor<64x32xf32>, %[[B0:[a-z0-9_]+]]: tensor<32xf32>, %[[W1:[a-z0-9_]+]]: tensor<32x4xf32>, %[[B1:[a-z0-9_]+]]: tensor<4xf32>, %[[X:[a-z0-9_]+]]: tensor<2x64xf32>)
// CHECK-NEXT:    %[[Q0:[a-z0-9_]+]], %[[S0:[a-z0-9_]+]] = charl.quantize int8 %[[W0]] {axis = 1 : i64} : tensor<64x32xf32> -> tensor<64x32xi8>, tensor<32xf32>
// CHECK-NEXT:    %[[Q1:[a-z0-9_]+]], %[[S1:[a-z0-9_]+]] = charl.quantize int8 %[[W1]] {axis = 1 : i64} : tensor<32x4xf32> -> tensor<32x4xi8>, tensor<4xf32>
// CHECK-NEXT:    %[[Y0:.*]] = charl.qmatmul %[[X]], %[[Q0]], %[[S0]] : tensor<2x64xf32>, tensor<64x32xi8>, tensor<32xf32> -> tensor<2x32xf32>
// CHECK-NEXT:    %[[BB0:.*]] = charl.broadcast_to %[[B0]] : tensor<32xf32> -> tensor<2x32xf32>
// CHECK-NEXT:    %[[A0:.*]] = charl.add %[[Y0]], %[[BB0]] : tensor<2x32xf32>
// CHECK-NEXT:    %[[H:.*]] = charl.relu %[[A0]] : tensor<2x32xf32>
// CHECK-NEXT:    charl.qmatmul %[[H]], %[[Q1]], %[[S1]] : tensor<2x32xf32>, tensor<32x4xi8>, tensor<4xf32> -> tensor<2x4xf32>
fn q8(m: Mlp, x: tensor<float32, [2, 64]>) -> tensor<float32, [2, 4]> {
    let q = quantize(m, int8)
    return q(x)
}

// int4: groups of 32 along the input dimension by default.
// CHECK-LABEL: func.func @q4(
// CHECK-SAME:      %[[W0:[a-z0-9_]+]]: tensor<64x32xf32>, %{{.*}}: tensor<32xf32>, %[[W1:[a-z0-9_]+]]: tensor<32x4xf32>, %{{.*}}: tensor<4xf32>, %[[X:[a-z0-9_]+]]: tensor<?x64xf32>)
// CHECK-NEXT:    %[[Q0:[a-z0-9_]+]], %[[S0:[a-z0-9_]+]] = charl.quantize int4 %[[W0]] {axis = 1 : i64, group = 32 : i64} : tensor<64x32xf32> -> tensor<64x32xi4>, tensor<2x32xf32>
// CHECK-NEXT:    %[[Q1:[a-z0-9_]+]], %[[S1:[a-z0-9_]+]] = charl.quantize int4 %[[W1]] {axis = 1 : i64, group = 32 : i64} : tensor<32x4xf32> -> tensor<32x4xi4>, tensor<1x4xf32>
// CHECK-NEXT:    charl.qmatmul %[[X]], %[[Q0]], %[[S0]] {group = 32 : i64} : tensor<?x64xf32>, tensor<64x32xi4>, tensor<2x32xf32> -> tensor<?x32xf32>
// CHECK:         charl.qmatmul %{{.*}}, %[[Q1]], %[[S1]] {group = 32 : i64} : tensor<?x32xf32>, tensor<32x4xi4>, tensor<1x4xf32> -> tensor<?x4xf32>
fn q4(m: Mlp, x: tensor<float32, [?, 64]>) -> tensor<float32, [?, 4]> {
    let q = quantize(m, int4)
    return q(x)
}

// A params-form model dequantizes its quantized parameters and calls the float forward.
// CHECK-LABEL: func.func @qparams(
// CHECK-SAME:      %[[W:[a-z0-9_]+]]: tensor<64x4xf32>, %[[B:[a-z0-9_]+]]: tensor<4xf32>, %[[X:[a-z0-9_]+]]: tensor<2x64xf32>)
// CHECK-NEXT:    %[[Q:[a-z0-9_]+]], %[[S:[a-z0-9_]+]] = charl.quantize int4 %[[W]] {axis = 1 : i64, group = 16 : i64} : tensor<64x4xf32> -> tensor<64x4xi4>, tensor<4x4xf32>
// CHECK-NEXT:    %[[DW:.*]] = charl.dequantize %[[Q]], %[[S]] {axis = 1 : i64, group = 16 : i64} : tensor<64x4xi4>, tensor<4x4xf32> -> tensor<64x4xf32>
// CHECK-NEXT:    func.call @Lin.forward(%[[DW]], %[[B]], %[[X]])
fn qparams(m: Lin, x: tensor<float32, [2, 64]>) -> tensor<float32, [2, 4]> {
    let q = quantize(m, int4, group: 16)
    return q(x)
}

let x = zeros([2, 64])
let d: tensor<float32, [?, 64]> = load_npy("x.npy")
print(q8(Mlp(seed: 0), x), q4(Mlp(seed: 1), d), qparams(Lin(seed: 2), x))
