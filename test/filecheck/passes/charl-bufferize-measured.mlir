// RUN: charlc %s -p charl-bufferize | filecheck %s

// A linalg result that is only measured (a broadcast that fusion folded into its consumer, kept
// for a shape check) is measured on its tensor.empty init: the fill is not computed (on the GPU it
// would be a launch).
// CHECK-LABEL: func.func @measured(
// CHECK-NOT:     linalg.fill
// CHECK:         memref.dim
// CHECK-NOT:     linalg.fill
// CHECK:         func.return
func.func @measured(%n: index, %s: f32) -> index {
  %e = tensor.empty(%n) : tensor<?xf32>
  %f = linalg.fill ins(%s : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %c0 = arith.constant 0 : index
  %d = tensor.dim %f, %c0 : tensor<?xf32>
  func.return %d : index
}

// A result that is also read keeps its fill.
// CHECK-LABEL: func.func @read(
// CHECK:         linalg.fill
// CHECK:         func.return
func.func @read(%n: index, %s: f32) -> (index, tensor<?xf32>) {
  %e = tensor.empty(%n) : tensor<?xf32>
  %f = linalg.fill ins(%s : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %c0 = arith.constant 0 : index
  %d = tensor.dim %f, %c0 : tensor<?xf32>
  func.return %d, %f : index, tensor<?xf32>
}
