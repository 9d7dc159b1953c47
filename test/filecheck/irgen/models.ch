// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// A model value is its parameters (path order). `self.w` reads one parameter; `self.l1` is the
// sub-model made of the parameters under `l1.`, passed on as that model's flattened arguments.

// CHECK-LABEL: func.func @Linear.forward(
// CHECK-SAME:      %[[W:self]]: tensor<4x8xf32>, %[[B:self_[0-9]+]]: tensor<8xf32>, %[[X:x]]: tensor<3x4xf32>) -> tensor<3x8xf32>
// CHECK-NEXT:    %[[M:.*]] = charl.matmul %[[X]], %[[W]] : tensor<3x4xf32>, tensor<4x8xf32> -> tensor<3x8xf32>
// CHECK-NEXT:    %[[BB:.*]] = charl.broadcast_to %[[B]] : tensor<8xf32> -> tensor<3x8xf32>
// CHECK-NEXT:    %[[R:.*]] = charl.add %[[M]], %[[BB]] : tensor<3x8xf32>
// CHECK-NEXT:    func.return %[[R]] : tensor<3x8xf32>
model Linear(d_in: int32, d_out: int32) {
    params {
        w: tensor<float32, [d_in, d_out]> = xavier_uniform()
        b: tensor<float32, [d_out]> = zeros()
    }
    fn forward(self, x: tensor<float32, [B, d_in]>) -> tensor<float32, [B, d_out]> {
        return x @ self.w + self.b
    }
}

// CHECK-LABEL: func.func @TwoLayer.forward(
// CHECK-SAME:      %[[W1:self]]: tensor<4x8xf32>, %[[B1:self_[0-9]+]]: tensor<8xf32>, %[[W2:self_[0-9]+]]: tensor<8x1xf32>, %[[B2:self_[0-9]+]]: tensor<1xf32>, %[[X:x]]: tensor<3x4xf32>)
// CHECK-NEXT:    %[[H:.*]] = func.call @Linear.forward(%[[W1]], %[[B1]], %[[X]])
// CHECK:         func.call @Linear.forward_1(%[[W2]], %[[B2]], %{{.*}})
model TwoLayer {
    params {
        l1: Linear(4, 8)
        l2: Linear(8, 1)
    }
    fn forward(self, x: tensor<float32, [B, 4]>) { return sigmoid(self.l2(relu(self.l1(x)))) }
}

// CHECK-LABEL: func.func @main()
// CHECK:         func.call @TwoLayer.forward(%[[P0:m]], %[[P1:m_[0-9]+]], %[[P2:m_[0-9]+]], %[[P3:m_[0-9]+]], %{{.*}})
let m = TwoLayer(seed: 0)
print(m(ones([3, 4])))
