// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}control-for-bounds.ch:3:13: error: a `for` range bound must be an int32 or int64 scalar, got float32
for i in 0..2.5 {
    print(i)
}
