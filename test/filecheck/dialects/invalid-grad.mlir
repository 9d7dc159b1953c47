// RUN: not charlc %s --split-input-file 2>&1 | filecheck %s

// Verifier errors, one invalid op per chunk: each is reported at its position with a message
// that names the op and the offending types. Ops: grad.

func.func @loss(%w: tensor<3xf32>, %x: tensor<3xf32>) -> f32 {
  %p = charl.mul %w, %x : tensor<3xf32>
  %l = charl.reduce sum %p {axes = array<i64: 0>} : tensor<3xf32> -> f32
  func.return %l : f32
}

func.func @square(%w: tensor<3xf32>) -> tensor<3xf32> {
  %s = charl.mul %w, %w : tensor<3xf32>
  func.return %s : tensor<3xf32>
}

// CHECK: {{.*}}invalid-grad.mlir:19:3: error: charl.grad: @nope does not name a function
func.func @f0(%w: tensor<3xf32>) {
  %g = charl.grad @nope(%w) {wrt = array<i64: 0>} : (tensor<3xf32>) -> tensor<3xf32>
  func.return
}

// -----

func.func @loss(%w: tensor<3xf32>, %x: tensor<3xf32>) -> f32 {
  %p = charl.mul %w, %x : tensor<3xf32>
  %l = charl.reduce sum %p {axes = array<i64: 0>} : tensor<3xf32> -> f32
  func.return %l : f32
}

func.func @square(%w: tensor<3xf32>) -> tensor<3xf32> {
  %s = charl.mul %w, %w : tensor<3xf32>
  func.return %s : tensor<3xf32>
}

// CHECK: {{.*}}invalid-grad.mlir:38:3: error: charl.grad: wrt position 2 is out of range for 2 arguments
func.func @f1(%w: tensor<3xf32>, %x: tensor<3xf32>) {
  %g = charl.grad @loss(%w, %x) {wrt = array<i64: 2>} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return
}

// -----

func.func @loss(%w: tensor<3xf32>, %x: tensor<3xf32>) -> f32 {
  %p = charl.mul %w, %x : tensor<3xf32>
  %l = charl.reduce sum %p {axes = array<i64: 0>} : tensor<3xf32> -> f32
  func.return %l : f32
}

func.func @square(%w: tensor<3xf32>) -> tensor<3xf32> {
  %s = charl.mul %w, %w : tensor<3xf32>
  func.return %s : tensor<3xf32>
}

// CHECK: {{.*}}invalid-grad.mlir:57:3: error: charl.grad: 1 wrt positions and with_value need 2 results, got 1
func.func @f2(%w: tensor<3xf32>, %x: tensor<3xf32>) {
  %g = charl.grad @loss(%w, %x) {wrt = array<i64: 0>, with_value} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return
}

// -----

func.func @loss(%w: tensor<3xf32>, %x: tensor<3xf32>) -> f32 {
  %p = charl.mul %w, %x : tensor<3xf32>
  %l = charl.reduce sum %p {axes = array<i64: 0>} : tensor<3xf32> -> f32
  func.return %l : f32
}

func.func @square(%w: tensor<3xf32>) -> tensor<3xf32> {
  %s = charl.mul %w, %w : tensor<3xf32>
  func.return %s : tensor<3xf32>
}

// CHECK: {{.*}}invalid-grad.mlir:76:3: error: charl.grad: gradient type tensor<4xf32> differs from the type tensor<3xf32> of argument 1
func.func @f3(%w: tensor<3xf32>, %x: tensor<3xf32>) {
  %g = charl.grad @loss(%w, %x) {wrt = array<i64: 1>} : (tensor<3xf32>, tensor<3xf32>) -> tensor<4xf32>
  func.return
}

// -----

func.func @loss(%w: tensor<3xf32>, %x: tensor<3xf32>) -> f32 {
  %p = charl.mul %w, %x : tensor<3xf32>
  %l = charl.reduce sum %p {axes = array<i64: 0>} : tensor<3xf32> -> f32
  func.return %l : f32
}

func.func @square(%w: tensor<3xf32>) -> tensor<3xf32> {
  %s = charl.mul %w, %w : tensor<3xf32>
  func.return %s : tensor<3xf32>
}

// CHECK: {{.*}}invalid-grad.mlir:95:3: error: charl.grad: argument types (tensor<4xf32>, tensor<3xf32>) do not match the inputs (tensor<3xf32>, tensor<3xf32>) of @loss
func.func @f4(%w: tensor<4xf32>, %x: tensor<3xf32>) {
  %g = charl.grad @loss(%w, %x) {wrt = array<i64: 0>} : (tensor<4xf32>, tensor<3xf32>) -> tensor<4xf32>
  func.return
}

// -----

func.func @loss(%w: tensor<3xf32>, %x: tensor<3xf32>) -> f32 {
  %p = charl.mul %w, %x : tensor<3xf32>
  %l = charl.reduce sum %p {axes = array<i64: 0>} : tensor<3xf32> -> f32
  func.return %l : f32
}

func.func @square(%w: tensor<3xf32>) -> tensor<3xf32> {
  %s = charl.mul %w, %w : tensor<3xf32>
  func.return %s : tensor<3xf32>
}

// CHECK: {{.*}}invalid-grad.mlir:114:3: error: charl.grad: @square must return one f32 or f64 scalar, not (tensor<3xf32>)
func.func @f5(%w: tensor<3xf32>) {
  %g = charl.grad @square(%w) {wrt = array<i64: 0>} : (tensor<3xf32>) -> tensor<3xf32>
  func.return
}

// -----

func.func @loss(%w: tensor<3xf32>, %x: tensor<3xf32>) -> f32 {
  %p = charl.mul %w, %x : tensor<3xf32>
  %l = charl.reduce sum %p {axes = array<i64: 0>} : tensor<3xf32> -> f32
  func.return %l : f32
}

func.func @square(%w: tensor<3xf32>) -> tensor<3xf32> {
  %s = charl.mul %w, %w : tensor<3xf32>
  func.return %s : tensor<3xf32>
}

// CHECK: {{.*}}invalid-grad.mlir:133:3: error: charl.grad: value type f64 differs from the result of @loss
func.func @f6(%w: tensor<3xf32>, %x: tensor<3xf32>) {
  %l, %g = charl.grad @loss(%w, %x) {wrt = array<i64: 0>, with_value} : (tensor<3xf32>, tensor<3xf32>) -> (f64, tensor<3xf32>)
  func.return
}
