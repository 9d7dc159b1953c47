// RUN: charlc %s -p cse,dce --print-ir-after-all 2>&1 >/dev/null | filecheck %s --check-prefix=ALL
// RUN: charlc %s -p cse,dce --print-ir-before=cse --print-ir-after=dce 2>&1 >/dev/null | filecheck %s --check-prefix=SOME

// IR dumps go to stderr, each under an MLIR-style header.

// ALL:      // -----// IR Dump After cse //----- //
// ALL-NEXT: builtin.module {
// ALL:        arith.addi
// ALL-NOT:    arith.addi
// ALL:      // -----// IR Dump After dce //----- //
// ALL-NEXT: builtin.module {

// SOME:      // -----// IR Dump Before cse //----- //
// SOME-NEXT: builtin.module {
// SOME-COUNT-2: arith.addi
// SOME-NOT:  IR Dump After cse
// SOME:      // -----// IR Dump After dce //----- //
// SOME:        arith.addi
// SOME-NOT:    arith.addi
func.func @f(%a: i32) -> i32 {
  %b = arith.addi %a, %a : i32
  %c = arith.addi %a, %a : i32
  %d = arith.muli %b, %c : i32
  func.return %d : i32
}
