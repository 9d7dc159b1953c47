// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-for-range.ch:3:20: error: expected '..' in the range of 'for' (as in 'for i in 0..n'), found '{'
for i in range(10) {
    print(i)
}
