// RUN: charlc %s -p convert-linalg-to-gpu | filecheck %s

// A row sum of exp over 1024 elements: the reduction template. The host launches 256 invocations
// (one workgroup) per output element; in the kernel, lane `id % 256` of output `id / 256`
// accumulates elements lane, lane + 256, ... from -0.0 (the identity of addf), the partials meet
// in workgroup memory and are combined by a tree with barriers, and lane 0 adds the output's value.
func.func @rows(%x: memref<4x1024xf32>, %y: memref<4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : memref<4x1024xf32>) outs(%y : memref<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %e = math.exp %a : f32
    %s = arith.addf %acc, %e : f32
    linalg.yield %s : f32
  }
  func.return
}
// CHECK-LABEL: func.func @rows(
// CHECK:         %[[OUTS:.*]] = arith.constant 4 : index
// CHECK-NEXT:    %[[LANES:.*]] = arith.constant 256 : index
// CHECK-NEXT:    %[[N:.*]] = arith.muli %[[OUTS]], %[[LANES]] : index
// CHECK-NEXT:    func.call @charl_gpu_scalar_index(%[[N]]) : (index) -> ()
// CHECK:         func.call @charl_gpu_launch(

// A [32, 10] cross-entropy row: 10 elements keep the serial form, one invocation per row.
func.func @short_rows(%x: memref<32x10xf32>, %y: memref<32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : memref<32x10xf32>) outs(%y : memref<32xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.maximumf %a, %acc : f32
    linalg.yield %s : f32
  }
  func.return
}
// CHECK-LABEL: func.func @short_rows(
// CHECK:         %[[N:.*]] = arith.constant 32 : index
// CHECK-NEXT:    func.call @charl_gpu_scalar_index(%[[N]]) : (index) -> ()

// A sum of everything, sizes known at run time: the template, the range measured in the kernel.
func.func @total(%x: memref<?x?xf32>, %y: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%x : memref<?x?xf32>) outs(%y : memref<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  func.return
}

// A body that is not `combine(f(x), acc)` (acc is scaled first) keeps the serial form.
func.func @decay(%x: memref<2x2048xf32>, %y: memref<2xf32>) {
  %half = arith.constant 0.5 : f32
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : memref<2x2048xf32>) outs(%y : memref<2xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %h = arith.mulf %acc, %half : f32
    %s = arith.addf %h, %a : f32
    linalg.yield %s : f32
  }
  func.return
}
// CHECK-LABEL: func.func @decay(
// CHECK:         %[[N:.*]] = arith.constant 2 : index
// CHECK-NEXT:    func.call @charl_gpu_scalar_index(%[[N]]) : (index) -> ()

// CHECK:       "gpu.module"() <{sym_name = "charl_kernels"}> ({
// CHECK:         ^{{.*}}(%[[X:.*]]: memref<4x1024xf32>, %[[Y:.*]]: memref<4xf32>, %[[CNT:.*]]: index):
// CHECK-NEXT:      %id = "gpu.global_id"() <{dimension = #gpu<dim x>}> : () -> index
// CHECK-NEXT:      %[[OK:.*]] = arith.cmpi ult, %id, %[[CNT]] : index
// CHECK-NEXT:      scf.if %[[OK]] {
// CHECK-NEXT:        %c256 = arith.constant 256 : index
// CHECK-NEXT:        %o = arith.divui %id, %c256 : index
// CHECK-NEXT:        %lane = arith.remui %id, %c256 : index
// CHECK-NEXT:        %[[ZERO:.*]] = arith.constant -0.000000e+00 : f32
// CHECK-NEXT:        %[[R:.*]] = arith.constant 1024 : index
// CHECK-NEXT:        %partial = scf.for %r = %lane to %[[R]] step %c256 iter_args(%acc = %[[ZERO]]) -> (f32) {
// CHECK-NEXT:          %[[A:.*]] = memref.load %[[X]][%o, %r] : memref<4x1024xf32>
// CHECK-NEXT:          %[[E:.*]] = math.exp %[[A]] : f32
// CHECK-NEXT:          %[[S:.*]] = arith.addf %acc, %[[E]] : f32
// CHECK-NEXT:          scf.yield %[[S]] : f32
// CHECK-NEXT:        }
// CHECK-NEXT:        %red = memref.alloca() : memref<256xf32, "workgroup">
// CHECK-NEXT:        memref.store %partial, %red[%lane] : memref<256xf32, "workgroup">
// CHECK-NEXT:        "gpu.barrier"() : () -> ()
// CHECK-NEXT:        %c128 = arith.constant 128 : index
// CHECK-NEXT:        %[[LOW:.*]] = arith.cmpi ult, %lane, %c128 : index
// CHECK-NEXT:        scf.if %[[LOW]] {
// CHECK-NEXT:          %[[MINE:.*]] = memref.load %red[%lane] : memref<256xf32, "workgroup">
// CHECK-NEXT:          %[[AT:.*]] = arith.addi %lane, %c128 : index
// CHECK-NEXT:          %[[OTHER:.*]] = memref.load %red[%[[AT]]] : memref<256xf32, "workgroup">
// CHECK-NEXT:          %[[SUM:.*]] = arith.addf %[[OTHER]], %[[MINE]] : f32
// CHECK-NEXT:          memref.store %[[SUM]], %red[%lane] : memref<256xf32, "workgroup">
// CHECK-NEXT:        }
// CHECK-NEXT:        "gpu.barrier"() : () -> ()
// CHECK-NEXT:        %c64 = arith.constant 64 : index
// CHECK:             %c1 = arith.constant 1 : index
// CHECK-NEXT:        %[[LAST:.*]] = arith.cmpi ult, %lane, %c1 : index
// CHECK-NEXT:        scf.if %[[LAST]] {
// CHECK:             }
// CHECK-NEXT:        %c0 = arith.constant 0 : index
// CHECK-NEXT:        %[[FIRST:.*]] = arith.cmpi eq, %lane, %c0 : index
// CHECK-NEXT:        scf.if %[[FIRST]] {
// CHECK-NEXT:          %[[TOTAL:.*]] = memref.load %red[%c0] : memref<256xf32, "workgroup">
// CHECK-NEXT:          %[[INIT:.*]] = memref.load %[[Y]][%o] : memref<4xf32>
// CHECK-NEXT:          %[[OUT:.*]] = arith.addf %[[INIT]], %[[TOTAL]] : f32
// CHECK-NEXT:          memref.store %[[OUT]], %[[Y]][%o] : memref<4xf32>
// CHECK-NEXT:        }
// CHECK-NEXT:      }
// CHECK-NEXT:      "gpu.return"() : () -> ()
// CHECK-NEXT:    }) {sym_name = "k0", charl.workgroup_size = 256 : i32, charl.template = "reduce", charl.combiner = "arith.addf", charl.lanes = 256 : i64, charl.kernel = 0 : i32} : () -> ()

// The serial row maximum: no template.
// CHECK:         }) {sym_name = "k1", charl.workgroup_size = 64 : i32, charl.kernel = 1 : i32} : () -> ()

// The dynamic total: the range is dim 0 x dim 1 of the input, and lane 0 stores to the 0-d output.
// CHECK:         ^{{.*}}(%[[DX:.*]]: memref<?x?xf32>, %[[DY:.*]]: memref<f32>, %{{.*}}: index):
// CHECK:             %[[D0:.*]] = memref.dim %[[DX]], %c0 : memref<?x?xf32>
// CHECK:             %[[D1:.*]] = memref.dim %[[DX]], %c1 : memref<?x?xf32>
// CHECK-NEXT:        %[[DR:.*]] = arith.muli %[[D0]], %[[D1]] : index
// CHECK-NEXT:        %partial = scf.for %r = %lane to %[[DR]] step %c256 iter_args(%acc = %{{.*}}) -> (f32) {
// CHECK-NEXT:          %[[COL:.*]] = arith.remui %r, %[[D1]] : index
// CHECK-NEXT:          %[[ROW:.*]] = arith.divui %r, %[[D1]] : index
// CHECK-NEXT:          %{{.*}} = memref.load %[[DX]][%[[ROW]], %[[COL]]] : memref<?x?xf32>
// CHECK:               memref.store %{{.*}}, %[[DY]][] : memref<f32>
// CHECK:         }) {sym_name = "k2", charl.workgroup_size = 256 : i32, charl.template = "reduce", charl.combiner = "arith.addf", charl.lanes = 256 : i64, charl.kernel = 2 : i32} : () -> ()

// The decaying sum: serial.
// CHECK:         }) {sym_name = "k3", charl.workgroup_size = 64 : i32, charl.kernel = 3 : i32} : () -> ()
