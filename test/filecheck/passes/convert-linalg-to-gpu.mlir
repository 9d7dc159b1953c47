// RUN: charlc %s -p convert-linalg-to-gpu | filecheck %s

// An elementwise generic: the host stages both buffers and the invocation count, then launches
// kernel 0; the kernel guards on its linear id and splits it into (row, column), column fastest.
// (21 elements: not a multiple of 4, so not the vec4 form of convert-linalg-to-gpu-vec4.mlir.)
func.func @scale(%x: memref<3x7xf32>, %y: memref<3x7xf32>, %s: f32) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : memref<3x7xf32>) outs(%y : memref<3x7xf32>) {
  ^bb0(%a: f32, %b: f32):
    %m = arith.mulf %a, %s : f32
    linalg.yield %m : f32
  }
  func.return
}
// CHECK-LABEL: func.func @scale(
// CHECK:         %[[UX:.*]] = "memref.cast"(%x) : (memref<3x7xf32>) -> memref<*xf32>
// CHECK-NEXT:    func.call @charl_gpu_memref_f32(%[[UX]]) : (memref<*xf32>) -> ()
// CHECK:         func.call @charl_gpu_memref_f32(%{{.*}}) : (memref<*xf32>) -> ()
// CHECK-NEXT:    func.call @charl_gpu_scalar_f32(%s) : (f32) -> ()
// CHECK:         %[[N:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// CHECK-NEXT:    func.call @charl_gpu_scalar_index(%[[N]]) : (index) -> ()
// CHECK-NEXT:    %[[K:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    %[[N64:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK-NEXT:    func.call @charl_gpu_launch(%[[K]], %[[N64]]) : (i32, i64) -> ()
// CHECK-NOT:     linalg.generic

// A column sum: one invocation per output element, the reduction a serial loop inside it; the
// scalar the host then reads is brought back first (charl_gpu_access with writes = 0).
func.func @colsum(%x: memref<4x8xf32>, %y: memref<8xf32>) -> f32 {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]} ins(%x : memref<4x8xf32>) outs(%y : memref<8xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  }
  %c0 = arith.constant 0 : index
  %v = memref.load %y[%c0] : memref<8xf32>
  func.return %v : f32
}
// CHECK-LABEL: func.func @colsum(
// CHECK:         func.call @charl_gpu_launch(
// CHECK:         %[[W:.*]] = arith.constant 0 : i32
// CHECK:         func.call @charl_gpu_access_f32(%{{.*}}, %[[W]]) : (memref<*xf32>, i32) -> ()
// CHECK-NEXT:    %{{.*}} = memref.load %y[%c0] : memref<8xf32>

// memref.copy is a kernel too; equal kernels are made once (the copy below reuses one number).
func.func @copies(%a: memref<3xi32>, %b: memref<3xi32>, %c: memref<3xi32>) {
  "memref.copy"(%a, %b) : (memref<3xi32>, memref<3xi32>) -> ()
  "memref.copy"(%b, %c) : (memref<3xi32>, memref<3xi32>) -> ()
  func.return
}
// CHECK-LABEL: func.func @copies(
// CHECK:         %[[K2:.*]] = arith.constant 2 : i32
// CHECK:         func.call @charl_gpu_launch(%[[K2]], %{{.*}}) : (i32, i64) -> ()
// CHECK:         %[[K2B:.*]] = arith.constant 2 : i32
// CHECK:         func.call @charl_gpu_launch(%[[K2B]], %{{.*}}) : (i32, i64) -> ()
// CHECK-NOT:     memref.copy

// CHECK:       "gpu.module"() <{sym_name = "charl_kernels"}> ({
// CHECK:         "gpu.func"() <{function_type = (memref<3x7xf32>, memref<3x7xf32>, f32, index) -> (), kernel}> ({
// CHECK-NEXT:    ^{{.*}}(%[[X:.*]]: memref<3x7xf32>, %[[Y:.*]]: memref<3x7xf32>, %[[S:.*]]: f32, %[[CNT:.*]]: index):
// CHECK-NEXT:      %id = "gpu.global_id"() <{dimension = #gpu<dim x>}> : () -> index
// CHECK-NEXT:      %[[OK:.*]] = arith.cmpi ult, %id, %[[CNT]] : index
// CHECK-NEXT:      scf.if %[[OK]] {
// CHECK-NEXT:        %c7 = arith.constant 7 : index
// CHECK-NEXT:        %[[COL:.*]] = arith.remui %id, %c7 : index
// CHECK-NEXT:        %[[ROW:.*]] = arith.divui %id, %c7 : index
// CHECK:             %[[A:.*]] = memref.load %[[X]][%[[ROW]], %[[COL]]] : memref<3x7xf32>
// CHECK-NEXT:        %[[M:.*]] = arith.mulf %[[A]], %[[S]] : f32
// CHECK-NEXT:        memref.store %[[M]], %[[Y]][%[[ROW]], %[[COL]]] : memref<3x7xf32>
// CHECK:           }) {sym_name = "k0", charl.workgroup_size = 64 : i32, charl.kernel = 0 : i32} : () -> ()
// CHECK:           scf.for %{{.*}} = %c0 to %c4 step %c1 iter_args(%acc = %{{.*}}) -> (f32) {
// CHECK:           }) {sym_name = "k1", charl.workgroup_size = 64 : i32, charl.kernel = 1 : i32} : () -> ()
// CHECK:           }) {sym_name = "k2", charl.workgroup_size = 64 : i32, charl.kernel = 2 : i32} : () -> ()
// CHECK-NOT:       sym_name = "k3"
