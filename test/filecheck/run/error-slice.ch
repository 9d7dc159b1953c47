// RUN: not charlc run %s 2>&1 | filecheck %s --match-full-lines

// A slice whose run-time start puts its end past the dimension.

// CHECK:      [1. 2.]
// CHECK-NEXT: [2. 3.]
// CHECK-NEXT: {{.*}}error-slice.ch:11:11: runtime error: slice stop 4 is out of range for axis 0 of size 3
let x = [1.0, 2.0, 3.0]
let mut start = 0
while start < 5 {
    print(x[start : start + 2])
    start = start + 1
}
