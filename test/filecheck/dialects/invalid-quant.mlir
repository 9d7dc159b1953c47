// RUN: not charlc %s --split-input-file 2>&1 | filecheck %s

// Verifier errors, one invalid op per chunk: each is reported at its position with a message
// that names the op and the offending types. Ops: quantize, dequantize and qmatmul.

// CHECK: {{.*}}invalid-quant.mlir:8:3: error: charl.quantize: unknown qtype 'int2'; expected int8 or int4
func.func @f0(%w: tensor<256x128xf32>) {
  %q, %s = charl.quantize int2 %w {axis = 1 : i64} : tensor<256x128xf32> -> tensor<256x128xi8>, tensor<128xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-quant.mlir:16:3: error: charl.quantize: quantized type tensor<256x128xi4> is not tensor<256x128xi8> for int8
func.func @f1(%w: tensor<256x128xf32>) {
  %q, %s = charl.quantize int8 %w {axis = 1 : i64} : tensor<256x128xf32> -> tensor<256x128xi4>, tensor<128xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-quant.mlir:24:3: error: charl.quantize: scale type tensor<256xf32> is not tensor<128xf32> for tensor<256x128xf32>
func.func @f2(%w: tensor<256x128xf32>) {
  %q, %s = charl.quantize int8 %w {axis = 1 : i64} : tensor<256x128xf32> -> tensor<256x128xi8>, tensor<256xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-quant.mlir:32:3: error: charl.quantize: group 30 does not divide dimension 0 of tensor<256x128xf32>
func.func @f3(%w: tensor<256x128xf32>) {
  %q, %s = charl.quantize int4 %w {axis = 1 : i64, group = 30 : i64} : tensor<256x128xf32> -> tensor<256x128xi4>, tensor<8x128xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-quant.mlir:40:3: error: charl.quantize: grouped scales need a rank-2 tensor, got tensor<4x4x4xf32>
func.func @f4(%w: tensor<4x4x4xf32>) {
  %q, %s = charl.quantize int4 %w {axis = 1 : i64, group = 2 : i64} : tensor<4x4x4xf32> -> tensor<4x4x4xi4>, tensor<4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-quant.mlir:48:3: error: charl.quantize: expected float elements, got tensor<4x4xi32>
func.func @f5(%w: tensor<4x4xi32>) {
  %q, %s = charl.quantize int8 %w {axis = 1 : i64} : tensor<4x4xi32> -> tensor<4x4xi8>, tensor<4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-quant.mlir:56:3: error: charl.quantize: axis 2 is out of range for rank 2
func.func @f6(%w: tensor<4x4xf32>) {
  %q, %s = charl.quantize int8 %w {axis = 2 : i64} : tensor<4x4xf32> -> tensor<4x4xi8>, tensor<4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-quant.mlir:64:3: error: charl.dequantize: quantized data tensor<4x4xf32> must have i8 or i4 elements
func.func @f7(%q: tensor<4x4xf32>, %s: tensor<4xf32>) {
  %w = charl.dequantize %q, %s {axis = 1 : i64} : tensor<4x4xf32>, tensor<4xf32> -> tensor<4x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-quant.mlir:72:3: error: charl.dequantize: result type tensor<4x8xf32> does not have the shape [4, 4] of the quantized data tensor<4x4xi8>
func.func @f8(%q: tensor<4x4xi8>, %s: tensor<4xf32>) {
  %w = charl.dequantize %q, %s {axis = 1 : i64} : tensor<4x4xi8>, tensor<4xf32> -> tensor<4x8xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-quant.mlir:80:3: error: charl.dequantize: scale type tensor<4xf64> is not tensor<4xf32> for tensor<4x4xi8>
func.func @f9(%q: tensor<4x4xi8>, %s: tensor<4xf64>) {
  %w = charl.dequantize %q, %s {axis = 1 : i64} : tensor<4x4xi8>, tensor<4xf64> -> tensor<4x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-quant.mlir:88:3: error: charl.qmatmul: inner dimensions 128 and 256 of tensor<8x128xf32> and tensor<256x128xi8> differ
func.func @f10(%x: tensor<8x128xf32>, %q: tensor<256x128xi8>, %s: tensor<128xf32>) {
  %y = charl.qmatmul %x, %q, %s : tensor<8x128xf32>, tensor<256x128xi8>, tensor<128xf32> -> tensor<8x128xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-quant.mlir:96:3: error: charl.qmatmul: scale type tensor<256xf32> is not tensor<128xf32> for tensor<256x128xi8>
func.func @f11(%x: tensor<8x256xf32>, %q: tensor<256x128xi8>, %s: tensor<256xf32>) {
  %y = charl.qmatmul %x, %q, %s : tensor<8x256xf32>, tensor<256x128xi8>, tensor<256xf32> -> tensor<8x128xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-quant.mlir:104:3: error: charl.qmatmul: result type tensor<8x256xf32> does not have the shape [8, 128] of tensor<8x256xf32> @ tensor<256x128xi8>
func.func @f12(%x: tensor<8x256xf32>, %q: tensor<256x128xi8>, %s: tensor<128xf32>) {
  %y = charl.qmatmul %x, %q, %s : tensor<8x256xf32>, tensor<256x128xi8>, tensor<128xf32> -> tensor<8x256xf32>
  func.return
}
