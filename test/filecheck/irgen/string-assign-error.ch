// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// Strings are compile-time values: one cannot be chosen at run time by assigning it in a branch.

// CHECK: {{.*}}string-assign-error.ch:9:17: error: cannot assign a string to `label` inside `if`, `for` or `while`: strings are compile-time values; print the text inside the branch instead
// CHECK-NEXT: if loss < 1.0 { label = "good" }
// CHECK-NEXT:                 ^
let loss = 0.5
let mut label = "bad"
if loss < 1.0 { label = "good" }
print(label)
