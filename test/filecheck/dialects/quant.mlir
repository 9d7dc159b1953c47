// RUN: charlc %s | charlc - | filecheck %s

// Round trip: every op below parses, verifies and prints back in its custom form, which
// parses again. Ops: quantize, dequantize, qmatmul.

// CHECK-LABEL: func.func @quant(
// CHECK-NEXT:    %q, %s = charl.quantize int8 %w {axis = 1 : i64} : tensor<256x128xf32> -> tensor<256x128xi8>, tensor<128xf32>
// CHECK-NEXT:    %q4, %s4 = charl.quantize int4 %w {axis = 1 : i64, group = 32 : i64} : tensor<256x128xf32> -> tensor<256x128xi4>, tensor<8x128xf32>
// CHECK-NEXT:    %d = charl.dequantize %q, %s {axis = 1 : i64} : tensor<256x128xi8>, tensor<128xf32> -> tensor<256x128xf32>
// CHECK-NEXT:    %d4 = charl.dequantize %q4, %s4 {axis = 1 : i64, group = 32 : i64} : tensor<256x128xi4>, tensor<8x128xf32> -> tensor<256x128xf32>
// CHECK-NEXT:    %y = charl.qmatmul %x, %q, %s : tensor<8x256xf32>, tensor<256x128xi8>, tensor<128xf32> -> tensor<8x128xf32>
// CHECK-NEXT:    %y4 = charl.qmatmul %x, %q4, %s4 {group = 32 : i64} : tensor<8x256xf32>, tensor<256x128xi4>, tensor<8x128xf32> -> tensor<8x128xf32>
// CHECK-NEXT:    func.return
func.func @quant(%w: tensor<256x128xf32>, %x: tensor<8x256xf32>) {
  %q, %s = charl.quantize int8 %w {axis = 1 : i64} : tensor<256x128xf32> -> tensor<256x128xi8>, tensor<128xf32>
  %q4, %s4 = charl.quantize int4 %w {axis = 1 : i64, group = 32 : i64} : tensor<256x128xf32> -> tensor<256x128xi4>, tensor<8x128xf32>
  %d = charl.dequantize %q, %s {axis = 1 : i64} : tensor<256x128xi8>, tensor<128xf32> -> tensor<256x128xf32>
  %d4 = charl.dequantize %q4, %s4 {axis = 1 : i64, group = 32 : i64} : tensor<256x128xi4>, tensor<8x128xf32> -> tensor<256x128xf32>
  %y = charl.qmatmul %x, %q, %s : tensor<8x256xf32>, tensor<256x128xi8>, tensor<128xf32> -> tensor<8x128xf32>
  %y4 = charl.qmatmul %x, %q4, %s4 {group = 32 : i64} : tensor<8x256xf32>, tensor<256x128xi4>, tensor<8x128xf32> -> tensor<8x128xf32>
  func.return
}
