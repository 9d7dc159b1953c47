// RUN: charlc %s -p cse,canonicalize --time-passes 2>&1 >/dev/null | filecheck %s

// CHECK:      charlc: time per phase (wall ms)
// CHECK-NEXT:   phase {{ +}} ms
// CHECK-NEXT:   parse {{ +}}{{[0-9]+\.[0-9][0-9]}}
// CHECK-NEXT:   cse {{ +}}{{[0-9]+\.[0-9][0-9]}}
// CHECK-NEXT:   canonicalize {{ +}}{{[0-9]+\.[0-9][0-9]}}
// CHECK-NEXT:   total {{ +}}{{[0-9]+\.[0-9][0-9]}}
func.func @f(%a: i32) -> i32 {
  func.return %a : i32
}
