// RUN: charlc - -p cse < %s | filecheck %s
// RUN: charlc %s -o %t && filecheck %s --check-prefix=FILE --input-file %t

// CHECK: arith.addi
// CHECK-NOT: arith.addi
// FILE-COUNT-2: arith.addi
func.func @f(%a: i32) -> i32 {
  %b = arith.addi %a, %a : i32
  %c = arith.addi %a, %a : i32
  %d = arith.muli %b, %c : i32
  func.return %d : i32
}
