// RUN: not charlc %s --split-input-file 2>&1 | filecheck %s

// Verifier errors, one invalid op per chunk: each is reported at its position with a message
// that names the op and the offending types. Ops: broadcast_to, reshape, transpose, concat, dim, iota and from_elements.

// CHECK: {{.*}}invalid-shape.mlir:8:3: error: charl.broadcast_to: cannot broadcast tensor<3x4xf32> to tensor<4xf32>: it has more dimensions
func.func @f0(%x: tensor<3x4xf32>) {
  %b = charl.broadcast_to %x : tensor<3x4xf32> -> tensor<4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:16:3: error: charl.broadcast_to: cannot broadcast tensor<3xf32> to tensor<2x4xf32>: dimension 0 of size 3 is not 1 and not 4
func.func @f1(%x: tensor<3xf32>) {
  %b = charl.broadcast_to %x : tensor<3xf32> -> tensor<2x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:24:3: error: charl.broadcast_to: tensor<?x4xf32> needs 1 size operands (one per ?), got 0
func.func @f2(%x: f32) {
  %b = charl.broadcast_to %x : f32 -> tensor<?x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:32:3: error: charl.broadcast_to: element types of tensor<4xf32> and tensor<3x4xf64> differ
func.func @f3(%x: tensor<4xf32>) {
  %b = charl.broadcast_to %x : tensor<4xf32> -> tensor<3x4xf64>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:40:3: error: charl.reshape: tensor<2x3xf32> has 6 elements but tensor<4xf32> has 4
func.func @f4(%x: tensor<2x3xf32>) {
  %r = charl.reshape %x : tensor<2x3xf32> -> tensor<4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:48:3: error: charl.reshape: tensor<?xf32> needs 1 size operands (one per ?), got 0
func.func @f5(%x: tensor<?x3xf32>) {
  %r = charl.reshape %x : tensor<?x3xf32> -> tensor<?xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:56:3: error: charl.transpose: [0, 0] is not a permutation of 2 dims
func.func @f6(%x: tensor<4x8xf32>) {
  %t = charl.transpose %x {perm = array<i64: 0, 0>} : tensor<4x8xf32> -> tensor<4x8xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:64:3: error: charl.transpose: tensor<4x8xf32> permuted by [1, 0] is not tensor<4x8xf32>
func.func @f7(%x: tensor<4x8xf32>) {
  %t = charl.transpose %x {perm = array<i64: 1, 0>} : tensor<4x8xf32> -> tensor<4x8xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:72:3: error: charl.concat: dimension 1 of tensor<2x3xf32> and tensor<4x4xf32> differ
func.func @f8(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) {
  %c = charl.concat %a, %b {axis = 0 : i64} : tensor<2x3xf32>, tensor<2x4xf32> -> tensor<4x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:80:3: error: charl.concat: sizes along axis 0 sum to 5, but the result is tensor<6x4xf32>
func.func @f9(%a: tensor<2x4xf32>, %b: tensor<3x4xf32>) {
  %c = charl.concat %a, %b {axis = 0 : i64} : tensor<2x4xf32>, tensor<3x4xf32> -> tensor<6x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:88:3: error: charl.concat: axis 2 is out of range for rank 2
func.func @f10(%a: tensor<2x4xf32>) {
  %c = charl.concat %a, %a {axis = 2 : i64} : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<4x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:96:3: error: charl.concat: tensor<4xf32> and tensor<5x4xf32> differ in rank
func.func @f11(%a: tensor<4xf32>, %b: tensor<4x4xf32>) {
  %c = charl.concat %a, %b {axis = 0 : i64} : tensor<4xf32>, tensor<4x4xf32> -> tensor<5x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:104:3: error: charl.dim: axis 2 is out of range for rank 2
func.func @f12(%x: tensor<?x4xf32>) {
  %n = charl.dim %x {axis = 2 : i64} : tensor<?x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:112:3: error: charl.iota: result type tensor<4xi1> needs integer or float elements
func.func @f13() {
  %i = charl.iota {dim = 0 : i64} : tensor<4xi1>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:120:3: error: charl.iota: dim 1 is out of range for rank 1
func.func @f14() {
  %i = charl.iota {dim = 1 : i64} : tensor<4xi32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:128:3: error: charl.iota: tensor<?xi32> needs 1 size operands (one per ?), got 0
func.func @f15() {
  %i = charl.iota {dim = 0 : i64} : tensor<?xi32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:136:3: error: charl.from_elements: tensor<2x2xf32> has 4 elements but 3 are given
func.func @f16(%a: f32) {
  %t = charl.from_elements %a, %a, %a : tensor<2x2xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:144:3: error: charl.from_elements: element type f64 differs from that of tensor<2xf32>
func.func @f17(%a: f32, %b: f64) {
  %t = charl.from_elements %a, %b : (f32, f64) -> tensor<2xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-shape.mlir:152:3: error: charl.from_elements: result type tensor<?xf32> is not static
func.func @f18(%a: f32) {
  %t = charl.from_elements %a : tensor<?xf32>
  func.return
}
