// RUN: charlc %s --split-input-file -p cse | filecheck %s

// Each chunk is processed on its own; the outputs are separated by `// -----`.

// CHECK-LABEL: func.func @first
// CHECK:       arith.addi
// CHECK-NOT:   arith.addi
// CHECK:       // -----
// CHECK-LABEL: func.func @second
// CHECK-NOT:   func.func @first
func.func @first(%a: i32) -> i32 {
  %b = arith.addi %a, %a : i32
  %c = arith.addi %a, %a : i32
  %d = arith.muli %b, %c : i32
  func.return %d : i32
}

// -----

func.func @second(%a: i32) -> i32 {
  func.return %a : i32
}
