// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// `while c { }` -> `scf.while`: the before-region computes the condition from the carried values,
// the after-region runs the body; only variables the body assigns are carried.

// CHECK-LABEL: func.func @main()
// CHECK:         %[[I:i]] = charl.constant 0 : i32
// CHECK-NEXT:    %[[S:s]] = charl.constant 1.000000e+00 : f32
// CHECK-NEXT:    %[[K:k]] = charl.constant 7 : i32
// CHECK-NEXT:    %[[RI:i_[0-9]+]], %[[RS:s_[0-9]+]] = scf.while (%[[BI:i_[0-9]+]] = %[[I]], %[[BS:s_[0-9]+]] = %[[S]]) : (i32, f32) -> (i32, f32) {
// CHECK-NEXT:      %[[LIM:.*]] = charl.constant 100 : i32
// CHECK-NEXT:      %[[C:.*]] = charl.compare lt %[[BI]], %[[LIM]] : i32 -> i1
// CHECK-NEXT:      scf.condition(%[[C]]) %[[BI]], %[[BS]] : i32, f32
// CHECK-NEXT:    } do {
// CHECK-NEXT:    ^bb0(%[[AI:i_[0-9]+]]: i32, %[[AS:s_[0-9]+]]: f32):
// CHECK-NEXT:      %[[NI:i_[0-9]+]] = charl.add %[[AI]], %[[K]] : i32
// CHECK:           %[[NS:s_[0-9]+]] = charl.mul %[[AS]], %{{.*}} : f32
// CHECK-NEXT:      scf.yield %[[NI]], %[[NS]] : i32, f32
// CHECK-NEXT:    }
// CHECK-NEXT:    charl.print "{} {} {}", %[[RI]], %[[RS]], %[[K]] : i32, f32, i32
let mut i = 0
let mut s = 1.0
let mut k = 7
while i < 100 { i = i + k; s = s * 2.0 }
print(i, s, k)
