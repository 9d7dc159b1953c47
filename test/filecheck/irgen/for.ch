// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// `for i in a..b` -> `scf.for` over `index` (bounds cast with `arith.index_cast`, step 1); the loop
// variable is the induction variable cast back to the bounds' integer type. The outer variables the
// body assigns, and only those, are `iter_args`.

// CHECK-LABEL: func.func @main()
// CHECK:         %[[STEP:step]] = charl.constant 0 : i32
// CHECK-NEXT:    %[[UNUSED:other]] = charl.constant 5 : i32
// CHECK-NEXT:    %[[LO:.*]] = charl.constant 0 : i32
// CHECK-NEXT:    %[[LB:.*]] = arith.index_cast %[[LO]] : i32 to index
// CHECK-NEXT:    %[[HI:.*]] = charl.constant 10 : i32
// CHECK-NEXT:    %[[UB:.*]] = arith.index_cast %[[HI]] : i32 to index
// CHECK-NEXT:    %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %[[R:step_[0-9]+]] = scf.for %[[IV:epoch]] = %[[LB]] to %[[UB]] step %[[ONE]] iter_args(%[[ACC:step_[0-9]+]] = %[[STEP]]) -> (i32) {
// CHECK-NEXT:      %[[E:epoch_[0-9]+]] = arith.index_cast %[[IV]] : index to i32
// CHECK-NEXT:      %[[S1:.*]] = charl.add %[[ACC]], %[[E]] : i32
// CHECK-NEXT:      %[[S2:.*]] = charl.add %[[S1]], %[[UNUSED]] : i32
// CHECK-NEXT:      scf.yield %[[S2]] : i32
// CHECK-NEXT:    }
// CHECK:         scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[R]]) -> (i32) {
// CHECK:           arith.index_cast %{{.*}} : index to i64
// CHECK:         }
let mut step = 0
let mut other = 5
for epoch in 0..10 { step = step + epoch + other }
let n: int64 = 3
for j in 0..n { step = step + cast(j, int32) }
print(step, other)
