// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// `break` sets a flag. A `for` that may break becomes an `scf.while` on a counter of the loop
// variable's type whose condition also tests the flag; statements after a possible `break` run
// under `scf.if` on the negated flag.

// CHECK-LABEL: func.func @main()
// CHECK:         %[[TOTAL:total]] = charl.constant 0 : i32
// CHECK-NEXT:    %[[START:.*]] = charl.constant 0 : i32
// CHECK-NEXT:    %[[END:.*]] = charl.constant 5 : i32
// CHECK-NEXT:    %[[FALSE:.*]] = charl.constant false
// CHECK-NEXT:    %[[RT:total_[0-9]+]], %{{.*}}, %{{.*}} = scf.while (%[[BT:total_[0-9]+]] = %[[TOTAL]], %[[BI:i_[0-9]+]] = %[[START]], %[[BB:break_[0-9]+]] = %[[FALSE]]) : (i32, i32, i1) -> (i32, i32, i1) {
// CHECK-NEXT:      %[[LT:.*]] = charl.compare lt %[[BI]], %[[END]] : i32 -> i1
// CHECK-NEXT:      %[[NB:.*]] = charl.not %[[BB]] : i1
// CHECK-NEXT:      %[[GO:.*]] = charl.and %[[LT]], %[[NB]] : i1
// CHECK-NEXT:      scf.condition(%[[GO]]) %[[BT]], %[[BI]], %[[BB]] : i32, i32, i1
// CHECK-NEXT:    } do {
// CHECK-NEXT:    ^bb0(%[[AT:total_[0-9]+]]: i32, %[[AI:i_[0-9]+]]: i32, %[[AB:break_[0-9]+]]: i1):
// CHECK:           %[[HIT:.*]] = charl.compare eq %[[AI]], %{{.*}} : i32 -> i1
// CHECK-NEXT:      %[[B1:break_[0-9]+]] = scf.if %[[HIT]] -> (i1) {
// CHECK-NEXT:        %[[TRUE:.*]] = charl.constant true
// CHECK-NEXT:        scf.yield %[[TRUE]] : i1
// CHECK-NEXT:      } else {
// CHECK-NEXT:        scf.yield %[[AB]] : i1
// CHECK-NEXT:      }
// CHECK-NEXT:      %[[NOT:.*]] = charl.not %[[B1]] : i1
// CHECK-NEXT:      %[[T1:total_[0-9]+]] = scf.if %[[NOT]] -> (i32) {
// CHECK-NEXT:        %[[T2:total_[0-9]+]] = charl.add %[[AT]], %[[AI]] : i32
// CHECK-NEXT:        scf.yield %[[T2]] : i32
// CHECK-NEXT:      } else {
// CHECK-NEXT:        scf.yield %[[AT]] : i32
// CHECK-NEXT:      }
// CHECK-NEXT:      %[[ONE:.*]] = charl.constant 1 : i32
// CHECK-NEXT:      %[[NI:i_[0-9]+]] = charl.add %[[AI]], %[[ONE]] : i32
// CHECK-NEXT:      scf.yield %[[T1]], %[[NI]], %[[B1]] : i32, i32, i1
// CHECK-NEXT:    }
// CHECK-NEXT:    charl.print "{}", %[[RT]] : i32
let mut total = 0
for i in 0..5 {
    if i == 3 { break }
    total = total + i
}
print(total)

// A `while` that may break: the condition is not evaluated once the flag is set.
// CHECK:         scf.while
// CHECK-NEXT:      %[[COND:.*]] = scf.if %{{.*}} -> (i1) {
// CHECK-NEXT:        %[[NO:.*]] = charl.constant false
// CHECK-NEXT:        scf.yield %[[NO]] : i1
// CHECK-NEXT:      } else {
// CHECK:             charl.compare lt
// CHECK:           scf.condition(%[[COND]])
let mut k = 0
while k < 10 {
    k = k + 1
    if k * k > 20 { break }
}
print(k)
