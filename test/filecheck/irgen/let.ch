// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// A `let` names the value it binds; a later use reads that value.

// CHECK-LABEL: func.func @main()
// CHECK-NEXT:    %[[X:x]] = charl.constant 3.000000e+00 : f32
// CHECK-NEXT:    %[[Y:y]] = charl.constant 2.500000e+00 : f64
// CHECK-NEXT:    %[[N:n]] = charl.constant 7 : i64
// CHECK-NEXT:    %[[W:w]] = charl.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %[[B:broadcast_to]] = charl.broadcast_to %[[X]] : f32 -> tensor<2xf32>
// CHECK-NEXT:    %[[Z:z]] = charl.mul %[[W]], %[[B]] : tensor<2xf32>
// CHECK-NEXT:    charl.print "{} {} {} {}", %[[X]], %[[Y]], %[[N]], %[[Z]] : f32, f64, i64, tensor<2xf32>
// CHECK-NEXT:    func.return
let x = 3.0
let y: float64 = 2.5
let n: int64 = 7
let w = [1.0, 2.0]
let z = w * x
print(x, y, n, z)
