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

// Not unit inner stride (a column-major output) or not f32: loops as before.
// CHECK-LABEL: func.func @column_major_output(
// CHECK-NOT:     func.call
// CHECK:         scf.for
// CHECK-LABEL: func.func @f64_matmul(
// CHECK-NOT:     func.call
// CHECK:         scf.for

// A contraction generic (passes/_contraction.py) calls sgemm_ex: flags 0 (C += A @ B) here.
// CHECK-LABEL: func.func @matmul_generic(
// CHECK-NEXT:    %[[F:.*]] = arith.constant 0 : i64
// CHECK:         func.call @charl_rt_sgemm_ex_f32(%{{.*}}, %{{.*}}, %{{.*}}, %[[F]]) : (memref<*xf32>, memref<*xf32>, memref<*xf32>, i64) -> ()
// CHECK-NEXT:    func.return
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

// With a fused zero init (4), B read transposed (2) and an epilogue (bias + relu): the call, then
// the epilogue as a 2-D loop nest over C in place.
// CHECK-LABEL: func.func @dense(
// CHECK-NEXT:    %[[F:.*]] = arith.constant 6 : i64
// CHECK:         func.call @charl_rt_sgemm_ex_f32(%{{.*}}, %{{.*}}, %{{.*}}, %[[F]])
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK-DAG:         %[[C:.*]] = memref.load %c
// CHECK-DAG:         %[[BIAS:.*]] = memref.load %bias
// CHECK:             %[[S:.*]] = arith.addf %[[C]], %[[BIAS]]
// CHECK:             arith.maximumf %[[S]]
// CHECK:             memref.store
// CHECK-NOT:     func.call
// CHECK:         func.return
func.func @dense(%x: memref<8x16xf32>, %w: memref<4x16xf32>, %bias: memref<4xf32>, %c: memref<8x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w, %bias : memref<8x16xf32>, memref<4x16xf32>, memref<4xf32>) outs(%c : memref<8x4xf32>) {
  ^bb0(%a: f32, %b: f32, %e: f32, %out: f32):
    %zero = arith.constant 0 : index
    %k = linalg.index 2 : index
    %first = arith.cmpi eq, %k, %zero : index
    %init = arith.constant 0.000000e+00 : f32
    %acc = arith.select %first, %init, %out : f32
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    %biased = arith.addf %s, %e : f32
    %r = arith.maximumf %biased, %init : f32
    %k_last = arith.constant 15 : index
    %last = arith.cmpi eq, %k, %k_last : index
    %y = arith.select %last, %r, %s : f32
    linalg.yield %y : f32
  }
  func.return
}

// Declared once, at the end of the module.
// CHECK:         func.func private @charl_rt_sgemm_f32(memref<*xf32>, memref<*xf32>, memref<*xf32>) -> ()
// CHECK-NOT:     func.func private @charl_rt_sgemm_f32
