// RUN: charlc run %s | filecheck %s --match-full-lines

// Scalars print as NumPy prints its scalars: integers as integers, floats in the shortest form that
// round-trips, booleans as true/false; arguments are separated by one space.

// CHECK:      1 -7 2147483647
// CHECK-NEXT: 9000000000
// CHECK-NEXT: 0.1 2.5e-07 1.0 -3.5 1e+20 123456.79 1e+16 1e-05 1e-04 3e+38
// CHECK-NEXT: 0.1 0.30000000000000004 1e+100 0.6666666666666666
// CHECK-NEXT: 0.6666667 -0.0
// CHECK-NEXT: true false true
// CHECK-NEXT: text with spaces tab	here {braces}
// CHECK-NEXT: x = 3 and y = 0.5
print(1, -7, 2147483647)
let big: int64 = 9000000000
print(big)
print(0.1, 2.5e-07, 1.0, -3.5, 1e20, 123456.79, 1e16, 1e-5, 0.0001, 3.0e38)
let d: float64 = 0.1
let two: float64 = 2.0
print(d, d * 3.0, 1e100 * d * 10.0, two / 3.0)
let third = 2.0 / [3.0]
print(third[0], -0.0)
print(true, false, 1 < 2)
print("text with spaces", "tab\there", "{braces}")
let x = 3
let y = 0.5
print("x =", x, "and y =", y)
