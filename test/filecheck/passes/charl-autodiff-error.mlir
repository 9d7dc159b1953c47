// RUN: not charlc %s -p charl-autodiff 2>&1 | filecheck %s

// An op without a gradient rule on a differentiated path: a located error naming the op.
// CHECK: error: charl-autodiff: model.ch:3:9: arith.mulf: cannot differentiate arith.mulf: it has no gradient rule
func.func @f(%x: f64) -> f64 {
  %r = arith.mulf %x, %x : f64 loc("model.ch":3:9)
  func.return %r : f64
}
func.func @main(%x: f64) -> f64 {
  %g = charl.grad @f(%x) {wrt = array<i64: 0>} : (f64) -> f64 loc("model.ch":7:3)
  func.return %g : f64
}
