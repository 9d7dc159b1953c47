// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// An integer literal must fit the type its context gives it.

// CHECK: {{.*}}int-literal-range-error.ch:7:22: error: integer literal 3000000000 does not fit int32 (-2147483648 to 2147483647); declare it `int64`
// CHECK-NEXT: let big: int32 = 1 + 3000000000
// CHECK-NEXT:                     ^
let big: int32 = 1 + 3000000000
print(big)
