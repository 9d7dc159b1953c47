// RUN: not charlc %s --split-input-file 2>&1 | filecheck %s

// Verifier errors, one invalid op per chunk: each is reported at its position with a message
// that names the op and the offending types. Ops: print, load_npy, load_npz and save_npz.

// CHECK: {{.*}}invalid-io.mlir:8:3: error: charl.print: format 'x {} y {}' needs 2 values, got 1
func.func @f0(%x: f32) {
  charl.print "x {} y {}", %x : f32
  func.return
}

// -----

// CHECK: {{.*}}invalid-io.mlir:16:3: error: charl.print: format 'x' needs 0 values, got 1
func.func @f1(%x: f32) {
  charl.print "x", %x : f32
  func.return
}

// -----

// CHECK: {{.*}}invalid-io.mlir:24:3: error: charl.print: unmatched '{' in format 'a { b {}'; double a brace to print it
func.func @f2(%x: f32) {
  charl.print "a { b {}", %x : f32
  func.return
}

// -----

// CHECK: {{.*}}invalid-io.mlir:32:3: error: charl.load_npy: tensor<?x?xf32> needs 2 size operands (one per ?), got 1
func.func @f3(%n: index) {
  %x = charl.load_npy "x.npy" dims(%n) : tensor<?x?xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-io.mlir:40:3: error: charl.load_npz: 1 names given for 2 arrays
func.func @f4() {
  %a, %b = charl.load_npz "m.npz" ["a"] : tensor<4xf32>, tensor<4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-io.mlir:48:3: error: charl.load_npz: array names ['a', 'a'] repeat
func.func @f5() {
  %a, %b = charl.load_npz "m.npz" ["a", "a"] : tensor<4xf32>, tensor<4xf32>
  func.return
}

// -----

// CHECK: {{.*}}invalid-io.mlir:56:3: error: charl.save_npz: 2 names given for 1 arrays
func.func @f6(%w: tensor<4xf32>) {
  charl.save_npz "m.npz" ["a", "b"], %w : tensor<4xf32>
  func.return
}
