// RUN: not charlc %s --split-input-file 2>&1 | filecheck %s

// Verifier errors, one invalid op per chunk: each is reported at its position with a message
// that names the op and the offending types. Ops: slice, update_slice, extract and gather.

// CHECK: {{.*}}invalid-index.mlir:8:3: error: charl.slice: 1 offsets given for tensor<8x4xf32> of rank 2
func.func @f0(%x: tensor<8x4xf32>, %i: index) {
  %w = charl.slice %x[%i] [2, 4] : tensor<8x4xf32> -> tensor<2x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-index.mlir:16:3: error: charl.slice: 1 sizes given for tensor<8x4xf32> of rank 2
func.func @f1(%x: tensor<8x4xf32>, %i: index) {
  %w = charl.slice %x[%i, %i] [2] : tensor<8x4xf32> -> tensor<2x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-index.mlir:24:3: error: charl.slice: size 9 does not fit dimension 0 of tensor<8x4xf32>
func.func @f2(%x: tensor<8x4xf32>, %i: index) {
  %w = charl.slice %x[%i, %i] [9, 4] : tensor<8x4xf32> -> tensor<9x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-index.mlir:32:3: error: charl.slice: result type tensor<3x4xf32> does not have the shape [2, 4] of the slice sizes
func.func @f3(%x: tensor<8x4xf32>, %i: index) {
  %w = charl.slice %x[%i, %i] [2, 4] : tensor<8x4xf32> -> tensor<3x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-index.mlir:40:3: error: charl.slice: 1 sizes are dynamic but 0 size operands are given
func.func @f4(%x: tensor<8x4xf32>, %i: index) {
  %w = "charl.slice"(%x, %i, %i) <{static_sizes = array<i64: -1, 4>, operandSegmentSizes = array<i32: 1, 2, 0>}> : (tensor<8x4xf32>, index, index) -> tensor<?x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-index.mlir:48:3: error: charl.slice: element types of tensor<8x4xf32> and tensor<2x4xf64> differ
func.func @f5(%x: tensor<8x4xf32>, %i: index) {
  %w = charl.slice %x[%i, %i] [2, 4] : tensor<8x4xf32> -> tensor<2x4xf64>
  func.return
}

// -----

// CHECK: {{.*}}invalid-index.mlir:56:3: error: charl.update_slice: source tensor<4xf32> and destination tensor<8x4xf32> differ in rank
func.func @f6(%d: tensor<8x4xf32>, %s: tensor<4xf32>, %i: index) {
  %u = charl.update_slice %s into %d[%i, %i] : tensor<4xf32> into tensor<8x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-index.mlir:64:3: error: charl.update_slice: source tensor<2x5xf32> does not fit tensor<8x4xf32> in dimension 1
func.func @f7(%d: tensor<8x4xf32>, %s: tensor<2x5xf32>, %i: index) {
  %u = charl.update_slice %s into %d[%i, %i] : tensor<2x5xf32> into tensor<8x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-index.mlir:72:3: error: charl.update_slice: 1 offsets given for tensor<8x4xf32> of rank 2
func.func @f8(%d: tensor<8x4xf32>, %s: tensor<2x4xf32>, %i: index) {
  %u = charl.update_slice %s into %d[%i] : tensor<2x4xf32> into tensor<8x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-index.mlir:80:3: error: charl.extract: 1 indices given for tensor<8x4xf32> of rank 2
func.func @f9(%x: tensor<8x4xf32>, %i: index) {
  %e = charl.extract %x[%i] : tensor<8x4xf32> -> f32
  func.return
}

// -----

// CHECK: {{.*}}invalid-index.mlir:88:3: error: charl.extract: result type f64 is not the element type of tensor<8x4xf32>
func.func @f10(%x: tensor<8x4xf32>, %i: index) {
  %e = charl.extract %x[%i, %i] : tensor<8x4xf32> -> f64
  func.return
}

// -----

// CHECK: {{.*}}invalid-index.mlir:96:3: error: charl.gather: indices type tensor<8xf32> is not an integer type
func.func @f11(%t: tensor<100x16xf32>, %ids: tensor<8xf32>) {
  %g = charl.gather %t, %ids {axis = 0 : i64} : tensor<100x16xf32>, tensor<8xf32> -> tensor<8x16xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-index.mlir:104:3: error: charl.gather: result type tensor<8x8xf32> does not have the shape [8, 16] of tensor<100x16xf32> gathered along axis 0 by tensor<8xi32>
func.func @f12(%t: tensor<100x16xf32>, %ids: tensor<8xi32>) {
  %g = charl.gather %t, %ids {axis = 0 : i64} : tensor<100x16xf32>, tensor<8xi32> -> tensor<8x8xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-index.mlir:112:3: error: charl.gather: axis 2 is out of range for rank 2
func.func @f13(%t: tensor<100x16xf32>, %ids: tensor<8xi32>) {
  %g = charl.gather %t, %ids {axis = 2 : i64} : tensor<100x16xf32>, tensor<8xi32> -> tensor<8x16xf32>
  func.return
}
