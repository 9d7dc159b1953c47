// RUN: charlc run %s | filecheck %s --match-full-lines

// Past 1000 elements, NumPy's summarization: 3 items at each edge, `...` between.

// CHECK:      [0.000e+00 1.000e+00 2.000e+00 ... 1.997e+03 1.998e+03 1.999e+03]
// CHECK-NEXT: {{\[\[}}   0    1    2 ...  140  141  142]
// CHECK-NEXT:  [ 143  144  145 ...  283  284  285]
// CHECK-NEXT:  [ 286  287  288 ...  426  427  428]
// CHECK-NEXT:  ...
// CHECK-NEXT:  [ 572  573  574 ...  712  713  714]
// CHECK-NEXT:  [ 715  716  717 ...  855  856  857]
// CHECK-NEXT:  [ 858  859  860 ...  998  999 1000]]
// CHECK-NEXT: [0 1 2 3 4 5 6 7 8 9]
print(cast(arange(2000), float32))
let m: tensor<int64, [7, 143]> = reshape(cast(arange(1001), int64), [7, 143])
print(m)
print(arange(10))
