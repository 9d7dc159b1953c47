// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// `if`/`else if`/`else` -> nested `scf.if`; each yields exactly the outer variables its branches
// assign (a branch that does not assign one yields the value from before the `if`).

// CHECK-LABEL: func.func @main()
// CHECK:         %[[LOSS:loss]] = charl.constant 5.000000e-01 : f32
// CHECK-NEXT:    %[[A:a]] = charl.constant 0 : i32
// CHECK-NEXT:    %[[B:b]] = charl.constant 0 : i32
// CHECK-NEXT:    %[[C:c]] = charl.constant 0 : i32
// CHECK:         %[[C1:.*]] = charl.compare lt %[[LOSS]], %{{.*}} : f32 -> i1
// CHECK-NEXT:    %[[A1:a_[0-9]+]], %[[B1:b_[0-9]+]] = scf.if %[[C1]] -> (i32, i32) {
// CHECK-NEXT:      charl.print "converged"
// CHECK-NEXT:      %[[ONE:.*]] = charl.constant 1 : i32
// CHECK-NEXT:      scf.yield %[[ONE]], %[[B]] : i32, i32
// CHECK-NEXT:    } else {
// CHECK:           %[[C2:.*]] = charl.compare gt %[[LOSS]], %{{.*}} : f32 -> i1
// CHECK-NEXT:      %[[A2:a_[0-9]+]], %[[B2:b_[0-9]+]] = scf.if %[[C2]] -> (i32, i32) {
// CHECK-NEXT:        charl.print "diverging"
// CHECK-NEXT:        %[[TWO:.*]] = charl.constant 2 : i32
// CHECK-NEXT:        scf.yield %[[TWO]], %[[B]] : i32, i32
// CHECK-NEXT:      } else {
// CHECK-NEXT:        charl.print "training"
// CHECK-NEXT:        %[[THREE:.*]] = charl.constant 3 : i32
// CHECK-NEXT:        scf.yield %[[A]], %[[THREE]] : i32, i32
// CHECK-NEXT:      }
// CHECK-NEXT:      scf.yield %[[A2]], %[[B2]] : i32, i32
// CHECK-NEXT:    }
// An `if` without `else` that assigns nothing outside has no results and an empty else region.
// CHECK:         scf.if %{{.*}} {
// CHECK-NEXT:      %[[T:.*]] = charl.constant 1 : i32
// CHECK-NEXT:      charl.print "{}", %[[T]] : i32
// CHECK-NEXT:    }
// CHECK-NEXT:    charl.print "{} {} {}", %[[A1]], %[[B1]], %[[C]] : i32, i32, i32
let loss = 0.5
let mut a = 0
let mut b = 0
let mut c = 0
if loss < 0.01 { print("converged"); a = 1 } else if loss > 10.0 { print("diverging"); a = 2 } else { print("training"); b = 3 }
if loss > 0.0 {
    let mut c = 1
    print(c)
}
print(a, b, c)
