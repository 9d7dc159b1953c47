// RUN: charlc %s | charlc - | filecheck %s

// Round trip: every op below parses, verifies and prints back in its custom form, which
// parses again. Ops: slice, update_slice, extract, gather.

// CHECK-LABEL: func.func @index_ops(
// CHECK-NEXT:    %w = charl.slice %x[%i, %j] [2, %n] : tensor<8x?xf32> -> tensor<2x?xf32>
// CHECK-NEXT:    %v = charl.slice %d[%i, %j] [8, 4] : tensor<8x4xf32> -> tensor<8x4xf32>
// CHECK-NEXT:    %u = charl.update_slice %src into %d[%i, %j] : tensor<2x4xf32> into tensor<8x4xf32>
// CHECK-NEXT:    %e = charl.extract %d[%i, %j] : tensor<8x4xf32> -> f32
// CHECK-NEXT:    %g = charl.gather %tab, %ids {axis = 0 : i64} : tensor<100x16xf32>, tensor<8xi32> -> tensor<8x16xf32>
// CHECK-NEXT:    func.return
func.func @index_ops(%x: tensor<8x?xf32>, %d: tensor<8x4xf32>, %src: tensor<2x4xf32>, %tab: tensor<100x16xf32>, %ids: tensor<8xi32>, %i: index, %j: index, %n: index) {
  %w = charl.slice %x[%i, %j] [2, %n] : tensor<8x?xf32> -> tensor<2x?xf32>
  %v = charl.slice %d[%i, %j] [8, 4] : tensor<8x4xf32> -> tensor<8x4xf32>
  %u = charl.update_slice %src into %d[%i, %j] : tensor<2x4xf32> into tensor<8x4xf32>
  %e = charl.extract %d[%i, %j] : tensor<8x4xf32> -> f32
  %g = charl.gather %tab, %ids {axis = 0 : i64} : tensor<100x16xf32>, tensor<8xi32> -> tensor<8x16xf32>
  func.return
}
