// RUN: rm -rf %t && mkdir -p %t
// RUN: python -c "import numpy as np; np.save('%t/data.npy', np.zeros((3, 4), np.float32))"
// RUN: python -c "d = open('%t/data.npy', 'rb').read(); open('%t/short.npy', 'wb').write(d[:-8])"
// RUN: cd %t && not charlc run %s 2>&1 | filecheck %s --check-prefix=DTYPE
// RUN: cd %t && not charlc run %s -O0 2>&1 | filecheck %s --check-prefix=DTYPE
// RUN: sed -e 's/int32, \[?, 4\]/float32, [?, 5]/' %s > %t/shape.ch
// RUN: cd %t && not charlc run shape.ch 2>&1 | filecheck %s --check-prefix=SHAPE
// RUN: sed -e 's/tensor<int32, \[?, 4\]> = load_npy("data.npy")/tensor<float32, [3, 4]> = load_npy("short.npy")/' %s > %t/short.ch
// RUN: cd %t && not charlc run short.ch 2>&1 | filecheck %s --check-prefix=SHORT

// A .npy file whose dtype or shape does not fit the declared type, or that is truncated, is a
// run-time error naming the file, what it holds and the declared type, at the load_npy.

// DTYPE:      before
// DTYPE-NEXT: {{.*}}error-npy.ch:19:{{[0-9]+}}: runtime error: {{.*}}data.npy{{.*}} holds float32 [3, 4], expected tensor<int32, [?, 4]>
// SHAPE:      {{.*}}shape.ch:19:{{[0-9]+}}: runtime error: {{.*}}data.npy{{.*}} holds float32 [3, 4], expected tensor<float32, [?, 5]>
// SHORT:      {{.*}}short.ch:19:{{[0-9]+}}: runtime error: {{.*}}short.npy{{.*}} is truncated{{.*}}
print("before")
let x: tensor<int32, [?, 4]> = load_npy("data.npy")
print(x)
