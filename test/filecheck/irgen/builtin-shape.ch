// RUN: charlc %s --emit=mlir | filecheck %s

// reshape, flatten, expand_dims and squeeze are all charl.reshape.
// CHECK-LABEL: func.func @reshapes(
// CHECK-SAME:      %[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT:    charl.reshape %[[X]] : tensor<2x3x4xf32> -> tensor<6x4xf32>
// CHECK-NEXT:    charl.reshape %[[X]] : tensor<2x3x4xf32> -> tensor<2x12xf32>
// CHECK-NEXT:    charl.reshape %[[X]] : tensor<2x3x4xf32> -> tensor<1x2x3x4xf32>
// CHECK-NEXT:    %[[R:.*]] = charl.reshape %[[X]] : tensor<2x3x4xf32> -> tensor<2x1x12xf32>
// CHECK-NEXT:    charl.reshape %[[R]] : tensor<2x1x12xf32> -> tensor<2x12xf32>
fn reshapes(x: tensor<float32, [2, 3, 4]>) -> (tensor<float32, [6, 4]>, tensor<float32, [2, 12]>, tensor<float32, [1, 2, 3, 4]>, tensor<float32, [2, 12]>) {
    return (reshape(x, [6, -1]), flatten(x), expand_dims(x, 0), squeeze(reshape(x, [2, 1, 12]), 1))
}

// CHECK-LABEL: func.func @perms(
// CHECK-NEXT:    charl.transpose %{{.*}} {perm = array<i64: 2, 1, 0>} : tensor<2x3x4xf32> -> tensor<4x3x2xf32>
// CHECK-NEXT:    charl.transpose %{{.*}} {perm = array<i64: 1, 0, 2>} : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
fn perms(x: tensor<float32, [2, 3, 4]>) -> (tensor<float32, [4, 3, 2]>, tensor<float32, [3, 2, 4]>) {
    return (transpose(x), transpose(x, [1, 0, 2]))
}

// CHECK-LABEL: func.func @joins(
// CHECK-SAME:      %[[A:.*]]: tensor<2x4xf32>, %[[B:.*]]: tensor<3x4xf32>)
// CHECK-NEXT:    charl.concat %[[A]], %[[B]] {axis = 0 : i64} : tensor<2x4xf32>, tensor<3x4xf32> -> tensor<5x4xf32>
// CHECK-NEXT:    charl.broadcast_to %[[A]] : tensor<2x4xf32> -> tensor<3x2x4xf32>
fn joins(a: tensor<float32, [2, 4]>, b: tensor<float32, [3, 4]>) -> (tensor<float32, [5, 4]>, tensor<float32, [3, 2, 4]>) {
    return (concat([a, b], axis: 0), broadcast_to(a, [3, 2, 4]))
}

// shape(x) is a constant when x's shape is static, else built from charl.dim.
// CHECK-LABEL: func.func @shapes(
// CHECK-SAME:      %[[X:.*]]: tensor<2x3xf32>, %[[Y:.*]]: tensor<?x3xf32>)
// CHECK-NEXT:    %[[S:.*]] = charl.constant dense<[2, 3]> : tensor<2xi64>
// CHECK-NEXT:    %[[D:.*]] = charl.dim %[[Y]] {axis = 0 : i64} : tensor<?x3xf32>
// CHECK-NEXT:    %[[D64:.*]] = arith.index_cast %[[D]] : index to i64
// CHECK-NEXT:    %[[C3:.*]] = charl.constant 3 : i64
// CHECK-NEXT:    %[[T:.*]] = charl.from_elements %[[D64]], %[[C3]] : tensor<2xi64>
// CHECK-NEXT:    func.return %[[S]], %[[T]]
fn shapes(x: tensor<float32, [2, 3]>, y: tensor<float32, [?, 3]>) -> (tensor<int64, [2]>, tensor<int64, [2]>) {
    return (shape(x), shape(y))
}

// take is a gather; one_hot compares the expanded labels with an iota over the classes.
// CHECK-LABEL: func.func @indexing(
// CHECK-SAME:      %[[T:.*]]: tensor<10x4xf32>, %[[I:.*]]: tensor<2x3xi32>, %[[L:.*]]: tensor<5xi32>)
// CHECK-NEXT:    charl.gather %[[T]], %[[I]] {axis = 0 : i64} : tensor<10x4xf32>, tensor<2x3xi32> -> tensor<2x3x4xf32>
// CHECK-NEXT:    %[[IOTA:.*]] = charl.iota {dim = 1 : i64} : tensor<5x7xi32>
// CHECK-NEXT:    %[[E:.*]] = charl.reshape %[[L]] : tensor<5xi32> -> tensor<5x1xi32>
// CHECK-NEXT:    %[[EB:.*]] = charl.broadcast_to %[[E]] : tensor<5x1xi32> -> tensor<5x7xi32>
// CHECK-NEXT:    %[[EQ:.*]] = charl.compare eq %[[EB]], %[[IOTA]] : tensor<5x7xi32> -> tensor<5x7xi1>
// CHECK-NEXT:    charl.cast %[[EQ]] : tensor<5x7xi1> to tensor<5x7xf32>
fn indexing(table: tensor<float32, [10, 4]>, ids: tensor<int32, [2, 3]>, labels: tensor<int32, [5]>) -> (tensor<float32, [2, 3, 4]>, tensor<float32, [5, 7]>) {
    return (take(table, ids), one_hot(labels, 7))
}

// A `-1` with a run-time size is the element count divided by the other sizes.
// CHECK-LABEL: func.func @dyn_reshape(
// CHECK-SAME:      %[[X:.*]]: tensor<?x4xf32>)
// CHECK:         %[[B:.*]] = charl.dim %[[X]] {axis = 0 : i64} : tensor<?x4xf32>
// CHECK-NEXT:    %[[C4:.*]] = arith.constant 4 : index
// CHECK-NEXT:    %[[N:.*]] = arith.muli %[[B]], %[[C4]] : index
// CHECK-NEXT:    charl.reshape %[[X]] dims(%[[N]]) : tensor<?x4xf32> -> tensor<?xf32>
// CHECK:         charl.reshape %[[X]] dims(%{{.*}}) : tensor<?x4xf32> -> tensor<?x2x2xf32>
fn dyn_reshape(x: tensor<float32, [B, 4]>) -> (tensor<float32, [?]>, tensor<float32, [B, 2, 2]>) {
    return (reshape(x, [-1]), reshape(x, [B, 2, 2]))
}

let x = random_normal([2, 3, 4], seed: 1)
print(reshapes(x), perms(x), joins(zeros([2, 4]), ones([3, 4])))
let y: tensor<float32, [?, 3]> = load_npy("y.npy")
let z: tensor<float32, [?, 4]> = load_npy("z.npy")
print(shapes(zeros([2, 3]), y), dyn_reshape(z), indexing(zeros([10, 4]), [[1, 2, 3], [4, 5, 6]], arange(5)))
