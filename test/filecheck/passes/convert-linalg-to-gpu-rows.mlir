// RUN: charlc %s -p convert-linalg-to-gpu | filecheck %s

// layer_norm: the mean's sum, the variance's sum (reading the mean at its row) and the normalizing
// op (reading both at its row) are one row kernel: one launch of a workgroup per row.
func.func @norm(%x: memref<5x70xf32>, %g: memref<70xf32>, %b: memref<70xf32>) -> memref<5x70xf32> {
  %n = arith.constant 7.000000e+01 : f32
  %eps = arith.constant 1.000000e-05 : f32
  %zero = arith.constant 0.000000e+00 : f32
  %mean = memref.alloc() : memref<5xf32>
  linalg.fill ins(%zero : f32) outs(%mean : memref<5xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : memref<5x70xf32>) outs(%mean : memref<5xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  %var = memref.alloc() : memref<5xf32>
  linalg.fill ins(%zero : f32) outs(%var : memref<5xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x, %mean : memref<5x70xf32>, memref<5xf32>) outs(%var : memref<5xf32>) {
  ^bb0(%a: f32, %m: f32, %acc: f32):
    %mu = arith.divf %m, %n : f32
    %d = arith.subf %a, %mu : f32
    %sq = arith.mulf %d, %d : f32
    %s = arith.addf %acc, %sq : f32
    linalg.yield %s : f32
  }
  %y = memref.alloc() : memref<5x70xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %mean, %var, %g, %b : memref<5x70xf32>, memref<5xf32>, memref<5xf32>, memref<70xf32>, memref<70xf32>) outs(%y : memref<5x70xf32>) {
  ^bb0(%a: f32, %m: f32, %v: f32, %w: f32, %c: f32, %o: f32):
    %vn = arith.divf %v, %n : f32
    %ve = arith.addf %vn, %eps : f32
    %r = math.rsqrt %ve : f32
    %mu = arith.divf %m, %n : f32
    %d = arith.subf %a, %mu : f32
    %t = arith.mulf %d, %r : f32
    %u = arith.mulf %t, %w : f32
    %z = arith.addf %u, %c : f32
    linalg.yield %z : f32
  }
  memref.dealloc %mean : memref<5xf32>
  memref.dealloc %var : memref<5xf32>
  func.return %y : memref<5x70xf32>
}
// CHECK-LABEL: func.func @norm(
// CHECK-NOT:     linalg.
// CHECK:         %[[N:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// CHECK:         func.call @charl_gpu_scalar_index(%[[N]])
// CHECK:         func.call @charl_gpu_launch(
// CHECK-NOT:     func.call @charl_gpu_launch(
// CHECK:         func.return

// The activations' quantization: absmax with its `/ 127` and the quantizing op; the scale is read
// after the chain (by the integer matmul), so lane 0 still stores it.
func.func @quantize(%x: memref<2x64xf32>, %use: memref<2xf32>) {
  %zero = arith.constant 0.000000e+00 : f32
  %s = memref.alloc() : memref<2xf32>
  linalg.fill ins(%zero : f32) outs(%s : memref<2xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : memref<2x64xf32>) outs(%s : memref<2xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %abs = math.absf %a : f32
    %m = arith.maximumf %acc, %abs : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%s : memref<2xf32>) outs(%s : memref<2xf32>) {
  ^bb0(%v: f32, %o: f32):
    %q = arith.constant 1.270000e+02 : f32
    %d = arith.divf %v, %q : f32
    linalg.yield %d : f32
  }
  %xq = memref.alloc() : memref<2x64xi8>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %s : memref<2x64xf32>, memref<2xf32>) outs(%xq : memref<2x64xi8>) {
  ^bb0(%a: f32, %sc: f32, %o: i8):
    %d = arith.divf %a, %sc : f32
    %r = math.roundeven %d : f32
    %i = arith.fptosi %r : f32 to i8
    linalg.yield %i : i8
  }
  "memref.copy"(%s, %use) : (memref<2xf32>, memref<2xf32>) -> ()
  memref.dealloc %xq : memref<2x64xi8>
  memref.dealloc %s : memref<2xf32>
  func.return
}
// CHECK-LABEL: func.func @quantize(
// CHECK-COUNT-2: func.call @charl_gpu_launch(
// CHECK-NOT:     func.call @charl_gpu_launch(
// CHECK:         func.return

// Refused: the normalizing op reads the sum at another row (row 0 for every row).
func.func @other_row(%x: memref<4x300xf32>, %y: memref<4x300xf32>) {
  %zero = arith.constant 0.000000e+00 : f32
  %s = memref.alloc() : memref<4xf32>
  linalg.fill ins(%zero : f32) outs(%s : memref<4xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : memref<4x300xf32>) outs(%s : memref<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %t = arith.addf %acc, %a : f32
    linalg.yield %t : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %s : memref<4x300xf32>, memref<4xf32>) outs(%y : memref<4x300xf32>) {
  ^bb0(%a: f32, %t: f32, %o: f32):
    %d = arith.divf %a, %t : f32
    linalg.yield %d : f32
  }
  memref.dealloc %s : memref<4xf32>
  func.return
}
// CHECK-LABEL: func.func @other_row(
// CHECK-COUNT-3: func.call @charl_gpu_launch(
// CHECK-NOT:     func.call @charl_gpu_launch(
// CHECK:         func.return

// Refused: the rows have other lengths (a sum over 300 columns, an op over 200).
func.func @other_extent(%x: memref<4x300xf32>, %z: memref<4x200xf32>, %y: memref<4x200xf32>) {
  %zero = arith.constant 0.000000e+00 : f32
  %s = memref.alloc() : memref<4xf32>
  linalg.fill ins(%zero : f32) outs(%s : memref<4xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : memref<4x300xf32>) outs(%s : memref<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %t = arith.addf %acc, %a : f32
    linalg.yield %t : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%z, %s : memref<4x200xf32>, memref<4xf32>) outs(%y : memref<4x200xf32>) {
  ^bb0(%a: f32, %t: f32, %o: f32):
    %d = arith.divf %a, %t : f32
    linalg.yield %d : f32
  }
  memref.dealloc %s : memref<4xf32>
  func.return
}
// CHECK-LABEL: func.func @other_extent(
// CHECK-COUNT-3: func.call @charl_gpu_launch(
// CHECK-NOT:     func.call @charl_gpu_launch(
// CHECK:         func.return

// Refused: the sum goes to an argument, which may overlap the argument the last op writes.
func.func @may_overlap(%x: memref<4x300xf32>, %s: memref<4xf32>, %y: memref<4x300xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : memref<4x300xf32>) outs(%s : memref<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %t = arith.addf %acc, %a : f32
    linalg.yield %t : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %s : memref<4x300xf32>, memref<4xf32>) outs(%y : memref<4x300xf32>) {
  ^bb0(%a: f32, %t: f32, %o: f32):
    %d = arith.divf %a, %t : f32
    linalg.yield %d : f32
  }
  func.return
}
// CHECK-LABEL: func.func @may_overlap(
// CHECK-COUNT-2: func.call @charl_gpu_launch(
// CHECK-NOT:     func.call @charl_gpu_launch(
// CHECK:         func.return

// @norm's kernel: a workgroup of 128 lanes per row of 70; the mean's total, read from workgroup
// memory after a barrier by every lane, feeds the variance's loop and the last op; the last op's
// loop walks the row's columns from the lane, 128 apart, and stores only y.
// CHECK:         "gpu.func"()
// CHECK:           %[[ROW:.*]] = arith.divui %id, %c128 : index
// CHECK-NEXT:      %[[LANE:.*]] = arith.remui %id, %c128 : index
// CHECK:           %red = memref.alloca() : memref<128xf32, "workgroup">
// CHECK:           %c1 = arith.constant 1 : index
// CHECK:           "gpu.barrier"() : () -> ()
// CHECK-NEXT:      %c0 = arith.constant 0 : index
// CHECK-NEXT:      %[[T0:.*]] = memref.load %red[%c0] : memref<128xf32, "workgroup">
// CHECK-NEXT:      %[[Z0:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:      %[[MEAN:.*]] = arith.addf %[[Z0]], %[[T0]] : f32
// CHECK:           scf.for %{{.*}} = %[[LANE]] to %{{.*}} step %c128
// CHECK:             arith.divf %[[MEAN]], %n : f32
// CHECK:           %red_1 = memref.alloca() : memref<128xf32, "workgroup">
// CHECK:           %[[T1:.*]] = memref.load %red_1[%c0_1] : memref<128xf32, "workgroup">
// CHECK-NEXT:      arith.constant 0.000000e+00 : f32
// CHECK-NEXT:      %[[VAR:.*]] = arith.addf %{{.*}}, %[[T1]] : f32
// CHECK-NEXT:      %c70_2 = arith.constant 70 : index
// CHECK-NEXT:      %c128_2 = arith.constant 128 : index
// CHECK-NEXT:      scf.for %[[C:.*]] = %[[LANE]] to %c70_2 step %c128_2 {
// CHECK:             arith.divf %[[VAR]], %n : f32
// CHECK:             arith.divf %[[MEAN]], %n : f32
// CHECK:             memref.store %{{.*}}, %5[%[[ROW]], %[[C]]] : memref<5x70xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK:         charl.workgroup_size = 128 : i32, charl.template = "rows", charl.lanes = 128 : i64, charl.stages = 2 : i64

// @quantize's kernel: 64 lanes for rows of 64; the scale (absmax / 127) is stored by lane 0, since
// the copy after the chain reads it, and divides every element.
// CHECK:         "gpu.func"()
// CHECK:           memref.load %red[%c0] : memref<64xf32, "workgroup">
// CHECK-NEXT:      arith.constant 0.000000e+00 : f32
// CHECK-NEXT:      %[[M:.*]] = arith.maximumf
// CHECK-NEXT:      %[[Q:.*]] = arith.constant 1.270000e+02 : f32
// CHECK-NEXT:      %[[S:.*]] = arith.divf %[[M]], %[[Q]] : f32
// CHECK-NEXT:      %[[FIRST:.*]] = arith.cmpi eq, %lane, %c0 : index
// CHECK-NEXT:      scf.if %[[FIRST]] {
// CHECK-NEXT:        memref.store %[[S]], %1[%row] : memref<2xf32>
// CHECK-NEXT:      }
// CHECK:           scf.for
// CHECK:             arith.divf %{{.*}}, %[[S]] : f32
// CHECK:         charl.workgroup_size = 64 : i32, charl.template = "rows", charl.lanes = 64 : i64, charl.stages = 1 : i64
