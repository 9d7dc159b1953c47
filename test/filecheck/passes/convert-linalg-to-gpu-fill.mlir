// RUN: charlc %s -p convert-linalg-to-gpu | filecheck %s

// A reduction template right after a fill of its output absorbs the fill: one launch, and lane 0
// combines the workgroup's total with the fill's constant instead of loading the output (the
// kernel writes every output element once).
func.func @rows(%x: memref<4x1024xf32>, %y: memref<4xf32>) {
  %start = arith.constant 1.5 : f32
  linalg.fill ins(%start : f32) outs(%y : memref<4xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : memref<4x1024xf32>) outs(%y : memref<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  func.return
}
// CHECK-LABEL: func.func @rows(
// CHECK-NOT:     linalg.fill
// CHECK:         func.call @charl_gpu_launch(
// CHECK-NOT:     func.call @charl_gpu_launch(
// CHECK:         func.return

// A fill that is not right before the reduction stays a kernel of its own.
func.func @apart(%x: memref<4x1024xf32>, %y: memref<4xf32>, %z: memref<4xf32>) {
  %start = arith.constant 0.0 : f32
  linalg.fill ins(%start : f32) outs(%y : memref<4xf32>)
  linalg.fill ins(%start : f32) outs(%z : memref<4xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : memref<4x1024xf32>) outs(%y : memref<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  func.return
}
// CHECK-LABEL: func.func @apart(
// CHECK-COUNT-3: func.call @charl_gpu_launch(

// The kernels: the first is @rows's reduction, ending with its absorbed fill's constant.
// CHECK:       "gpu.module"()
// CHECK:         "gpu.func"()
// CHECK:           %[[FIRST:.*]] = arith.cmpi eq, %lane, %{{.*}} : index
// CHECK-NEXT:      scf.if %[[FIRST]] {
// CHECK-NEXT:        %[[TOTAL:.*]] = memref.load %{{.*}}[%c0] : memref<256xf32, "workgroup">
// CHECK-NEXT:        %[[INIT:.*]] = arith.constant 1.500000e+00 : f32
// CHECK-NEXT:        %[[SUM:.*]] = arith.addf %[[INIT]], %[[TOTAL]] : f32
// CHECK-NEXT:        memref.store %[[SUM]], %{{.*}}[%{{.*}}] : memref<4xf32>
// CHECK:           charl.template = "reduce"
