// RUN: not charlc %s --split-input-file 2>&1 | filecheck %s

// Verifier errors, one invalid op per chunk: each is reported at its position with a message
// that names the op and the offending types. Ops: constants, elementwise ops, compare, select and cast.

// CHECK: {{.*}}invalid-elementwise.mlir:8:3: error: charl.add: operand types tensor<4xf32> and tensor<3xf32> differ
func.func @f0(%x: tensor<4xf32>, %y: tensor<3xf32>) {
  %z = charl.add %x, %y : (tensor<4xf32>, tensor<3xf32>, tensor<4xf32>)
  func.return
}

// -----

// CHECK: {{.*}}invalid-elementwise.mlir:16:3: error: charl.mul: operand types tensor<4xf32> and f32 differ
func.func @f1(%x: tensor<4xf32>, %y: f32) {
  %z = charl.mul %x, %y : (tensor<4xf32>, f32, tensor<4xf32>)
  func.return
}

// -----

// CHECK: {{.*}}invalid-elementwise.mlir:24:3: error: charl.sub: result type tensor<4xf64> differs from operand type tensor<4xf32>
func.func @f2(%x: tensor<4xf32>) {
  %z = charl.sub %x, %x : (tensor<4xf32>, tensor<4xf32>, tensor<4xf64>)
  func.return
}

// -----

// CHECK: {{.*}}invalid-elementwise.mlir:32:3: error: charl.add: expected integer or float elements, got tensor<4xi1>
func.func @f3(%p: tensor<4xi1>) {
  %z = charl.add %p, %p : tensor<4xi1>
  func.return
}

// -----

// CHECK: {{.*}}invalid-elementwise.mlir:40:3: error: charl.and: expected i1 elements, got f32
func.func @f4(%x: f32) {
  %z = charl.and %x, %x : f32
  func.return
}

// -----

// CHECK: {{.*}}invalid-elementwise.mlir:48:3: error: charl.exp: expected float elements, got tensor<4xi32>
func.func @f5(%x: tensor<4xi32>) {
  %z = charl.exp %x : tensor<4xi32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-elementwise.mlir:56:3: error: charl.neg: result type tensor<2x2xf32> differs from operand type tensor<4xf32>
func.func @f6(%x: tensor<4xf32>) {
  %z = charl.neg %x : (tensor<4xf32>, tensor<2x2xf32>)
  func.return
}

// -----

// CHECK: {{.*}}invalid-elementwise.mlir:64:3: error: charl.not: expected i1 elements, got f32
func.func @f7(%x: f32) {
  %z = charl.not %x : f32
  func.return
}

// -----

// CHECK: {{.*}}invalid-elementwise.mlir:72:3: error: charl.compare: unknown predicate 'lte'; expected one of eq, ne, lt, le, gt, ge
func.func @f8(%x: tensor<4xf32>) {
  %m = charl.compare lte %x, %x : tensor<4xf32> -> tensor<4xi1>
  func.return
}

// -----

// CHECK: {{.*}}invalid-elementwise.mlir:80:3: error: charl.compare: operand types tensor<4xf32> and tensor<4xi32> differ
func.func @f9(%x: tensor<4xf32>, %y: tensor<4xi32>) {
  %m = charl.compare eq %x, %y : (tensor<4xf32>, tensor<4xi32>) -> tensor<4xi1>
  func.return
}

// -----

// CHECK: {{.*}}invalid-elementwise.mlir:88:3: error: charl.compare: result type tensor<4xf32> is not i1 of the shape of tensor<4xf32>
func.func @f10(%x: tensor<4xf32>) {
  %m = charl.compare lt %x, %x : tensor<4xf32> -> tensor<4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-elementwise.mlir:96:3: error: charl.select: condition type tensor<4xf32> is not i1
func.func @f11(%c: tensor<4xf32>, %x: tensor<4xf32>) {
  %z = charl.select %c, %x, %x : tensor<4xf32>, tensor<4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-elementwise.mlir:104:3: error: charl.select: condition type tensor<3xi1> and value type tensor<4xf32> differ in shape
func.func @f12(%c: tensor<3xi1>, %x: tensor<4xf32>) {
  %z = charl.select %c, %x, %x : tensor<3xi1>, tensor<4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-elementwise.mlir:112:3: error: charl.select: operand types f32 and f64 differ
func.func @f13(%c: i1, %x: f32, %y: f64) {
  %z = charl.select %c, %x, %y : i1, (f32, f64, f32)
  func.return
}

// -----

// CHECK: {{.*}}invalid-elementwise.mlir:120:3: error: charl.cast: tensor<4xf32> and tensor<3xi32> differ in shape
func.func @f14(%x: tensor<4xf32>) {
  %z = charl.cast %x : tensor<4xf32> to tensor<3xi32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-elementwise.mlir:128:3: error: charl.cast: tensor<1xf32> and i32 differ in shape
func.func @f15(%x: tensor<1xf32>) {
  %z = charl.cast %x : tensor<1xf32> to i32
  func.return
}

// -----

// CHECK: {{.*}}invalid-elementwise.mlir:136:3: error: charl.constant: value type vector<4xf32> is not a tensor type
func.func @f16() {
  %c = charl.constant dense<1.0> : vector<4xf32>
  func.return
}
