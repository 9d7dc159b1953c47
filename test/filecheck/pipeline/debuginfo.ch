// RUN: charlc %s --emit=mlir --mlir-print-debuginfo | filecheck %s

// Every op carries the location of the source it comes from.

// CHECK: charl.exp %{{.*}} : tensor<2xf32> loc("{{.*}}debuginfo.ch":9:9)
// CHECK: charl.print "{}", %{{.*}} : tensor<2xf32> loc("{{.*}}debuginfo.ch":10:1)
let a = [1.0, 2.0]

let b = exp(a)
print(b)
