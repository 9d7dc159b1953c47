// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}shape-size-variable.ch:6:9: error: size variable `K` of `f` is 3 in argument 1 (tensor<float32, [2, 3]>) but 4 in argument 2 (tensor<float32, [4, 5]>)
fn f(a: tensor<float32, [N, K]>, b: tensor<float32, [K, M]>) {
    return a @ b
}
let c = f(zeros([2, 3]), zeros([4, 5]))
