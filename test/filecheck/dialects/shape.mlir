// RUN: charlc %s | charlc - | filecheck %s

// Round trip: every op below parses, verifies and prints back in its custom form, which
// parses again. Ops: broadcast_to, reshape, transpose, concat, dim, iota, from_elements.

// CHECK-LABEL: func.func @broadcast_reshape(
// CHECK-NEXT:    %b = charl.broadcast_to %x : tensor<4xf32> -> tensor<3x4xf32>
// CHECK-NEXT:    %bs = charl.broadcast_to %s dims(%n) : f32 -> tensor<?x4xf32>
// CHECK-NEXT:    %r = charl.reshape %b : tensor<3x4xf32> -> tensor<12xf32>
// CHECK-NEXT:    %rs = charl.reshape %s : f32 -> tensor<1x1xf32>
// CHECK-NEXT:    %rd = charl.reshape %m dims(%n) : tensor<?x4xf32> -> tensor<?xf32>
// CHECK-NEXT:    func.return
func.func @broadcast_reshape(%x: tensor<4xf32>, %s: f32, %n: index, %m: tensor<?x4xf32>) {
  %b = charl.broadcast_to %x : tensor<4xf32> -> tensor<3x4xf32>
  %bs = charl.broadcast_to %s dims(%n) : f32 -> tensor<?x4xf32>
  %r = charl.reshape %b : tensor<3x4xf32> -> tensor<12xf32>
  %rs = charl.reshape %s : f32 -> tensor<1x1xf32>
  %rd = charl.reshape %m dims(%n) : tensor<?x4xf32> -> tensor<?xf32>
  func.return
}

// CHECK-LABEL: func.func @transpose_concat(
// CHECK-NEXT:    %t = charl.transpose %x {perm = array<i64: 1, 0>} : tensor<4x8xf32> -> tensor<8x4xf32>
// CHECK-NEXT:    %c = charl.concat %x, %y {axis = 0 : i64} : tensor<4x8xf32>, tensor<2x8xf32> -> tensor<6x8xf32>
// CHECK-NEXT:    func.return
func.func @transpose_concat(%x: tensor<4x8xf32>, %y: tensor<2x8xf32>) {
  %t = charl.transpose %x {perm = array<i64: 1, 0>} : tensor<4x8xf32> -> tensor<8x4xf32>
  %c = charl.concat %x, %y {axis = 0 : i64} : tensor<4x8xf32>, tensor<2x8xf32> -> tensor<6x8xf32>
  func.return
}

// CHECK-LABEL: func.func @dim_iota_from_elements(
// CHECK-NEXT:    %n = charl.dim %x {axis = 0 : i64} : tensor<?x4xf32>
// CHECK-NEXT:    %i = charl.iota {dim = 0 : i64} : tensor<4xi32>
// CHECK-NEXT:    %j = charl.iota dims(%n) {dim = 1 : i64} : tensor<3x?xf32>
// CHECK-NEXT:    %t = charl.from_elements %a, %b, %a, %b : tensor<2x2xf32>
// CHECK-NEXT:    func.return
func.func @dim_iota_from_elements(%x: tensor<?x4xf32>, %a: f32, %b: f32) {
  %n = charl.dim %x {axis = 0 : i64} : tensor<?x4xf32>
  %i = charl.iota {dim = 0 : i64} : tensor<4xi32>
  %j = charl.iota dims(%n) {dim = 1 : i64} : tensor<3x?xf32>
  %t = charl.from_elements %a, %b, %a, %b : tensor<2x2xf32>
  func.return
}
