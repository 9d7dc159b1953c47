// RUN: charlc %s -p convert-to-llvm | filecheck %s

// An op marked `charl.exact` (random-number arithmetic) gets no fast-math flags, so no FMA forms.
// CHECK-LABEL: llvm.func @exact_arith(
// CHECK:         llvm.fmul %{{[0-9]+}}, %{{[0-9]+}} : f32
// CHECK-NEXT:    llvm.fadd %{{.*}}, %{{.*}} {fastmathFlags = #llvm.fastmath<contract>} : f32
func.func @exact_arith(%a: f32, %b: f32) -> f32 {
  %m = arith.mulf %a, %b {charl.exact} : f32
  %s = arith.addf %m, %b : f32
  func.return %s : f32
}
