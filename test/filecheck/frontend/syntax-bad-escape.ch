// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-bad-escape.ch:3:9: error: unknown escape sequence '\q' in string; use \n, \t, \" or \\
print("a\qb")
