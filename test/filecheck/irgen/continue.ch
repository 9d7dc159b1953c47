// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// `continue` sets a flag that starts false in every iteration (it is not loop-carried); the rest
// of the iteration runs under `scf.if` on its negation. A `for` with only `continue` stays `scf.for`.

// CHECK-LABEL: func.func @main()
// CHECK:         %[[R:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:total_[0-9]+]] = %{{.*}}) -> (i32) {
// CHECK-NEXT:      %[[I:i_[0-9]+]] = arith.index_cast %{{.*}} : index to i32
// CHECK-NEXT:      %[[FALSE:.*]] = charl.constant false
// CHECK:           %[[ODD:.*]] = charl.compare eq %{{.*}}, %{{.*}} : i32 -> i1
// CHECK-NEXT:      %[[CONT:continue]] = scf.if %[[ODD]] -> (i1) {
// CHECK-NEXT:        %[[TRUE:.*]] = charl.constant true
// CHECK-NEXT:        scf.yield %[[TRUE]] : i1
// CHECK-NEXT:      } else {
// CHECK-NEXT:        scf.yield %[[FALSE]] : i1
// CHECK-NEXT:      }
// CHECK-NEXT:      %[[GO:.*]] = charl.not %[[CONT]] : i1
// CHECK-NEXT:      %[[NEW:total_[0-9]+]] = scf.if %[[GO]] -> (i32) {
// CHECK-NEXT:        charl.print "{}", %[[I]] : i32
// CHECK-NEXT:        %[[SUM:total_[0-9]+]] = charl.add %[[ACC]], %[[I]] : i32
// CHECK-NEXT:        scf.yield %[[SUM]] : i32
// CHECK-NEXT:      } else {
// CHECK-NEXT:        scf.yield %[[ACC]] : i32
// CHECK-NEXT:      }
// CHECK-NEXT:      scf.yield %[[NEW]] : i32
// CHECK-NEXT:    }
// CHECK-NEXT:    charl.print "{}", %[[R]] : i32
let mut total = 0
for i in 0..10 {
    if i % 2 == 1 { continue }
    print(i)
    total = total + i
}
print(total)
