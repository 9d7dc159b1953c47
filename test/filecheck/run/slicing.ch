// RUN: charlc run %s | filecheck %s --match-full-lines

// Indexing and slicing with constant and run-time indices; indexed assignment, broadcast to the region.

let x = reshape(cast(arange(12), float32), [3, 4])
// CHECK:      [4. 5. 6. 7.] 6.0 11.0
print(x[1], x[1, 2], x[-1, -1])
// CHECK-NEXT: {{\[\[}}1. 2.]
// CHECK-NEXT:  [5. 6.]]
print(x[0:2, 1:3])
// CHECK-NEXT: [ 2.  6. 10.]
print(x[:, 2])

// CHECK-NEXT: 0 [0. 1. 2. 3.]
// CHECK-NEXT: 1 [4. 5. 6. 7.]
// CHECK-NEXT: 2 [ 8.  9. 10. 11.]
for i in 0..3 { print(i, x[i]) }

// CHECK-NEXT: {{\[\[}} 5.  6.]
// CHECK-NEXT:  [ 9. 10.]]
let s = 1
print(x[s : s + 2, s : s + 2])

// CHECK-NEXT: {{\[\[}} 0.  1. -1.  3.]
// CHECK-NEXT:  [ 9.  9.  9.  9.]
// CHECK-NEXT:  [ 8.  0.  0. 11.]]
let mut y = x
y[1] = full([4], 9.0)
y[0, 2] = -1.0
y[2, 1:3] = 0.0
print(y)
// CHECK-NEXT: [4. 5. 6. 7.]
print(x[1])

// CHECK-NEXT: {{\[\[}}1. 0. 0.]
// CHECK-NEXT:  [0. 2. 0.]
// CHECK-NEXT:  [0. 0. 3.]]
let mut d = zeros([3, 3])
for i in 0..3 { d[i, i] = cast(i + 1, float32) }
print(d)
