// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-assign-target.ch:9:1: error: cannot assign to the field 'w'; the left side of '=' must be a name, an indexed name ('x[i] = v') or a tuple of names ('(a, b) = v')
model M {
    params {
        w: tensor<float32, [2]>
    }
}
let m = M(seed: 0)
m.w = zeros([2])
