// RUN: charlc %s --print-ir-after-all 2>&1 >/dev/null | filecheck %s
// RUN: charlc %s -p cse --print-ir-before=cse 2>&1 >/dev/null | filecheck %s --check-prefix=BEFORE

// The charl-opt stage's passes, each followed by a dump; `-p` replaces the stage table.

// CHECK:      // -----// IR Dump After canonicalize //----- //
// CHECK:      // -----// IR Dump After cse //----- //
// CHECK:        charl.exp
// CHECK-NOT:    charl.exp
// CHECK:      // -----// IR Dump After dce //----- //

// BEFORE:      // -----// IR Dump Before cse //----- //
// BEFORE-COUNT-2: charl.exp
// BEFORE-NOT:  IR Dump
let a = [1.0, 2.0]
print(exp(a) + exp(a))
