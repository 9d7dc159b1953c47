// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// Tuples are flattened: a tuple result is several results, `t.0` picks one, `let (a, b)` names them.

// CHECK-LABEL: func.func @pair(
// CHECK-SAME:      %[[A:a]]: f32) -> (f32, tensor<2xf32>)
// CHECK:           %[[V:.*]] = charl.from_elements %[[A]], %{{.*}} : tensor<2xf32>
// CHECK-NEXT:      func.return %[[A]], %[[V]] : f32, tensor<2xf32>
fn pair(a: float32) -> (float32, tensor<float32, [2]>) { return (a, [a, 2.0 * a]) }

// CHECK-LABEL: func.func @main()
// CHECK:         %[[S:s]], %[[V:v]] = func.call @pair(%{{.*}}) : (f32) -> (f32, tensor<2xf32>)
// CHECK-NEXT:    %[[T0:t]], %[[T1:t_[0-9]+]] = func.call @pair(%[[S]]) : (f32) -> (f32, tensor<2xf32>)
// CHECK-NEXT:    %[[P:p]] = charl.constant 1 : i32
// CHECK-NEXT:    %[[Q:q]] = charl.constant 2 : i32
// CHECK-NEXT:    charl.print "{} {} {} {} ({}, {})", %[[T0]], %[[T1]], %[[V]], %[[Q]], %[[S]], %[[P]] : f32, tensor<2xf32>, tensor<2xf32>, i32, f32, i32
let (s, v) = pair(1.5)
let t = pair(s)
let mut p = 1
let mut q = 2
(p, q) = (q, p)
print(t.0, t.1, v, p, (s, q))
