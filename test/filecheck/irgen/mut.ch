// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// Assigning to a `let mut` binding rebinds the name to the new value (SSA): later reads see it.

// CHECK-LABEL: func.func @main()
// CHECK:         %[[W0:w]] = charl.constant dense<0.000000e+00> : tensor<2xf32>
// CHECK:         %[[S:.*]] = charl.mul %{{.*}}, %{{.*}} : tensor<2xf32>
// CHECK-NEXT:    %[[W1:w_[0-9]+]] = charl.sub %[[W0]], %[[S]] : tensor<2xf32>
// CHECK:         %[[W2:w_[0-9]+]] = charl.add %[[W1]], %{{.*}} : tensor<2xf32>
// CHECK-NEXT:    charl.print "{} {}", %[[W0]], %[[W2]] : tensor<2xf32>, tensor<2xf32>
let mut w: tensor<float32, [2]> = [0.0, 0.0]
let w0 = w
w = w - 0.1 * [1.0, 1.0]
w = w + w
print(w0, w)
