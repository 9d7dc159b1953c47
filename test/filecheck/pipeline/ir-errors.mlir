// RUN: not charlc %s --split-input-file 2>&1 | filecheck %s

// Errors in .mlir input are located at the op's line:col in this file (or at its loc(...)).

// CHECK: {{.*}}ir-errors.mlir:9:3: error: {{.*}}
// CHECK-NEXT: {{^}}  func.return %a : i32
// CHECK-NEXT: {{^}}  ^
func.func @result_type(%a: i32) -> i64 {
  func.return %a : i32
}

// -----

// CHECK: prog.ch:3:7: error: {{.*}}
func.func @with_location(%a: i32) -> i64 {
  func.return %a : i32 loc("prog.ch":3:7)
}

// -----

// CHECK: {{.*}}ir-errors.mlir:24:23: error: {{.*}}
// CHECK-NEXT: {{^}}  %x = arith.constant : i32
func.func @syntax() {
  %x = arith.constant : i32
}
