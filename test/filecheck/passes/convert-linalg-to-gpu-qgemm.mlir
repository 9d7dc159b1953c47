// RUN: charlc %s -p convert-linalg-to-gpu | filecheck %s

// An integer matmul (the `charl_qgemm` generic of charl-quantize) right after a zero fill of its
// output absorbs the fill: one launch of 256 invocations per row of y and block of 32 columns
// (here 2 rows x 2 blocks), and the kernel is the qgemm template marked to overwrite y.
func.func @grouped(%xq: memref<2x64xi8>, %xs: memref<2xf32>, %q: memref<64x40xi4>, %s: memref<2x40xf32>, %y: memref<2x40xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<2x40xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d0)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> ((d2 floordiv 32), d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], library_call = "charl_qgemm"} ins(%xq, %xs, %q, %s : memref<2x64xi8>, memref<2xf32>, memref<64x40xi4>, memref<2x40xf32>) outs(%y : memref<2x40xf32>) {
  ^bb0(%a: i8, %b: f32, %c: i4, %d: f32, %o: f32):
    %af = arith.sitofp %a : i8 to f32
    %x = arith.mulf %af, %b : f32
    %cf = arith.sitofp %c : i4 to f32
    %w = arith.mulf %cf, %d : f32
    %p = arith.mulf %x, %w : f32
    %sum = arith.addf %o, %p : f32
    linalg.yield %sum : f32
  }
  func.return
}
// CHECK-LABEL: func.func @grouped(
// CHECK-NOT:     linalg.fill
// CHECK:         %[[ROWS:.*]] = arith.constant 2 : index
// CHECK:         %[[COLS:.*]] = arith.constant 40 : index
// CHECK:         %[[B:.*]] = arith.divui %{{.*}}, %{{.*}} : index
// CHECK:         %[[RB:.*]] = arith.muli %[[ROWS]], %[[B]] : index
// CHECK:         %[[N:.*]] = arith.muli %[[RB]], %{{.*}} : index
// CHECK:         func.call @charl_gpu_launch(
// CHECK-NOT:     func.call @charl_gpu_launch(
// CHECK:         func.return
// CHECK:         "gpu.func"()
// The reference body: lane < 32 of the workgroup computes column 32 * block + lane of its row,
// starting from 0.0 (the absorbed fill), then the generic's loop over K.
// CHECK:           %[[LANE:.*]] = arith.remui %{{.*}}, %{{.*}} : index
// CHECK:           arith.cmpi ult, %[[LANE]], %{{.*}} : index
// CHECK:           scf.if
// CHECK:             %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:        memref.store %[[Z]], %{{.*}}[%{{.*}}, %{{.*}}] : memref<2x40xf32>
// CHECK:             scf.for
// CHECK:         sym_name = "k0", charl.workgroup_size = 256 : i32, charl.template = "qgemm", charl.group = 32 : i64, charl.overwrite
