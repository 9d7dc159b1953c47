// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-self-param.ch:7:41: error: 'self' must be the first parameter
model M {
    params {
        w: tensor<float32, [2]>
    }
    fn forward(x: tensor<float32, [2]>, self) {
        return x * self.w
    }
}
