// RUN: charlc %s -p convert-linalg-to-gpu | filecheck %s

// GPT-2's bias after the integer matmul: y (through its collapse_shape) += the layer's bias, in
// place, with a run-time check, the bias's views and the deallocation of the activations between
// them. One launch: the qgemm kernel applies the epilogue at each element (a one-trip scf.for
// marked charl.epilogue on the element's row-major index), and the deallocations move after it.
func.func @bias(%xq: memref<1x64xi8>, %xs: memref<1xf32>, %q: memref<64x40xi8>, %s: memref<40xf32>, %bs: memref<12x40xf32>, %l: index) -> memref<40xf32> {
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<1x64xi8>
  %y = memref.alloc() : memref<1x40xf32>
  linalg.fill ins(%zero : f32) outs(%y : memref<1x40xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d0)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], library_call = "charl_qgemm"} ins(%a, %xs, %q, %s : memref<1x64xi8>, memref<1xf32>, memref<64x40xi8>, memref<40xf32>) outs(%y : memref<1x40xf32>) {
  ^bb0(%i: i8, %j: f32, %k: i8, %m: f32, %o: f32):
    %if = arith.sitofp %i : i8 to f32
    %x = arith.mulf %if, %j : f32
    %kf = arith.sitofp %k : i8 to f32
    %w = arith.mulf %kf, %m : f32
    %p = arith.mulf %x, %w : f32
    %sum = arith.addf %o, %p : f32
    linalg.yield %sum : f32
  }
  memref.dealloc %a : memref<1x64xi8>
  %flat = memref.collapse_shape %y [[0, 1]] : memref<1x40xf32> into memref<40xf32>
  %c12 = arith.constant 12 : i64
  %li = arith.index_cast %l : index to i64
  %one = arith.constant 1 : i64
  %end = arith.addi %li, %one : i64
  %msg = memref.get_global @charl_str_0 : memref<4xi8>
  %str = "memref.cast"(%msg) : (memref<4xi8>) -> memref<?xi8>
  func.call @charl_rt_check_slice(%li, %end, %c12, %li, %str) : (i64, i64, i64, i64, memref<?xi8>) -> ()
  %brow = memref.subview %bs[%l, 0] [1, 40] [1, 1] : memref<12x40xf32> to memref<1x40xf32, strided<[40, 1], offset: ?>>
  %b = memref.collapse_shape %brow [[0, 1]] : memref<1x40xf32, strided<[40, 1], offset: ?>> into memref<40xf32, strided<[1], offset: ?>>
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%flat, %b : memref<40xf32>, memref<40xf32, strided<[1], offset: ?>>) outs(%flat : memref<40xf32>) {
  ^bb0(%u: f32, %v: f32, %r: f32):
    %t = arith.addf %u, %v : f32
    linalg.yield %t : f32
  }
  func.return %flat : memref<40xf32>
}
"memref.global"() <{sym_name = "charl_str_0", type = memref<4xi8>, initial_value = dense<[98, 105, 97, 115]> : tensor<4xi8>, sym_visibility = "private", constant}> : () -> ()
func.func private @charl_rt_check_slice(i64, i64, i64, i64, memref<?xi8>) -> ()
// CHECK-LABEL: func.func @bias(
// CHECK:         func.call @charl_rt_check_slice(
// CHECK:         func.call @charl_gpu_launch(
// CHECK-NEXT:    memref.dealloc
// CHECK-NOT:     func.call @charl_gpu_launch(
// CHECK:         func.return

// A residual written into an argument (memory the function did not allocate, which may overlap
// the weights other workgroups still read): refused, two launches.
func.func @into_argument(%xq: memref<1x64xi8>, %xs: memref<1xf32>, %q: memref<64x40xi8>, %s: memref<40xf32>, %x: memref<1x40xf32>) {
  %zero = arith.constant 0.0 : f32
  %y = memref.alloc() : memref<1x40xf32>
  linalg.fill ins(%zero : f32) outs(%y : memref<1x40xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d0)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], library_call = "charl_qgemm"} ins(%xq, %xs, %q, %s : memref<1x64xi8>, memref<1xf32>, memref<64x40xi8>, memref<40xf32>) outs(%y : memref<1x40xf32>) {
  ^bb0(%i: i8, %j: f32, %k: i8, %m: f32, %o: f32):
    %if = arith.sitofp %i : i8 to f32
    %x1 = arith.mulf %if, %j : f32
    %kf = arith.sitofp %k : i8 to f32
    %w = arith.mulf %kf, %m : f32
    %p = arith.mulf %x1, %w : f32
    %sum = arith.addf %o, %p : f32
    linalg.yield %sum : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %y : memref<1x40xf32>, memref<1x40xf32>) outs(%x : memref<1x40xf32>) {
  ^bb0(%u: f32, %v: f32, %r: f32):
    %t = arith.addf %u, %v : f32
    linalg.yield %t : f32
  }
  memref.dealloc %y : memref<1x40xf32>
  func.return
}
// CHECK-LABEL: func.func @into_argument(
// CHECK-COUNT-2: func.call @charl_gpu_launch(
// CHECK-NOT:     func.call @charl_gpu_launch(
// CHECK:         func.return

// Something that writes memory between them (a store into y): refused, two launches.
func.func @store_between(%xq: memref<1x64xi8>, %xs: memref<1xf32>, %q: memref<64x40xi8>, %s: memref<40xf32>, %b: memref<40xf32>) -> memref<1x40xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %y = memref.alloc() : memref<1x40xf32>
  linalg.fill ins(%zero : f32) outs(%y : memref<1x40xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d0)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], library_call = "charl_qgemm"} ins(%xq, %xs, %q, %s : memref<1x64xi8>, memref<1xf32>, memref<64x40xi8>, memref<40xf32>) outs(%y : memref<1x40xf32>) {
  ^bb0(%i: i8, %j: f32, %k: i8, %m: f32, %o: f32):
    %if = arith.sitofp %i : i8 to f32
    %x1 = arith.mulf %if, %j : f32
    %kf = arith.sitofp %k : i8 to f32
    %w = arith.mulf %kf, %m : f32
    %p = arith.mulf %x1, %w : f32
    %sum = arith.addf %o, %p : f32
    linalg.yield %sum : f32
  }
  memref.store %zero, %y[%c0, %c0] : memref<1x40xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y, %b : memref<1x40xf32>, memref<40xf32>) outs(%y : memref<1x40xf32>) {
  ^bb0(%u: f32, %v: f32, %r: f32):
    %t = arith.addf %u, %v : f32
    linalg.yield %t : f32
  }
  func.return %y : memref<1x40xf32>
}
// CHECK-LABEL: func.func @store_between(
// CHECK:         func.call @charl_gpu_launch(
// CHECK:         func.call @charl_gpu_launch(
// CHECK-NOT:     func.call @charl_gpu_launch(
// CHECK:         func.return

// The kernel of @bias: the qgemm template, the epilogue after the generic's loop over K.
// CHECK:         "gpu.func"()
// CHECK:           scf.if
// CHECK:             scf.for
// CHECK:             scf.for
// CHECK:               %[[Y:.*]] = memref.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<1x40xf32>
// CHECK:               %[[B:.*]] = memref.load %{{.*}}[%{{.*}}] : memref<40xf32, strided<[1], offset: ?>>
// CHECK-NEXT:          %[[T:.*]] = arith.addf %[[Y]], %[[B]] : f32
// CHECK-NEXT:          memref.store %[[T]], %{{.*}}[%{{.*}}, %{{.*}}] : memref<1x40xf32>
// CHECK:             } {charl.epilogue}
// CHECK:         charl.template = "qgemm"
