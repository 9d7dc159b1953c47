// RUN: charlc %s -p 'convert-to-llvm{main-symbol=charl_main}' | filecheck %s
// RUN: charlc %s -p convert-to-llvm | filecheck %s --check-prefix=KEEP
// RUN: not charlc %s -p 'convert-to-llvm{main-symbol=helper}' 2>&1 | filecheck %s --check-prefix=TAKEN
// RUN: not charlc %s -p 'convert-to-llvm{main-symbol=1x}' 2>&1 | filecheck %s --check-prefix=INVALID

// `main-symbol=NAME` renames the Charl entry `@main`, and every call of it, so that a C `main` can
// call it in an executable; by default the name is kept.
// CHECK-LABEL: llvm.func @charl_main() attributes {charl.signature = "() -> ()"} {
// CHECK:         llvm.call @helper() : () -> ()
// CHECK-LABEL: llvm.func @helper()
// CHECK-LABEL: llvm.func @again()
// CHECK:         llvm.call @charl_main() : () -> ()
// CHECK-NOT:     @main
// KEEP-LABEL:  llvm.func @main() attributes {charl.signature = "() -> ()"} {
// KEEP-LABEL:  llvm.func @again()
// KEEP:          llvm.call @main() : () -> ()
// TAKEN: {{.*}}convert-to-llvm-main-symbol.mlir: error: convert-to-llvm: cannot rename @main to 'helper': the name is already defined
// INVALID: charlc: error: invalid options for pass 'convert-to-llvm': main-symbol '1x' is not a C identifier
func.func @main() {
  func.call @helper() : () -> ()
  func.return
}
func.func @helper() {
  func.return
}
func.func @again() {
  func.call @main() : () -> ()
  func.return
}
