// RUN: charlc %s -p charl-inline | filecheck %s

// Calls to defined functions are inlined transitively; the callees stay; calls to body-less
// declarations stay.
func.func @sq(%x: f64) -> f64 {
  %m = charl.mul %x, %x : f64
  func.return %m : f64
}

func.func @twice(%x: f64) -> f64 {
  %s = func.call @sq(%x) : (f64) -> f64
  %a = charl.add %s, %s : f64
  func.return %a : f64
}

func.func private @ext(f64) -> f64

func.func @main(%y: f64) -> f64 {
  %t = func.call @twice(%y) : (f64) -> f64
  %e = func.call @ext(%t) : (f64) -> f64
  func.return %e : f64
}

// CHECK:      func.func @sq(%x: f64) -> f64 {
// CHECK-NEXT:   %m = charl.mul %x, %x : f64
// CHECK-NEXT:   func.return %m : f64
// CHECK:      func.func @twice(%x: f64) -> f64 {
// CHECK-NEXT:   %m = charl.mul %x, %x : f64
// CHECK-NEXT:   %a = charl.add %m, %m : f64
// CHECK-NEXT:   func.return %a : f64
// CHECK:      func.func @main(%y: f64) -> f64 {
// CHECK-NEXT:   %m = charl.mul %y, %y : f64
// CHECK-NEXT:   %a = charl.add %m, %m : f64
// CHECK-NEXT:   %e = func.call @ext(%a) : (f64) -> f64
// CHECK-NEXT:   func.return %e : f64
