// RUN: not charlc %s -p charl-inline 2>&1 | filecheck %s

// A cycle of calls cannot be inlined: a located error.
// CHECK: error: charl-inline: a.ch:7:9: func.call: recursive call to @f cannot be inlined
func.func @f(%x: f64) -> f64 {
  %s = func.call @g(%x) : (f64) -> f64 loc("a.ch":3:7)
  func.return %s : f64
}
func.func @g(%x: f64) -> f64 {
  %s = func.call @f(%x) : (f64) -> f64 loc("a.ch":7:9)
  func.return %s : f64
}
