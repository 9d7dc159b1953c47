// RUN: charlc %s --mlir-print-debuginfo | filecheck %s --check-prefix=DEBUG
// RUN: charlc %s --mlir-print-op-generic | filecheck %s --check-prefix=GENERIC
// RUN: charlc %s -p cse --verify-each | filecheck %s --check-prefix=VERIFY

// DEBUG: arith.addi %{{.*}}, %{{.*}} : i32 loc("prog.ch":4:11)
// GENERIC: "func.func"() <{sym_name = "f"
// GENERIC: "arith.addi"(%{{.*}}, %{{.*}})
// VERIFY: func.func @f
func.func @f(%a: i32) -> i32 {
  %b = arith.addi %a, %a : i32 loc("prog.ch":4:11)
  func.return %b : i32
}
