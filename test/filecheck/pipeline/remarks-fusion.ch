// RUN: charlc %s --stop-after=linalg --remarks=fusion 2>&1 >/dev/null | filecheck %s --check-prefixes=CHECK,CPU
// RUN: charlc run %s --no-cache --remarks=fusion 2>&1 | filecheck %s --check-prefix=EXEC
// RUN: charlc %s -p 'convert-charl-to-linalg,linalg-fuse-elementwise{remarks=true}' 2>&1 >/dev/null | filecheck %s --check-prefixes=CHECK,PLAIN
// RUN: charlc %s --stop-after=linalg 2>&1 >/dev/null | filecheck %s --check-prefix=QUIET --allow-empty
// RUN: not charlc %s --remarks=inlining 2>&1 | filecheck %s --check-prefix=BAD

// --remarks=fusion: one remark per producer/consumer pair of linalg-fuse-elementwise, at the
// producer, fused or not and why, in source order, each with its source line and a caret.

// `x * x` has two uses (exp and the subtraction): it stays a kernel of its own.
// CHECK:      {{.*}}remarks-fusion.ch:24:13: remark: charl.mul not fused into charl.exp: the producer's result has 2 uses
// CHECK-NEXT: let y = x * x
// CHECK-NEXT: {{^            \^$}}
// CHECK-NEXT: {{.*}}remarks-fusion.ch:24:13: remark: charl.mul not fused into charl.relu: the producer's result has 2 uses
// The scalar 1.0 and the subtraction fuse into relu; the reduction does not fuse into exp.
// CHECK:      {{.*}}remarks-fusion.ch:25:26: remark: fused charl.broadcast_to into charl.sub
// CHECK:      {{.*}}remarks-fusion.ch:25:26: remark: fused charl.sub into charl.relu
// CHECK:      {{.*}}remarks-fusion.ch:28:16: remark: charl.reduce not fused into charl.exp: the producer has reduction loops
// CHECK-NEXT: return exp(sum(x, axis: 1))
// CHECK-NEXT: {{^               \^$}}
// Then no more remarks, except the cpu pipeline's (see the end).

fn f(x: tensor<float32, [4, 8]>) -> (tensor<float32, [4, 8]>, tensor<float32, [4, 8]>) {
    let y = x * x
    return (exp(y), relu(y - 1.0))
}
fn g(x: tensor<float32, [4, 8]>) -> tensor<float32, [4]> {
    return exp(sum(x, axis: 1))
}
let (a, b) = f(ones([4, 8]))
print(sum(a) + sum(b), g(ones([4, 8])))

// charlc run prints the remarks before the program's output.
// EXEC:     {{.*}}remarks-fusion.ch:24:13: remark: charl.mul not fused into charl.exp: the producer's result has 2 uses
// EXEC:     {{.*}}remarks-fusion.ch:28:16: remark: charl.reduce not fused into charl.exp: the producer has reduction loops
// EXEC:     {{^}}86.985{{[0-9]*}} [2980.95{{[0-9]*}} 2980.95{{[0-9]*}} 2980.95{{[0-9]*}} 2980.95{{[0-9]*}}]

// QUIET-NOT:  remark
// BAD: charlc: error: Invalid value for '--remarks': 'inlining' is not one of 'fusion'.

// The cpu pipeline (matmul_epilogues) also fuses the fills of reduction outputs (the sums in main).
// CPU:        {{.*}}remarks-fusion.ch:31:7: remark: fused the initial value of charl.reduce into it
// CPU:        {{.*}}remarks-fusion.ch:31:16: remark: fused the initial value of charl.reduce into it
// CPU-NOT:    remark
// PLAIN-NOT:  remark
