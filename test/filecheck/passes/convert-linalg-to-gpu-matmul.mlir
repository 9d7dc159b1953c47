// RUN: charlc %s -p convert-linalg-to-gpu | filecheck %s

// A matmul right after a zero fill of its output absorbs the fill: one launch, and the kernel is
// the matmul template marked to overwrite C (charlc/wgsl_matmul.py stores C = A @ B).
func.func @product(%a: memref<64x32xf32>, %b: memref<32x64xf32>, %c: memref<64x64xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<64x64xf32>)
  linalg.matmul ins(%a, %b : memref<64x32xf32>, memref<32x64xf32>) outs(%c : memref<64x64xf32>)
  func.return
}
// CHECK-LABEL: func.func @product(
// CHECK-NOT:     linalg.fill
// CHECK:         func.call @charl_gpu_launch(
// CHECK-NOT:     func.call @charl_gpu_launch(
// CHECK:         func.return
// CHECK:         "gpu.func"()
// The reference body starts each element's sum at 0.0 instead of loading C.
// CHECK:           %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:      %{{.*}} = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[Z]]) -> (f32) {
// CHECK:         charl.template = "matmul", charl.tiles = [64 : i64, 64 : i64, 8 : i64, 4 : i64, 4 : i64], charl.overwrite
