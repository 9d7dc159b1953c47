// RUN: charlc %s | charlc - | filecheck %s

// Round trip: every op below parses, verifies and prints back in its custom form, which
// parses again. Ops: matmul, reduce, argmax, softmax, layer_norm, conv2d, pool2d, random.

// CHECK-LABEL: func.func @matmul_reduce(
// CHECK-NEXT:    %c = charl.matmul %a, %b : tensor<2x3xf32>, tensor<3x5xf32> -> tensor<2x5xf32>
// CHECK-NEXT:    %bc = charl.matmul %ba, %bb : tensor<?x2x3xf32>, tensor<?x3x5xf32> -> tensor<?x2x5xf32>
// CHECK-NEXT:    %sum = charl.reduce sum %x {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
// CHECK-NEXT:    %mean = charl.reduce mean %x {axes = array<i64: 0, 1>} : tensor<4x8xf32> -> f32
// CHECK-NEXT:    %max = charl.reduce max %x {axes = array<i64: 0, 1>, keepdims} : tensor<4x8xf32> -> tensor<1x1xf32>
// CHECK-NEXT:    %min = charl.reduce min %x {axes = array<i64: 0>} : tensor<4x8xf32> -> tensor<8xf32>
// CHECK-NEXT:    %am = charl.argmax %x {axis = 1 : i64} : tensor<4x8xf32> -> tensor<4xi32>
// CHECK-NEXT:    %amk = charl.argmax %x {axis = 0 : i64, keepdims} : tensor<4x8xf32> -> tensor<1x8xi32>
// CHECK-NEXT:    func.return
func.func @matmul_reduce(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>, %ba: tensor<?x2x3xf32>, %bb: tensor<?x3x5xf32>, %x: tensor<4x8xf32>) {
  %c = charl.matmul %a, %b : tensor<2x3xf32>, tensor<3x5xf32> -> tensor<2x5xf32>
  %bc = charl.matmul %ba, %bb : tensor<?x2x3xf32>, tensor<?x3x5xf32> -> tensor<?x2x5xf32>
  %sum = charl.reduce sum %x {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
  %mean = charl.reduce mean %x {axes = array<i64: 0, 1>} : tensor<4x8xf32> -> f32
  %max = charl.reduce max %x {axes = array<i64: 0, 1>, keepdims} : tensor<4x8xf32> -> tensor<1x1xf32>
  %min = charl.reduce min %x {axes = array<i64: 0>} : tensor<4x8xf32> -> tensor<8xf32>
  %am = charl.argmax %x {axis = 1 : i64} : tensor<4x8xf32> -> tensor<4xi32>
  %amk = charl.argmax %x {axis = 0 : i64, keepdims} : tensor<4x8xf32> -> tensor<1x8xi32>
  func.return
}

// CHECK-LABEL: func.func @layers(
// CHECK-NEXT:    %p = charl.softmax %x {axis = 1 : i64} : tensor<4x10xf32>
// CHECK-NEXT:    %lp = charl.softmax %x {axis = 1 : i64, log} : tensor<4x10xf32>
// CHECK-NEXT:    %ln = charl.layer_norm %x, %g, %bt {eps = 1.000000e-05 : f64} : tensor<4x10xf32>, tensor<10xf32>
// CHECK-NEXT:    %y = charl.conv2d %img, %w, %bias {stride = 1 : i64, padding = 1 : i64} : tensor<8x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32> -> tensor<8x16x32x32xf32>
// CHECK-NEXT:    %ys = charl.conv2d %img, %w, %bias {stride = 2 : i64, padding = 0 : i64} : tensor<8x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32> -> tensor<8x16x15x15xf32>
// CHECK-NEXT:    %mp = charl.pool2d max %y {kernel = 2 : i64, stride = 2 : i64} : tensor<8x16x32x32xf32> -> tensor<8x16x16x16xf32>
// CHECK-NEXT:    %ap = charl.pool2d avg %y {kernel = 3 : i64, stride = 1 : i64} : tensor<8x16x32x32xf32> -> tensor<8x16x30x30xf32>
// CHECK-NEXT:    func.return
func.func @layers(%x: tensor<4x10xf32>, %g: tensor<10xf32>, %bt: tensor<10xf32>, %img: tensor<8x3x32x32xf32>, %w: tensor<16x3x3x3xf32>, %bias: tensor<16xf32>) {
  %p = charl.softmax %x {axis = 1 : i64} : tensor<4x10xf32>
  %lp = charl.softmax %x {axis = 1 : i64, log} : tensor<4x10xf32>
  %ln = charl.layer_norm %x, %g, %bt {eps = 1.000000e-05 : f64} : tensor<4x10xf32>, tensor<10xf32>
  %y = charl.conv2d %img, %w, %bias {stride = 1 : i64, padding = 1 : i64} : tensor<8x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32> -> tensor<8x16x32x32xf32>
  %ys = charl.conv2d %img, %w, %bias {stride = 2 : i64, padding = 0 : i64} : tensor<8x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32> -> tensor<8x16x15x15xf32>
  %mp = charl.pool2d max %y {kernel = 2 : i64, stride = 2 : i64} : tensor<8x16x32x32xf32> -> tensor<8x16x16x16xf32>
  %ap = charl.pool2d avg %y {kernel = 3 : i64, stride = 1 : i64} : tensor<8x16x32x32xf32> -> tensor<8x16x30x30xf32>
  func.return
}

// CHECK-LABEL: func.func @random(
// CHECK-NEXT:    %r = charl.random normal %seed, %mean, %std : f32 -> tensor<4x8xf32>
// CHECK-NEXT:    %u = charl.random uniform %seed, %mean, %std : f32 -> f32
// CHECK-NEXT:    %k = charl.random int %seed, %lo, %hi dims(%n) : i32 -> tensor<?xi32>
// CHECK-NEXT:    func.return
func.func @random(%seed: i64, %mean: f32, %std: f32, %lo: i32, %hi: i32, %n: index) {
  %r = charl.random normal %seed, %mean, %std : f32 -> tensor<4x8xf32>
  %u = charl.random uniform %seed, %mean, %std : f32 -> f32
  %k = charl.random int %seed, %lo, %hi dims(%n) : i32 -> tensor<?xi32>
  func.return
}
