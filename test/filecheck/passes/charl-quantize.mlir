// RUN: charlc %s -p charl-quantize | filecheck %s
// RUN: charlc %s -p charl-quantize,convert-charl-to-linalg,linalg-fuse-elementwise,charl-bufferize,convert-linalg-to-loops | filecheck %s --check-prefix=LOOPS

// An int4 qmatmul with groups: the activations are quantized per row (axis 0) to int8, and the
// product is one generic marked `charl_qgemm` on a zero-filled init, the group scale read through
// `k floordiv 32`.
// CHECK-LABEL: func.func @grouped(
// CHECK-NEXT:    %[[XQ:.*]], %[[XS:.*]] = charl.quantize int8 %x {axis = 0 : i64} : tensor<2x64xf32> -> tensor<2x64xi8>, tensor<2xf32>
// CHECK-NEXT:    %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:    %[[E:.*]] = tensor.empty() : tensor<2x16xf32>
// CHECK-NEXT:    %[[I:.*]] = linalg.fill ins(%[[Z]] : f32) outs(%[[E]] : tensor<2x16xf32>) -> tensor<2x16xf32>
// CHECK-NEXT:    %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d0)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> ((d2 floordiv 32), d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], library_call = "charl_qgemm"} ins(%[[XQ]], %[[XS]], %q, %s : tensor<2x64xi8>, tensor<2xf32>, tensor<64x16xi4>, tensor<2x16xf32>) outs(%[[I]] : tensor<2x16xf32>) {
// CHECK-NEXT:    ^bb0(%[[A:.*]]: i8, %[[B:.*]]: f32, %[[C:.*]]: i4, %[[D:.*]]: f32, %[[O:.*]]: f32):
// CHECK-NEXT:      %[[AF:.*]] = arith.sitofp %[[A]] : i8 to f32
// CHECK-NEXT:      %[[X:.*]] = arith.mulf %[[AF]], %[[B]] : f32
// CHECK-NEXT:      %[[CF:.*]] = arith.sitofp %[[C]] : i4 to f32
// CHECK-NEXT:      %[[W:.*]] = arith.mulf %[[CF]], %[[D]] : f32
// CHECK-NEXT:      %[[P:.*]] = arith.mulf %[[X]], %[[W]] : f32
// CHECK-NEXT:      %[[S:.*]] = arith.addf %[[O]], %[[P]] : f32
// CHECK-NEXT:      linalg.yield %[[S]] : f32
// CHECK-NEXT:    } -> tensor<2x16xf32>
// CHECK-NEXT:    func.return %y : tensor<2x16xf32>
// LOOPS-LABEL: func.func @grouped(
// LOOPS:         func.call @charl_rt_qgemm_i4(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (memref<*xi8>, memref<*xf32>, memref<*xi4>, memref<*xf32>, memref<*xf32>) -> ()
// LOOPS-NOT:     linalg.generic
// LOOPS:         func.return
func.func @grouped(%x: tensor<2x64xf32>, %q: tensor<64x16xi4>, %s: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %y = charl.qmatmul %x, %q, %s {group = 32 : i64} : tensor<2x64xf32>, tensor<64x16xi4>, tensor<2x16xf32> -> tensor<2x16xf32>
  func.return %y : tensor<2x16xf32>
}

// int8 with one scale per output channel, a batch known at run time: the init takes the batch
// from the input; the scale is read through `(d1)`.
// CHECK-LABEL: func.func @per_channel(
// CHECK:         charl.quantize int8 %x {axis = 0 : i64} : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
// CHECK:         %[[B:.*]] = tensor.dim %x, %{{.*}} : tensor<?x64xf32>
// CHECK:         tensor.empty(%[[B]]) : tensor<?x16xf32>
// CHECK:         linalg.generic {{.*}}affine_map<(d0, d1, d2) -> (d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], library_call = "charl_qgemm"}
// CHECK-NOT:     charl.qmatmul
// LOOPS-LABEL: func.func @per_channel(
// LOOPS:         func.call @charl_rt_qgemm_i8(%{{.*}}) : (memref<*xi8>, memref<*xf32>, memref<*xi8>, memref<*xf32>, memref<*xf32>) -> ()
func.func @per_channel(%x: tensor<?x64xf32>, %q: tensor<64x16xi8>, %s: tensor<16xf32>) -> tensor<?x16xf32> {
  %y = charl.qmatmul %x, %q, %s : tensor<?x64xf32>, tensor<64x16xi8>, tensor<16xf32> -> tensor<?x16xf32>
  func.return %y : tensor<?x16xf32>
}

// An input of rank 3 is left to convert-charl-to-linalg.
// CHECK-LABEL: func.func @batched(
// CHECK-NEXT:    %y = charl.qmatmul %x, %q, %s
func.func @batched(%x: tensor<2x3x64xf32>, %q: tensor<64x16xi8>, %s: tensor<16xf32>) -> tensor<2x3x16xf32> {
  %y = charl.qmatmul %x, %q, %s : tensor<2x3x64xf32>, tensor<64x16xi8>, tensor<16xf32> -> tensor<2x3x16xf32>
  func.return %y : tensor<2x3x16xf32>
}
