// RUN: charlc %s -p convert-linalg-to-loops | filecheck %s

// The micro-kernel path: an f32 matmul whose memrefs have unit inner stride becomes a call of the
// runtime's sgemm on the operands cast to unranked memrefs; the function is declared once.
// CHECK-LABEL: func.func @matmul(
// CHECK-NEXT:    %[[A:.*]] = "memref.cast"(%a) : (memref<128x512xf32>) -> memref<*xf32>
// CHECK-NEXT:    %[[B:.*]] = "memref.cast"(%b) : (memref<512x256xf32>) -> memref<*xf32>
// CHECK-NEXT:    %[[C:.*]] = "memref.cast"(%c) : (memref<128x256xf32>) -> memref<*xf32>
// CHECK-NEXT:    func.call @charl_rt_sgemm_f32(%[[A]], %[[B]], %[[C]]) : (memref<*xf32>, memref<*xf32>, memref<*xf32>) -> ()
// CHECK-NEXT:    func.return
func.func @matmul(%a: memref<128x512xf32>, %b: memref<512x256xf32>, %c: memref<128x256xf32>) {
  linalg.matmul ins(%a, %b : memref<128x512xf32>, memref<512x256xf32>) outs(%c : memref<128x256xf32>)
  func.return
}

// Strided views (slices) with unit inner stride and dynamic sizes take the call too.
// CHECK-LABEL: func.func @matmul_views(
// CHECK-NEXT:    %[[A:.*]] = "memref.cast"(%a) : (memref<?x?xf32, strided<[?, 1], offset: ?>>) -> memref<*xf32>
// CHECK-NEXT:    %[[B:.*]] = "memref.cast"(%b) : (memref<?x?xf32, strided<[64, 1], offset: 3>>) -> memref<*xf32>
// CHECK-NEXT:    %[[C:.*]] = "memref.cast"(%c) : (memref<?x?xf32>) -> memref<*xf32>
// CHECK-NEXT:    func.call @charl_rt_sgemm_f32(%[[A]], %[[B]], %[[C]])
// CHECK-NEXT:    func.return
func.func @matmul_views(%a: memref<?x?xf32, strided<[?, 1], offset: ?>>, %b: memref<?x?xf32, strided<[64, 1], offset: 3>>, %c: memref<?x?xf32>) {
  linalg.matmul ins(%a, %b : memref<?x?xf32, strided<[?, 1], offset: ?>>, memref<?x?xf32, strided<[64, 1], offset: 3>>) outs(%c : memref<?x?xf32>)
  func.return
}

// Not unit inner stride (a column-major output), not f32, or not a linalg.matmul: loops as before.
// CHECK-LABEL: func.func @column_major_output(
// CHECK-NOT:     func.call
// CHECK:         scf.for
// CHECK-LABEL: func.func @f64_matmul(
// CHECK-NOT:     func.call
// CHECK:         scf.for
// CHECK-LABEL: func.func @matmul_generic(
// CHECK-NOT:     func.call
// CHECK:         scf.for
func.func @column_major_output(%a: memref<5x4xf32>, %b: memref<4x3xf32>, %c: memref<5x3xf32, strided<[1, 5]>>) {
  linalg.matmul ins(%a, %b : memref<5x4xf32>, memref<4x3xf32>) outs(%c : memref<5x3xf32, strided<[1, 5]>>)
  func.return
}
func.func @f64_matmul(%a: memref<5x4xf64>, %b: memref<4x3xf64>, %c: memref<5x3xf64>) {
  linalg.matmul ins(%a, %b : memref<5x4xf64>, memref<4x3xf64>) outs(%c : memref<5x3xf64>)
  func.return
}
func.func @matmul_generic(%a: memref<5x4xf32>, %b: memref<4x3xf32>, %c: memref<5x3xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<5x4xf32>, memref<4x3xf32>) outs(%c : memref<5x3xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %p, %z : f32
    linalg.yield %s : f32
  }
  func.return
}

// Declared once, at the end of the module.
// CHECK:         func.func private @charl_rt_sgemm_f32(memref<*xf32>, memref<*xf32>, memref<*xf32>) -> ()
// CHECK-NOT:     func.func private @charl_rt_sgemm_f32
