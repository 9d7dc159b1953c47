// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// `x[...] = v` broadcasts `v` to the indexed region, reshapes it to the rank-preserving window and
// writes it with `charl.update_slice`; the `mut` binding then names the result.

// CHECK-LABEL: func.func @main()
// CHECK:         %[[Z:z]] = charl.constant dense<0.000000e+00> : tensor<4x4xf32>
// CHECK-NEXT:    %[[R0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[ONE:.*]] = charl.constant 1.000000e+00 : f32
// CHECK-NEXT:    %[[ROW:.*]] = charl.broadcast_to %[[ONE]] : f32 -> tensor<4xf32>
// CHECK-NEXT:    %[[WIN:.*]] = charl.reshape %[[ROW]] : tensor<4xf32> -> tensor<1x4xf32>
// CHECK-NEXT:    %[[Z1:z_1]] = charl.update_slice %[[WIN]] into %[[Z]][%[[R0]], %[[C0]]] : tensor<1x4xf32> into tensor<4x4xf32>
// CHECK:         %[[V:.*]] = charl.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
// CHECK-NEXT:    %[[VB:.*]] = charl.broadcast_to %[[V]] : tensor<4xf32> -> tensor<2x4xf32>
// CHECK-NEXT:    %[[Z2:z_2]] = charl.update_slice %[[VB]] into %[[Z1]][%{{.*}}, %{{.*}}] : tensor<2x4xf32> into tensor<4x4xf32>
// CHECK:         %[[S:.*]] = charl.constant 7.000000e+00 : f32
// CHECK-NEXT:    %[[SW:.*]] = charl.reshape %[[S]] : f32 -> tensor<1x1xf32>
// CHECK-NEXT:    %[[Z3:z_3]] = charl.update_slice %[[SW]] into %[[Z2]][%{{.*}}, %{{.*}}] : tensor<1x1xf32> into tensor<4x4xf32>
// CHECK-NEXT:    charl.print "{}", %[[Z3]] : tensor<4x4xf32>
let mut z = zeros([4, 4])
z[0] = 1.0
z[1:3, :] = [1.0, 2.0, 3.0, 4.0]
z[2, 3] = 7.0
print(z)
