// RUN: rm -rf %t && mkdir -p %t && cd %t && charlc run %s | filecheck %s --match-full-lines
// RUN: python -c "import numpy as np; a = np.load('%t/grid.npy'); assert a.dtype == np.float32 and a.shape == (3, 4), a; print(a.sum())" | filecheck %s --check-prefix=NUMPY

// save_npy writes a .npy NumPy reads; load_npy reads it back into a declared type, with a `?`
// dimension taken from the file.

// CHECK:      {{\[\[}} 0.  1.  2.  3.]
// CHECK-NEXT:  [ 4.  5.  6.  7.]
// CHECK-NEXT:  [ 8.  9. 10. 11.]]
// CHECK-NEXT: [3 4] 66.0
// CHECK-NEXT: {{\[\[}}1 2]
// CHECK-NEXT:  [3 4]]
// CHECK-NEXT: [true false true]
// CHECK-NEXT: 2.5
// NUMPY: 66.0
let grid = reshape(cast(arange(12), float32), [3, 4])
save_npy("grid.npy", grid)
let back: tensor<float32, [?, 4]> = load_npy("grid.npy")
print(back)
print(shape(back), sum(back))
let ints: tensor<int64, [2, 2]> = [[1, 2], [3, 4]]
save_npy("ints.npy", ints)
let ints_back: tensor<int64, [2, 2]> = load_npy("ints.npy")
print(ints_back)
save_npy("flags.npy", [true, false, true])
let flags: tensor<bool, [?]> = load_npy("flags.npy")
print(flags)
let s: float64 = 2.5
save_npy("scalar.npy", s)
let s_back: float64 = load_npy("scalar.npy")
print(s_back)
