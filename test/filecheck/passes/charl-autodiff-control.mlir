// RUN: charlc %s -p charl-autodiff,canonicalize,cse,dce | filecheck %s

// scf.if: the backward sweep is an scf.if on the same condition whose branches yield the adjoints
// of the outside values each branch used (zeros where a branch did not use one).
func.func @f(%x: f64, %y: f64) -> f64 {
  %zero = charl.constant 0.0 : f64
  %cmp = charl.compare gt %x, %zero : f64 -> i1
  %a = scf.if %cmp -> (f64) {
    %m = charl.mul %x, %x : f64
    scf.yield %m : f64
  } else {
    %s = charl.sin %y : f64
    scf.yield %s : f64
  }
  func.return %a : f64
}
func.func @gf(%x: f64, %y: f64) -> (f64, f64) {
  %gx, %gy = charl.grad @f(%x, %y) {wrt = array<i64: 0, 1>} : (f64, f64) -> (f64, f64)
  func.return %gx, %gy : f64, f64
}
// CHECK:      func.func @f_grad_0_1(%x: f64, %y: f64) -> (f64, f64) {
// CHECK:        %[[GX:.*]], %[[GY:.*]] = scf.if %cmp -> (f64, f64) {
// CHECK-NEXT:     %[[D:.*]] = charl.mul %{{.*}}, %x : f64
// CHECK-NEXT:     %[[D2:.*]] = charl.add %[[D]], %[[D]] : f64
// CHECK-NEXT:     scf.yield %[[D2]], %{{.*}} : f64, f64
// CHECK-NEXT:   } else {
// CHECK-NEXT:     %[[C:.*]] = charl.cos %y : f64
// CHECK:          scf.yield %{{.*}}, %{{.*}} : f64, f64
// CHECK:        func.return %[[GX]], %[[GY]] : f64, f64

// scf.for: the forward loop records each iteration's carried value into a [3] tape with
// update_slice; the reverse loop reads it back with slice + reshape, iterating 2, 1, 0.
func.func @p(%x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c3 = arith.constant 3 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %c3 step %c1 iter_args(%s = %x) -> (f64) {
    %m = charl.mul %s, %x : f64
    scf.yield %m : f64
  }
  func.return %r : f64
}
func.func @gp(%x: f64) -> f64 {
  %g = charl.grad @p(%x) {wrt = array<i64: 0>} : (f64) -> f64
  func.return %g : f64
}
// CHECK:      func.func @p_grad_0(%x: f64) -> f64 {
// CHECK:        %{{.*}}, %{{.*}}, %[[TAPE:.*]] = scf.for %i = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%s = %x, %[[K:.*]] = %{{.*}}, %[[T:.*]] = %{{.*}}) -> (f64, index, tensor<3xf64>) {
// CHECK:          %[[ROW:.*]] = charl.reshape %s : f64 -> tensor<1xf64>
// CHECK-NEXT:     %[[UPD:.*]] = charl.update_slice %[[ROW]] into %[[T]][%[[K]]] : tensor<1xf64> into tensor<3xf64>
// CHECK:        scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (f64, f64) {
// CHECK-NEXT:     %[[REV:.*]] = arith.subi %{{.*}}, %{{.*}} : index
// CHECK-NEXT:     %[[SL:.*]] = charl.slice %[[TAPE]][%[[REV]]] [1] : tensor<3xf64> -> tensor<1xf64>
// CHECK-NEXT:     %{{.*}} = charl.reshape %[[SL]] : tensor<1xf64> -> f64
