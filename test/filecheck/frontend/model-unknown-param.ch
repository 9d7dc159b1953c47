// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}model-unknown-param.ch:7:66: error: model `Linear` has no parameter `v`
model Linear(d_in: int32, d_out: int32) {
    params {
        w: tensor<float32, [d_in, d_out]> = xavier_uniform()
    }
    fn forward(self, x: tensor<float32, [B, d_in]>) { return x @ self.v }
}
let m = Linear(3, 2)
let y = m(zeros([1, 3]))
