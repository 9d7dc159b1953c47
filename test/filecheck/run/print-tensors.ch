// RUN: charlc run %s | filecheck %s --match-full-lines

// Tensors print as NumPy's str() prints the same array (booleans as true/false).

// CHECK:      {{\[\[}}1. 2.]
// CHECK-NEXT:  [3. 4.]]
// CHECK-NEXT: {{\[\[}}0 1 2]
// CHECK-NEXT:  [3 4 5]]
// CHECK-NEXT: [1.0e-01 2.5e-07 1.0e+00]
// CHECK-NEXT: [1.e-09 1.e+00 1.e+09]
// CHECK-NEXT: {{\[\[}}[ 0.  1.  2.  3.]
// CHECK-NEXT:   [ 4.  5.  6.  7.]
// CHECK-NEXT:   [ 8.  9. 10. 11.]]
// CHECK-EMPTY:
// CHECK-NEXT:  {{\[\[}}12. 13. 14. 15.]
// CHECK-NEXT:   [16. 17. 18. 19.]
// CHECK-NEXT:   [20. 21. 22. 23.]]]
// CHECK-NEXT: [0.         0.03448276 0.06896552 0.10344828 0.13793103 0.1724138
// CHECK-NEXT:  0.20689656 0.2413793  0.27586207 0.31034482 0.3448276  0.37931034
// CHECK-NEXT:  0.41379312 0.44827586 0.4827586  0.51724136 0.55172414 0.5862069
// CHECK-NEXT:  0.62068963 0.6551724  0.6896552  0.7241379  0.7586207  0.79310346
// CHECK-NEXT:  0.82758623 0.86206895 0.8965517  0.9310345  0.9655172  1.        ]
// CHECK-NEXT: [true false]
// CHECK-NEXT: values: [0.5 1.5] and [-1  2]
// CHECK-NEXT: [0.1 0.2]
print([[1.0, 2.0], [3.0, 4.0]])
print(reshape(arange(6), [2, 3]))
print([0.1, 2.5e-07, 1.0])
print([1e-9, 1.0, 1e9])
print(reshape(cast(arange(24), float32), [2, 3, 4]))
print(cast(arange(30), float32) / 29.0)
print([true, false])
print("values:", [0.5, 1.5], "and", [-1, 2])
let f64: tensor<float64, [2]> = [0.1, 0.2]
print(f64)
