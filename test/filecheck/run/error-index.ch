// RUN: not charlc run %s 2>&1 | filecheck %s --match-full-lines

// An index out of range at run time: what was printed before, then the located message (exit 1).

// CHECK:      1.0
// CHECK-NEXT: 2.0
// CHECK-NEXT: 3.0
// CHECK-NEXT: {{.*}}error-index.ch:11:23: runtime error: index 3 is out of range for axis 0 of size 3
// CHECK-NOT:  {{.}}
let x = [1.0, 2.0, 3.0]
for i in 0..5 { print(x[i]) }
