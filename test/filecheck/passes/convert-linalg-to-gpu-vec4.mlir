// RUN: charlc %s -p convert-linalg-to-gpu | filecheck %s

// An elementwise chain on contiguous f32 memrefs of 32 elements, with a one-element broadcast %b
// and a scalar %s: the vec4 template, 8 invocations of 4 consecutive elements each. The broadcast
// element is loaded once; the loop over the 4 elements splits each into (row, column).
func.func @chain(%x: memref<4x8xf32>, %b: memref<f32>, %y: memref<4x8xf32>, %s: f32) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %b : memref<4x8xf32>, memref<f32>) outs(%y : memref<4x8xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %s : f32
    %t = arith.subf %m, %c : f32
    %e = math.exp %t : f32
    linalg.yield %e : f32
  }
  func.return
}
// CHECK-LABEL: func.func @chain(
// CHECK:         %[[N:.*]] = arith.constant 8 : index
// CHECK-NEXT:    func.call @charl_gpu_scalar_index(%[[N]]) : (index) -> ()

// 30 elements are not a multiple of 4: one invocation per element.
func.func @ragged(%x: memref<5x6xf32>, %y: memref<5x6xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : memref<5x6xf32>) outs(%y : memref<5x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  }
  func.return
}
// CHECK-LABEL: func.func @ragged(
// CHECK:         %[[N:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// CHECK-NEXT:    func.call @charl_gpu_scalar_index(%[[N]]) : (index) -> ()

// Rows of 8: 4 consecutive elements share a row, so a bias along the rows (%b, read at the
// column) is wide too, and a per-row value (%m) is loaded once, at the first element's row.
func.func @bias(%x: memref<4x8xf32>, %b: memref<8xf32>, %m: memref<4xf32>, %y: memref<4x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %b, %m : memref<4x8xf32>, memref<8xf32>, memref<4xf32>) outs(%y : memref<4x8xf32>) {
  ^bb0(%a: f32, %c: f32, %r: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    %t = arith.subf %s, %r : f32
    linalg.yield %t : f32
  }
  func.return
}
// CHECK-LABEL: func.func @bias(
// CHECK:         %[[N:.*]] = arith.constant 8 : index
// CHECK-NEXT:    func.call @charl_gpu_scalar_index(%[[N]]) : (index) -> ()

// Rows of 6: 4 consecutive elements may straddle two rows, so a per-row value is not one value
// for all 4: one invocation per element.
func.func @straddle(%x: memref<4x6xf32>, %m: memref<4xf32>, %y: memref<4x6xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %m : memref<4x6xf32>, memref<4xf32>) outs(%y : memref<4x6xf32>) {
  ^bb0(%a: f32, %r: f32, %o: f32):
    %t = arith.subf %a, %r : f32
    linalg.yield %t : f32
  }
  func.return
}
// CHECK-LABEL: func.func @straddle(
// CHECK:         %[[N:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// CHECK-NEXT:    func.call @charl_gpu_scalar_index(%[[N]]) : (index) -> ()

// CHECK:       "gpu.module"() <{sym_name = "charl_kernels"}> ({
// CHECK:         ^{{.*}}(%[[X:.*]]: memref<4x8xf32>, %[[B:.*]]: memref<f32>, %[[Y:.*]]: memref<4x8xf32>, %[[S:.*]]: f32, %[[CNT:.*]]: index):
// CHECK-NEXT:      %id = "gpu.global_id"() <{dimension = #gpu<dim x>}> : () -> index
// CHECK-NEXT:      %[[OK:.*]] = arith.cmpi ult, %id, %[[CNT]] : index
// CHECK-NEXT:      scf.if %[[OK]] {
// CHECK-NEXT:        %c4 = arith.constant 4 : index
// CHECK-NEXT:        %e0 = arith.muli %id, %c4 : index
// CHECK-NEXT:        %[[C:.*]] = memref.load %[[B]][] : memref<f32>
// CHECK-NEXT:        %c8 = arith.constant 8 : index
// CHECK-NEXT:        %c0 = arith.constant 0 : index
// CHECK-NEXT:        %c1 = arith.constant 1 : index
// CHECK-NEXT:        scf.for %[[K:.*]] = %c0 to %c4 step %c1 {
// CHECK-NEXT:          %e = arith.addi %e0, %[[K]] : index
// CHECK-NEXT:          %[[COL:.*]] = arith.remui %e, %c8 : index
// CHECK-NEXT:          %[[ROW:.*]] = arith.divui %e, %c8 : index
// CHECK-NEXT:          %[[A:.*]] = memref.load %[[X]][%[[ROW]], %[[COL]]] : memref<4x8xf32>
// CHECK-NEXT:          %[[M:.*]] = arith.mulf %[[A]], %[[S]] : f32
// CHECK-NEXT:          %[[T:.*]] = arith.subf %[[M]], %[[C]] : f32
// CHECK-NEXT:          %[[E:.*]] = math.exp %[[T]] : f32
// CHECK-NEXT:          memref.store %[[E]], %[[Y]][%[[ROW]], %[[COL]]] : memref<4x8xf32>
// CHECK-NEXT:        }
// CHECK-NEXT:      }
// CHECK-NEXT:      "gpu.return"() : () -> ()
// CHECK-NEXT:    }) {sym_name = "k0", charl.workgroup_size = 64 : i32, charl.template = "vec4", charl.kernel = 0 : i32} : () -> ()
// CHECK:         }) {sym_name = "k1", charl.workgroup_size = 64 : i32, charl.kernel = 1 : i32} : () -> ()

// CHECK:         ^{{.*}}(%[[BX:.*]]: memref<4x8xf32>, %[[BB:.*]]: memref<8xf32>, %[[BM:.*]]: memref<4xf32>, %[[BY:.*]]: memref<4x8xf32>, %{{.*}}: index):
// CHECK:             %e0 = arith.muli %id, %c4 : index
// CHECK-NEXT:        %c8 = arith.constant 8 : index
// CHECK-NEXT:        %{{.*}} = arith.remui %e0, %c8 : index
// CHECK-NEXT:        %[[ROW0:.*]] = arith.divui %e0, %c8 : index
// CHECK-NEXT:        %[[R:.*]] = memref.load %[[BM]][%[[ROW0]]] : memref<4xf32>
// CHECK:             scf.for
// CHECK:               %[[COL:.*]] = arith.remui %e, %c8 : index
// CHECK-NEXT:          %[[ROW:.*]] = arith.divui %e, %c8 : index
// CHECK-NEXT:          %[[A:.*]] = memref.load %[[BX]][%[[ROW]], %[[COL]]] : memref<4x8xf32>
// CHECK-NEXT:          %[[C:.*]] = memref.load %[[BB]][%[[COL]]] : memref<8xf32>
// CHECK-NEXT:          %[[S:.*]] = arith.addf %[[A]], %[[C]] : f32
// CHECK-NEXT:          %[[T:.*]] = arith.subf %[[S]], %[[R]] : f32
// CHECK-NEXT:          memref.store %[[T]], %[[BY]][%[[ROW]], %[[COL]]] : memref<4x8xf32>
// CHECK:         }) {sym_name = "k2", charl.workgroup_size = 64 : i32, charl.template = "vec4", charl.kernel = 2 : i32} : () -> ()
// CHECK:         }) {sym_name = "k3", charl.workgroup_size = 64 : i32, charl.kernel = 3 : i32} : () -> ()
