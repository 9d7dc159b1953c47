// RUN: charlc %s -p cse | filecheck %s
// RUN: charlc %s -p cse,canonicalize | filecheck %s --check-prefix=CANON
// RUN: charlc %s | filecheck %s --check-prefix=NONE

// `-p` runs exactly the named passes, in order; without `-p` an .mlir file is only parsed,
// verified and printed.

// CHECK-LABEL: func.func @twice(
// CHECK-SAME:    %[[A:.*]]: i32)
// CHECK-NEXT:    %[[B:.*]] = arith.addi %[[A]], %[[A]] : i32
// CHECK-NEXT:    %[[C:.*]] = arith.muli %[[B]], %[[B]] : i32
// CHECK-NEXT:    func.return %[[C]] : i32

// CANON-LABEL: func.func @twice(
// CANON:         arith.addi
// CANON-NOT:     arith.addi
// CANON:         func.return

// NONE-LABEL: func.func @twice(
// NONE-COUNT-2:  arith.addi
func.func @twice(%a: i32) -> i32 {
  %b = arith.addi %a, %a : i32
  %c = arith.addi %a, %a : i32
  %d = arith.muli %b, %c : i32
  func.return %d : i32
}

// CHECK-LABEL: func.func @fold(
// CHECK:         arith.constant 3 : i32
// CHECK:         arith.constant 4 : i32
// CANON-LABEL: func.func @fold(
// CANON-NEXT:    %{{.*}} = arith.constant 7 : i32
// CANON-NEXT:    func.return
func.func @fold() -> i32 {
  %a = arith.constant 3 : i32
  %b = arith.constant 4 : i32
  %c = arith.addi %a, %b : i32
  func.return %c : i32
}
