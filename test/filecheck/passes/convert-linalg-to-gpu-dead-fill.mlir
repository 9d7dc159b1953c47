// RUN: charlc %s -p convert-linalg-to-gpu | filecheck %s

// A fill of an allocation that is only asked for its size, then freed (a broadcast fusion folded
// into its consumer, kept for a shape check): no launch.
// CHECK-LABEL: func.func @dead(
// CHECK-NOT:     func.call @charl_gpu_launch(
// CHECK:         memref.dim
// CHECK-NOT:     func.call @charl_gpu_launch(
// CHECK:         func.return
func.func @dead(%n: index, %s: f32) -> index {
  %b = memref.alloc(%n) : memref<12x1x?xf32>
  linalg.fill ins(%s : f32) outs(%b : memref<12x1x?xf32>)
  %c2 = arith.constant 2 : index
  %d = memref.dim %b, %c2 : memref<12x1x?xf32>
  memref.dealloc %b : memref<12x1x?xf32>
  func.return %d : index
}

// A fill of a buffer that is read afterwards stays a launch.
// CHECK-LABEL: func.func @live(
// CHECK:         func.call @charl_gpu_launch(
// CHECK:         func.return
func.func @live(%n: index, %s: f32, %out: memref<?xf32>) {
  %b = memref.alloc(%n) : memref<?xf32>
  linalg.fill ins(%s : f32) outs(%b : memref<?xf32>)
  "memref.copy"(%b, %out) : (memref<?xf32>, memref<?xf32>) -> ()
  memref.dealloc %b : memref<?xf32>
  func.return
}
