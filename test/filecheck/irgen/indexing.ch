// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// `x[i]` is a rank-preserving `charl.slice` with size 1 in the indexed dimension, reshaped to drop
// it; an index for every dimension is a `charl.extract`. Indices become `index` values; a negative
// constant index counts from the end.

// CHECK-LABEL: func.func @idx(
// CHECK-SAME:      %[[A:a]]: tensor<2x3xf32>, %[[I:i]]: i32, %[[J:j]]: i64)
fn idx(a: tensor<float32, [2, 3]>, i: int32, j: int64) {
    // CHECK:      %[[C1:.*]] = arith.constant 1 : index
    // CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
    // CHECK-NEXT: %[[S:.*]] = charl.slice %[[A]][%[[C1]], %[[C0]]] [1, 3] : tensor<2x3xf32> -> tensor<1x3xf32>
    // CHECK-NEXT: %{{.*}} = charl.reshape %[[S]] : tensor<1x3xf32> -> tensor<3xf32>
    let row = a[1]
    // CHECK:      %[[II:.*]] = arith.index_cast %[[I]] : i32 to index
    // CHECK-NEXT: %[[JJ:.*]] = arith.index_cast %[[J]] : i64 to index
    // CHECK-NEXT: %{{.*}} = charl.extract %[[A]][%[[II]], %[[JJ]]] : tensor<2x3xf32> -> f32
    let el = a[i, j]
    // CHECK:      %[[L1:.*]] = arith.constant 1 : index
    // CHECK-NEXT: %[[L2:.*]] = arith.constant 2 : index
    // CHECK-NEXT: %{{.*}} = charl.extract %[[A]][%[[L1]], %[[L2]]] : tensor<2x3xf32> -> f32
    let last = a[-1, -1]
    print(row, el, last)
}
idx(ones([2, 3]), 1, 2)
