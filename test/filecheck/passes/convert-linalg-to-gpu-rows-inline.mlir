// RUN: charlc %s -p convert-linalg-to-gpu | filecheck %s

// A prologue: the scores scaled in place, then softmax's max, sum and normalization (in place).
// The scale is computed where the chain reads the scores: one launch, and the kernel reads the
// unscaled scores and multiplies them by the captured scalar.
func.func @scaled(%x: memref<12x50xf32>, %scale: f32) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : memref<12x50xf32>) outs(%x : memref<12x50xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %scale : f32
    linalg.yield %m : f32
  }
  %ninf = arith.constant 0xff800000 : f32
  %max = memref.alloc() : memref<12xf32>
  linalg.fill ins(%ninf : f32) outs(%max : memref<12xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : memref<12x50xf32>) outs(%max : memref<12xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %m = arith.maximumf %a, %acc : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %max : memref<12x50xf32>, memref<12xf32>) outs(%x : memref<12x50xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    linalg.yield %d : f32
  }
  memref.dealloc %max : memref<12xf32>
  func.return
}
// CHECK-LABEL: func.func @scaled(
// CHECK-NOT:     linalg.
// CHECK:         func.call @charl_gpu_launch(
// CHECK-NOT:     func.call @charl_gpu_launch(
// CHECK:         memref.dealloc
// CHECK:         func.return

// Two chains: a 1-D sum and its normalization, then an absmax over the normalized values read
// through a [1, 64] view and the op using it. A run-time check and a deallocation sit between them
// (the deallocation moves after the launch). The normalized values are not stored: one launch.
func.func @two(%x: memref<64xf32>, %i: i64) -> memref<1x64xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %n = arith.constant 6.400000e+01 : f32
  %sum = memref.alloc() : memref<f32>
  linalg.fill ins(%zero : f32) outs(%sum : memref<f32>)
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]} ins(%x : memref<64xf32>) outs(%sum : memref<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %t = arith.addf %acc, %a : f32
    linalg.yield %t : f32
  }
  %c = memref.alloc() : memref<64xf32>
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x, %sum : memref<64xf32>, memref<f32>) outs(%c : memref<64xf32>) {
  ^bb0(%a: f32, %t: f32, %o: f32):
    %m = arith.divf %t, %n : f32
    %d = arith.subf %a, %m : f32
    linalg.yield %d : f32
  }
  memref.dealloc %sum : memref<f32>
  func.call @charl_rt_check_dim(%i, %i) : (i64, i64) -> ()
  %v = memref.expand_shape %c [[0, 1]] output_shape [1, 64] : memref<64xf32> into memref<1x64xf32>
  %s = memref.alloc() : memref<1xf32>
  %y = memref.alloc() : memref<1x64xf32>
  linalg.fill ins(%zero : f32) outs(%s : memref<1xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%v : memref<1x64xf32>) outs(%s : memref<1xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %abs = math.absf %a : f32
    %m = arith.maximumf %acc, %abs : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%v, %s : memref<1x64xf32>, memref<1xf32>) outs(%y : memref<1x64xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %q = arith.divf %a, %m : f32
    linalg.yield %q : f32
  }
  memref.dealloc %c : memref<64xf32>
  memref.dealloc %s : memref<1xf32>
  func.return %y : memref<1x64xf32>
}
func.func private @charl_rt_check_dim(i64, i64)
// CHECK-LABEL: func.func @two(
// CHECK-NOT:     linalg.
// CHECK:         func.call @charl_rt_check_dim(
// CHECK:         func.call @charl_gpu_launch(
// CHECK-NOT:     func.call @charl_gpu_launch(
// CHECK:         memref.dealloc %{{.*}} : memref<f32>
// CHECK:         func.return

// The kernels: the scale inside each of the chain's ops; the normalization inside the absmax.
// CHECK:       "gpu.func"() <{function_type = (memref<12x50xf32>, memref<12xf32>, f32, index) -> (), kernel}>
// CHECK:         arith.mulf
// CHECK-NEXT:    arith.maximumf
// CHECK:         "gpu.barrier"
// CHECK:         arith.mulf
// CHECK-NEXT:    arith.subf
// CHECK:         charl.template = "rows", charl.lanes = 64 : i64, charl.stages = 1 : i64
// CHECK:       "gpu.func"() <{function_type = (memref<64xf32>, memref<f32>, memref<1xf32>, memref<1x64xf32>, index) -> (), kernel}>
// CHECK:         arith.addf
// CHECK:         "gpu.barrier"
// CHECK:         arith.divf
// CHECK-NEXT:    arith.subf
// CHECK-NEXT:    math.absf
// CHECK:         arith.divf
// CHECK-NEXT:    arith.subf
// CHECK:         charl.template = "rows", charl.lanes = 64 : i64, charl.stages = 2 : i64
