// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// Slices: the offset is the lower bound; a static extent comes from the checked type (also for
// `x[i:i + 2]`), a dynamic one is `hi - lo` on `index` values.

// CHECK-LABEL: func.func @static_slices(
// CHECK-SAME:      %[[A:a]]: tensor<4x6xf32>, %[[I:i]]: i32)
fn static_slices(a: tensor<float32, [4, 6]>, i: int32) {
    // CHECK:      %[[C0:.*]] = arith.constant 0 : index
    // CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : index
    // CHECK-NEXT: %{{.*}} = charl.slice %[[A]][%[[C0]], %[[C1]]] [4, 1] : tensor<4x6xf32> -> tensor<4x1xf32>
    let col = a[:, 1:2]
    // CHECK:      %[[C2:.*]] = arith.constant 2 : index
    // CHECK-NEXT: %[[C3:.*]] = arith.constant 3 : index
    // CHECK-NEXT: %{{.*}} = charl.slice %[[A]][%[[C2]], %[[C3]]] [2, 3] : tensor<4x6xf32> -> tensor<2x3xf32>
    let tail = a[2:, 3:]
    // CHECK:      %[[II:.*]] = arith.index_cast %[[I]] : i32 to index
    // CHECK-NEXT: %[[Z:.*]] = arith.constant 0 : index
    // CHECK-NEXT: %{{.*}} = charl.slice %[[A]][%[[II]], %[[Z]]] [2, 6] : tensor<4x6xf32> -> tensor<2x6xf32>
    let window = a[i:i + 2]
    print(col, tail, window)
}

// CHECK-LABEL: func.func @dynamic_slices(
// CHECK-SAME:      %[[X:x]]: tensor<?xf32>, %[[LO:lo]]: i32, %[[HI:hi]]: i32)
fn dynamic_slices(x: tensor<float32, [?]>, lo: int32, hi: int32) {
    // CHECK:      %[[L:.*]] = arith.index_cast %[[LO]] : i32 to index
    // CHECK-NEXT: %[[H:.*]] = arith.index_cast %[[HI]] : i32 to index
    // CHECK-NEXT: %[[N:.*]] = arith.subi %[[H]], %[[L]] : index
    // CHECK-NEXT: %{{.*}} = charl.slice %[[X]][%[[L]]] [%[[N]]] : tensor<?xf32> -> tensor<?xf32>
    let mid = x[lo:hi]
    // CHECK:      %[[L2:.*]] = arith.index_cast %[[LO]] : i32 to index
    // CHECK-NEXT: %[[D:.*]] = charl.dim %[[X]] {axis = 0 : i64} : tensor<?xf32>
    // CHECK-NEXT: %[[N2:.*]] = arith.subi %[[D]], %[[L2]] : index
    // CHECK-NEXT: %{{.*}} = charl.slice %[[X]][%[[L2]]] [%[[N2]]] : tensor<?xf32> -> tensor<?xf32>
    let rest = x[lo:]
    print(mid, rest)
}
static_slices(ones([4, 6]), 1)
let xs: tensor<float32, [?]> = [1.0, 2.0, 3.0]
dynamic_slices(xs, 0, 2)
