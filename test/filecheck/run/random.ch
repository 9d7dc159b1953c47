// RUN: charlc run %s -O0 --no-cache | filecheck %s --match-full-lines
// RUN: charlc run %s -O3 --no-cache | filecheck %s --match-full-lines

// Counter-based random numbers (Threefry-2x32-20, docs/runtime.md): the same values at every
// optimization level; the expected values come from a NumPy model of the generator.

// CHECK:      [59 30 51 16 19 52 84 95 93 81]
// CHECK-NEXT: {{\[\[}}-4  0  4]
// CHECK-NEXT:  [ 0 -1  1]]
// CHECK-NEXT: [0.70394367 0.05771494 0.01011521 0.9265834 ]
// CHECK-NEXT: {{\[\[}}-0.63135004  0.56230164]
// CHECK-NEXT:  [ 0.25852013 -0.44791353]]
// CHECK-NEXT: [-0.745  0.571  0.951  0.486  1.352]
// CHECK-NEXT: true
print(random_int([10], 0, 100, seed: 5))
print(random_int([2, 3], -5, 5, seed: 9))
print(random_uniform([4], seed: 1))
print(random_uniform([2, 2], seed: 3, low: -1.0, high: 1.0))
let n = random_normal([5], seed: 42)
print(round(n * 1000.0) / 1000.0)
print(sum(random_normal([5], seed: 42) - n) == 0.0)
