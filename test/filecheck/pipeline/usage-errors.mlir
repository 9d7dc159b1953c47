// RUN: not charlc %s -p no-such-pass 2>&1 | filecheck %s --check-prefix=PASS
// RUN: not charlc %s -p 'cse{depth=2}' 2>&1 | filecheck %s --check-prefix=OPTION
// RUN: not charlc %s --emit=llvm 2>&1 | filecheck %s --check-prefix=LLVM
// RUN: not charlc %s --stop-after=charl 2>&1 | filecheck %s --check-prefix=STOP

// PASS: charlc: error: unknown pass 'no-such-pass'; `charlc passes` lists the passes
// OPTION: charlc: error: invalid options for pass 'cse': {{.*}}depth
// LLVM: {{.*}}usage-errors.mlir: error: --emit=llvm and later need a module of llvm ops only, but it holds `func.func`; lower it first (on MLIR input: -p ...,convert-to-llvm)
// STOP: charlc: error: --stop-after applies to Charl sources; name the passes to run on MLIR input with -p
func.func @f() {
  func.return
}
