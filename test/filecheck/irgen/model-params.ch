// RUN: charlc %s --emit=mlir | filecheck %s

model Affine(d_in: int32, d_out: int32) {
    params {
        w: tensor<float32, [d_in, d_out]> = he_normal()
        b: tensor<float32, [d_out]> = zeros()
        s: tensor<float32, [d_out]> = ones()
        n: tensor<float32, [d_out]> = normal(0.02)
        x: tensor<float32, [d_in, d_out]> = xavier_uniform()
    }
    fn forward(self, x: tensor<float32, [B, d_in]>) -> tensor<float32, [B, d_out]> {
        return (x @ self.w + self.b) * self.s + self.n
    }
}

// Every initializer: he_normal (std sqrt(2 / 3)), zeros, ones, normal(0.02), xavier_uniform
// (+-sqrt(6 / 5)); parameter i is seeded with 5 * 1000003 + i.
// CHECK-LABEL: func.func @make() -> (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<3x2xf32>)
// CHECK-NEXT:    %[[ZERO:.*]] = charl.constant 0.000000e+00 : f32
// CHECK-NEXT:    %[[HE:.*]] = charl.constant 0.816496611 : f32
// CHECK-NEXT:    %[[S0:.*]] = charl.constant 5000015 : i64
// CHECK-NEXT:    %[[W:.*]] = charl.random normal %[[S0]], %[[ZERO]], %[[HE]] : f32 -> tensor<3x2xf32>
// CHECK-NEXT:    %[[B:.*]] = charl.constant dense<0.000000e+00> : tensor<2xf32>
// CHECK-NEXT:    %[[S:.*]] = charl.constant dense<1.000000e+00> : tensor<2xf32>
// CHECK-NEXT:    %[[STD:.*]] = charl.constant 2.000000e-02 : f32
// CHECK-NEXT:    %[[S3:.*]] = charl.constant 5000018 : i64
// CHECK-NEXT:    %[[N:.*]] = charl.random normal %[[S3]], %{{.*}}, %[[STD]] : f32 -> tensor<2xf32>
// CHECK-NEXT:    %[[LO:.*]] = charl.constant -1.09544516 : f32
// CHECK-NEXT:    %[[HI:.*]] = charl.constant 1.09544516 : f32
// CHECK-NEXT:    %[[S4:.*]] = charl.constant 5000019 : i64
// CHECK-NEXT:    %[[X:.*]] = charl.random uniform %[[S4]], %[[LO]], %[[HI]] : f32 -> tensor<3x2xf32>
// CHECK-NEXT:    func.return %[[W]], %[[B]], %[[S]], %[[N]], %[[X]]
fn make() { return Affine(3, 2, seed: 5) }

// `m(x)` and `m.forward(x)` call the forward instance with the flattened parameters first.
// CHECK-LABEL: func.func @Affine.forward(
// CHECK-SAME:      %[[W:[a-z0-9_]+]]: tensor<3x2xf32>, %{{.*}}: tensor<2xf32>, %{{.*}}: tensor<2xf32>, %{{.*}}: tensor<2xf32>, %{{.*}}: tensor<3x2xf32>, %[[X:[a-z0-9_]+]]: tensor<4x3xf32>) -> tensor<4x2xf32>
// CHECK-NEXT:    charl.matmul %[[X]], %[[W]] : tensor<4x3xf32>, tensor<3x2xf32> -> tensor<4x2xf32>
// CHECK-LABEL: func.func @apply(
// CHECK-SAME:      %[[P0:[a-z0-9_]+]]: tensor<3x2xf32>, %[[P1:[a-z0-9_]+]]: tensor<2xf32>, %[[P2:[a-z0-9_]+]]: tensor<2xf32>, %[[P3:[a-z0-9_]+]]: tensor<2xf32>, %[[P4:[a-z0-9_]+]]: tensor<3x2xf32>, %[[X:[a-z0-9_]+]]: tensor<4x3xf32>)
// CHECK-NEXT:    func.call @Affine.forward(%[[P0]], %[[P1]], %[[P2]], %[[P3]], %[[P4]], %[[X]])
// CHECK-NEXT:    func.call @Affine.forward(%[[P0]], %[[P1]], %[[P2]], %[[P3]], %[[P4]], %[[X]])
fn apply(m: Affine, x: tensor<float32, [4, 3]>) -> (tensor<float32, [4, 2]>, tensor<float32, [4, 2]>) {
    return (m(x), m.forward(x))
}

print(apply(make(), zeros([4, 3])))
