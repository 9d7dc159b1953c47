// RUN: charlc %s --emit=mlir | filecheck %s

model Linear(d_in: int32, d_out: int32) {
    params {
        w: tensor<float32, [d_in, d_out]> = xavier_uniform()
        b: tensor<float32, [d_out]> = zeros()
    }
    fn forward(self, x: tensor<float32, [B, d_in]>) -> tensor<float32, [B, d_out]> {
        return x @ self.w + self.b
    }
}

model Enc {
    layers {
        dense(2, 4, activation: relu)
    }
}

model TwoLayer {
    params {
        enc: Enc()
        l1: Linear(4, 8)
        l2: Linear(8, 1)
    }
    fn forward(self, x: tensor<float32, [B, 2]>) { return sigmoid(self.l2(relu(self.l1(self.enc(x))))) }
}

// A nested model is one flat list of parameters in path order (enc.layers.0.*, l1.*, l2.*), each
// seeded by its index in that list.
// CHECK-LABEL: func.func @make() -> (tensor<2x4xf32>, tensor<4xf32>, tensor<4x8xf32>, tensor<8xf32>, tensor<8x1xf32>, tensor<1xf32>)
// CHECK:         %[[S0:.*]] = charl.constant 1000003 : i64
// CHECK-NEXT:    charl.random normal %[[S0]], %{{.*}}, %{{.*}} : f32 -> tensor<2x4xf32>
// CHECK:         %[[S2:.*]] = charl.constant 1000005 : i64
// CHECK-NEXT:    charl.random uniform %[[S2]], %{{.*}}, %{{.*}} : f32 -> tensor<4x8xf32>
// CHECK:         %[[S4:.*]] = charl.constant 1000007 : i64
// CHECK-NEXT:    charl.random uniform %[[S4]], %{{.*}}, %{{.*}} : f32 -> tensor<8x1xf32>
fn make() { return TwoLayer(seed: 1) }

// `self.l1(x)` passes the sub-model's parameters; the sequential sub-model's layers are inline.
// CHECK-LABEL: func.func @TwoLayer.forward(
// CHECK-SAME:      %[[EW:[a-z0-9_]+]]: tensor<2x4xf32>, %[[EB:[a-z0-9_]+]]: tensor<4xf32>, %[[W1:[a-z0-9_]+]]: tensor<4x8xf32>, %[[B1:[a-z0-9_]+]]: tensor<8xf32>, %[[W2:[a-z0-9_]+]]: tensor<8x1xf32>, %[[B2:[a-z0-9_]+]]: tensor<1xf32>, %[[X:[a-z0-9_]+]]: tensor<3x2xf32>)
// CHECK-NEXT:    %[[MM:.*]] = charl.matmul %[[X]], %[[EW]] : tensor<3x2xf32>, tensor<2x4xf32> -> tensor<3x4xf32>
// CHECK-NEXT:    %[[EBB:.*]] = charl.broadcast_to %[[EB]] : tensor<4xf32> -> tensor<3x4xf32>
// CHECK-NEXT:    %[[ADD:.*]] = charl.add %[[MM]], %[[EBB]] : tensor<3x4xf32>
// CHECK-NEXT:    %[[H:.*]] = charl.relu %[[ADD]] : tensor<3x4xf32>
// CHECK-NEXT:    %[[Y1:.*]] = func.call @Linear.forward(%[[W1]], %[[B1]], %[[H]])
// CHECK-NEXT:    %[[R:.*]] = charl.relu %[[Y1]] : tensor<3x8xf32>
// CHECK-NEXT:    %[[Y2:.*]] = func.call @Linear.forward_1(%[[W2]], %[[B2]], %[[R]])
// CHECK-NEXT:    charl.sigmoid %[[Y2]] : tensor<3x1xf32>
fn run(m: TwoLayer, x: tensor<float32, [3, 2]>) -> tensor<float32, [3, 1]> { return m(x) }

print(run(make(), zeros([3, 2])))
