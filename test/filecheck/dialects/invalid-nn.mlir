// RUN: not charlc %s --split-input-file 2>&1 | filecheck %s

// Verifier errors, one invalid op per chunk: each is reported at its position with a message
// that names the op and the offending types. Ops: matmul, reduce, argmax, softmax, layer_norm, conv2d, pool2d and random.

// CHECK: {{.*}}invalid-nn.mlir:8:3: error: charl.matmul: inner dimensions 3 and 4 of tensor<2x3xf32> and tensor<4x5xf32> differ
func.func @f0(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  %c = charl.matmul %a, %b : tensor<2x3xf32>, tensor<4x5xf32> -> tensor<2x5xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:16:3: error: charl.matmul: operands tensor<3xf32> and tensor<3x5xf32> must have one rank, at least 2
func.func @f1(%a: tensor<3xf32>, %b: tensor<3x5xf32>) {
  %c = charl.matmul %a, %b : tensor<3xf32>, tensor<3x5xf32> -> tensor<5xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:24:3: error: charl.matmul: batch dimensions of tensor<2x2x3xf32> and tensor<3x3x5xf32> differ
func.func @f2(%a: tensor<2x2x3xf32>, %b: tensor<3x3x5xf32>) {
  %c = charl.matmul %a, %b : tensor<2x2x3xf32>, tensor<3x3x5xf32> -> tensor<2x2x5xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:32:3: error: charl.matmul: result type tensor<2x4xf32> does not have the shape [2, 5] of tensor<2x3xf32> @ tensor<3x5xf32>
func.func @f3(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>) {
  %c = charl.matmul %a, %b : tensor<2x3xf32>, tensor<3x5xf32> -> tensor<2x4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:40:3: error: charl.matmul: element types of tensor<2x3xf32> and tensor<3x5xf64> differ
func.func @f4(%a: tensor<2x3xf32>, %b: tensor<3x5xf64>) {
  %c = charl.matmul %a, %b : tensor<2x3xf32>, tensor<3x5xf64> -> tensor<2x5xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:48:3: error: charl.reduce: unknown kind 'prod'; expected one of sum, mean, max, min
func.func @f5(%x: tensor<4x8xf32>) {
  %s = charl.reduce prod %x {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:56:3: error: charl.reduce: axes [1, 0] must be sorted, unique and in [0, 2) for tensor<4x8xf32>
func.func @f6(%x: tensor<4x8xf32>) {
  %s = charl.reduce sum %x {axes = array<i64: 1, 0>} : tensor<4x8xf32> -> f32
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:64:3: error: charl.reduce: axes [2] must be sorted, unique and in [0, 2) for tensor<4x8xf32>
func.func @f7(%x: tensor<4x8xf32>) {
  %s = charl.reduce sum %x {axes = array<i64: 2>} : tensor<4x8xf32> -> tensor<4x8xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:72:3: error: charl.reduce: result type tensor<8xf32> is not tensor<4xf32>, tensor<4x8xf32> reduced over axes [1]
func.func @f8(%x: tensor<4x8xf32>) {
  %s = charl.reduce sum %x {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<8xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:80:3: error: charl.reduce: result type tensor<4xf32> is not tensor<4x1xf32>, tensor<4x8xf32> reduced over axes [1]
func.func @f9(%x: tensor<4x8xf32>) {
  %s = charl.reduce max %x {axes = array<i64: 1>, keepdims} : tensor<4x8xf32> -> tensor<4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:88:3: error: charl.reduce: result type tensor<f32> is not f32, tensor<4x8xf32> reduced over axes [0, 1]
func.func @f10(%x: tensor<4x8xf32>) {
  %s = charl.reduce mean %x {axes = array<i64: 0, 1>} : tensor<4x8xf32> -> tensor<f32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:96:3: error: charl.argmax: result type tensor<4xi64> is not tensor<4xi32>, tensor<4x8xf32> reduced over axes [1]
func.func @f11(%x: tensor<4x8xf32>) {
  %a = charl.argmax %x {axis = 1 : i64} : tensor<4x8xf32> -> tensor<4xi64>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:104:3: error: charl.argmax: axis 2 is out of range for rank 2
func.func @f12(%x: tensor<4x8xf32>) {
  %a = charl.argmax %x {axis = 2 : i64} : tensor<4x8xf32> -> tensor<4xi32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:112:3: error: charl.softmax: expected float elements, got tensor<4xi32>
func.func @f13(%x: tensor<4xi32>) {
  %p = charl.softmax %x {axis = 0 : i64} : tensor<4xi32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:120:3: error: charl.softmax: axis 2 is out of range for rank 2
func.func @f14(%x: tensor<4x10xf32>) {
  %p = charl.softmax %x {axis = 2 : i64} : tensor<4x10xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:128:3: error: charl.softmax: result type tensor<4x10xf64> differs from operand type tensor<4x10xf32>
func.func @f15(%x: tensor<4x10xf32>) {
  %p = charl.softmax %x {axis = 1 : i64} : (tensor<4x10xf32>, tensor<4x10xf64>)
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:136:3: error: charl.layer_norm: gamma type tensor<4xf32> is not tensor<10xf32> for tensor<4x10xf32>
func.func @f16(%x: tensor<4x10xf32>, %g: tensor<4xf32>) {
  %y = charl.layer_norm %x, %g, %g {eps = 1.0e-05 : f64} : tensor<4x10xf32>, tensor<4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:144:3: error: charl.layer_norm: beta type tensor<10xf64> is not tensor<10xf32> for tensor<4x10xf32>
func.func @f17(%x: tensor<4x10xf32>, %g: tensor<10xf32>, %b: tensor<10xf64>) {
  %y = charl.layer_norm %x, %g, %b {eps = 1.0e-05 : f64} : tensor<4x10xf32>, (tensor<10xf32>, tensor<10xf64>)
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:152:3: error: charl.conv2d: input channels 3 of tensor<8x3x32x32xf32> and 4 of tensor<16x4x3x3xf32> differ
func.func @f18(%x: tensor<8x3x32x32xf32>, %w: tensor<16x4x3x3xf32>, %b: tensor<16xf32>) {
  %y = charl.conv2d %x, %w, %b {stride = 1 : i64, padding = 1 : i64} : tensor<8x3x32x32xf32>, tensor<16x4x3x3xf32>, tensor<16xf32> -> tensor<8x16x32x32xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:160:3: error: charl.conv2d: result type tensor<8x16x32x32xf32> does not have the shape [8, 16, 30, 30] of tensor<8x3x32x32xf32> convolved with tensor<16x3x3x3xf32>
func.func @f19(%x: tensor<8x3x32x32xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<16xf32>) {
  %y = charl.conv2d %x, %w, %b {stride = 1 : i64, padding = 0 : i64} : tensor<8x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32> -> tensor<8x16x32x32xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:168:3: error: charl.conv2d: bias type tensor<8xf32> is not a vector of the 16 output channels of tensor<16x3x3x3xf32>
func.func @f20(%x: tensor<8x3x32x32xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<8xf32>) {
  %y = charl.conv2d %x, %w, %b {stride = 1 : i64, padding = 1 : i64} : tensor<8x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<8xf32> -> tensor<8x16x32x32xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:176:3: error: charl.conv2d: the input must be a tensor of rank 4, got tensor<3x32x32xf32>
func.func @f21(%x: tensor<3x32x32xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<16xf32>) {
  %y = charl.conv2d %x, %w, %b {stride = 1 : i64, padding = 1 : i64} : tensor<3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32> -> tensor<16x32x32xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:184:3: error: charl.conv2d: stride 0 must be >= 1 and padding 1 >= 0
func.func @f22(%x: tensor<8x3x32x32xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<16xf32>) {
  %y = charl.conv2d %x, %w, %b {stride = 0 : i64, padding = 1 : i64} : tensor<8x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32> -> tensor<8x16x32x32xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:192:3: error: charl.pool2d: unknown kind 'min'; expected max or avg
func.func @f23(%x: tensor<1x1x4x4xf32>) {
  %p = charl.pool2d min %x {kernel = 2 : i64, stride = 2 : i64} : tensor<1x1x4x4xf32> -> tensor<1x1x2x2xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:200:3: error: charl.pool2d: a window of size 5 does not fit tensor<1x1x4x4xf32> with padding 0
func.func @f24(%x: tensor<1x1x4x4xf32>) {
  %p = charl.pool2d max %x {kernel = 5 : i64, stride = 1 : i64} : tensor<1x1x4x4xf32> -> tensor<1x1x1x1xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:208:3: error: charl.pool2d: result type tensor<1x1x3x3xf32> does not have the shape [1, 1, 2, 2] of tensor<1x1x5x5xf32> pooled by 2 with stride 2
func.func @f25(%x: tensor<1x1x5x5xf32>) {
  %p = charl.pool2d avg %x {kernel = 2 : i64, stride = 2 : i64} : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:216:3: error: charl.random: unknown distribution 'gamma'; expected normal, uniform or int
func.func @f26(%s: i64, %a: f32) {
  %r = charl.random gamma %s, %a, %a : f32 -> tensor<4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:224:3: error: charl.random: distribution int needs an integer result type, got tensor<4xf32>
func.func @f27(%s: i64, %a: f32) {
  %r = charl.random int %s, %a, %a : f32 -> tensor<4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:232:3: error: charl.random: distribution normal needs a float result type, got tensor<4xi32>
func.func @f28(%s: i64, %a: i32) {
  %r = charl.random normal %s, %a, %a : i32 -> tensor<4xi32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:240:3: error: charl.random: parameter type f64 is not the element type of tensor<4xf32>
func.func @f29(%s: i64, %a: f64) {
  %r = charl.random uniform %s, %a, %a : f64 -> tensor<4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-nn.mlir:248:3: error: charl.random: tensor<?xf32> needs 1 size operands (one per ?), got 0
func.func @f30(%s: i64, %a: f32) {
  %r = charl.random normal %s, %a, %a : f32 -> tensor<?xf32>
  func.return
}
