// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}model-ctor-arg.ch:10:16: error: model argument `d_in` of `Linear` must be a compile-time integer, got `n` (a run-time value)
model Linear(d_in: int32, d_out: int32) {
    params {
        w: tensor<float32, [d_in, d_out]> = xavier_uniform()
    }
    fn forward(self, x: tensor<float32, [B, d_in]>) { return x @ self.w }
}
let mut n = 4
let m = Linear(n, 2)
