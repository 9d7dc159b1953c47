// RUN: charlc %s -p charl-autodiff,canonicalize,cse,dce | filecheck %s

// An scf.for inside another scf.for, and an scf.for inside an scf.if inside the outer loop.
// Forward sweep: only the outer loop is taped (its carried value %a, one row per iteration, in a
// tensor<2xf64> written with update_slice); the inner loops run untaped.
// Backward sweep: a reverse outer loop. Its body reads %a back for iteration 1 - i, re-runs the
// inner forward loop with its OWN tape (tensor<3xf64>, update_slice per iteration), re-runs the
// branch's loop under the same scf.if condition with its own tape (tensor<2xf64>) followed by that
// loop's reverse loop, and then runs the inner loop's reverse loop (2 - j) over its tape,
// recomputing sin from the taped values; the adjoint of %x is carried and summed across iterations.
func.func @f(%x: f64, %s: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %zero = charl.constant 0.0 : f64
  %cmp = charl.compare gt %s, %zero : f64 -> i1
  %h = scf.for %i = %c0 to %c2 step %c1 iter_args(%a = %x) -> (f64) {
    %b = scf.for %j = %c0 to %c3 step %c1 iter_args(%u = %a) -> (f64) {
      %sin = charl.sin %u : f64
      %v = charl.mul %sin, %x : f64
      scf.yield %v : f64
    }
    %e = scf.if %cmp -> (f64) {
      %w = scf.for %k = %c0 to %c2 step %c1 iter_args(%p = %b) -> (f64) {
        %t = charl.tanh %p : f64
        %q = charl.mul %t, %s : f64
        scf.yield %q : f64
      }
      scf.yield %w : f64
    } else {
      scf.yield %b : f64
    }
    scf.yield %e : f64
  }
  func.return %h : f64
}
func.func @g(%x: f64, %s: f64) -> f64 {
  %g = charl.grad @f(%x, %s) {wrt = array<i64: 0>} : (f64, f64) -> f64
  func.return %g : f64
}
// CHECK-LABEL: func.func @f_grad_0(
// CHECK:         %[[ZERO:.*]] = charl.constant 0.000000e+00 : f64
// CHECK-NEXT:    %[[CMP:.*]] = charl.compare gt %s, %[[ZERO]] : f64 -> i1
// CHECK-NEXT:    %[[T2:.*]] = charl.broadcast_to %[[ZERO]] : f64 -> tensor<2xf64>
// CHECK-NEXT:    %h, %{{.*}}, %[[OUTER:.*]] = scf.for %i = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%a = %x, %[[K:.*]] = %{{.*}}, %[[T:.*]] = %[[T2]]) -> (f64, index, tensor<2xf64>) {
// CHECK-NEXT:      %b = scf.for %j = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%u = %a) -> (f64) {
// CHECK:           %e = scf.if %[[CMP]] -> (f64) {
// CHECK-NEXT:        %w = scf.for %k = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%p = %b) -> (f64) {
// CHECK:           %[[ROW:.*]] = charl.reshape %a : f64 -> tensor<1xf64>
// CHECK-NEXT:      %{{.*}} = charl.update_slice %[[ROW]] into %[[T]][%[[K]]] : tensor<1xf64> into tensor<2xf64>
//
// The reverse outer loop carries the adjoints of %a and of %x.
// CHECK:         %[[GA0:.*]], %[[GX0:.*]] = scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[GA:.*]] = %{{.*}}, %[[GX:.*]] = %[[ZERO]]) -> (f64, f64) {
// CHECK-NEXT:      %[[REV:.*]] = arith.subi %{{.*}}, %[[I]] : index
// CHECK-NEXT:      %[[SL:.*]] = charl.slice %[[OUTER]][%[[REV]]] [1] : tensor<2xf64> -> tensor<1xf64>
// CHECK-NEXT:      %[[A:.*]] = charl.reshape %[[SL]] : tensor<1xf64> -> f64
// CHECK-NEXT:      %[[T3:.*]] = charl.broadcast_to %[[ZERO]] : f64 -> tensor<3xf64>
//
// The inner forward loop, re-run from the taped %a with a tape of its own.
// CHECK-NEXT:      %[[B:.*]], %{{.*}}, %[[INNER:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[U:.*]] = %[[A]], %[[K3:.*]] = %{{.*}}, %[[TT:.*]] = %[[T3]]) -> (f64, index, tensor<3xf64>) {
// CHECK-NEXT:        %{{.*}} = charl.sin %[[U]] : f64
// CHECK-NEXT:        %{{.*}} = charl.mul %{{.*}}, %x : f64
// CHECK-NEXT:        %[[UROW:.*]] = charl.reshape %[[U]] : f64 -> tensor<1xf64>
// CHECK-NEXT:        %{{.*}} = charl.update_slice %[[UROW]] into %[[TT]][%[[K3]]] : tensor<1xf64> into tensor<3xf64>
//
// The branch: its loop re-run with its own tape, then its reverse loop.
// CHECK:           %[[GB:.*]] = scf.if %[[CMP]] -> (f64) {
// CHECK-NEXT:        %{{.*}}, %{{.*}}, %[[BR:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[P:.*]] = %[[B]], %[[KB:.*]] = %{{.*}}, %[[TB:.*]] = %[[T2]]) -> (f64, index, tensor<2xf64>) {
// CHECK-NEXT:          %{{.*}} = charl.tanh %[[P]] : f64
// CHECK-NEXT:          %{{.*}} = charl.mul %{{.*}}, %s : f64
// CHECK-NEXT:          %[[PROW:.*]] = charl.reshape %[[P]] : f64 -> tensor<1xf64>
// CHECK-NEXT:          %{{.*}} = charl.update_slice %[[PROW]] into %[[TB]][%[[KB]]] : tensor<1xf64> into tensor<2xf64>
// CHECK:             %[[GW:.*]] = scf.for %[[KR:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[GA]]) -> (f64) {
// CHECK-NEXT:          %[[REVB:.*]] = arith.subi %{{.*}}, %[[KR]] : index
// CHECK-NEXT:          %{{.*}} = charl.slice %[[BR]][%[[REVB]]] [1] : tensor<2xf64> -> tensor<1xf64>
// CHECK:               charl.tanh
// CHECK:             scf.yield %[[GW]] : f64
// CHECK-NEXT:      } else {
// CHECK-NEXT:        scf.yield %[[GA]] : f64
// CHECK-NEXT:      }
//
// The inner loop's reverse loop over its tape (iterations 2, 1, 0), recomputing sin.
// CHECK-NEXT:      %[[GU:.*]], %[[GXI:.*]] = scf.for %[[JR:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[GB]], %{{.*}} = %[[ZERO]]) -> (f64, f64) {
// CHECK-NEXT:        %[[REVI:.*]] = arith.subi %{{.*}}, %[[JR]] : index
// CHECK-NEXT:        %{{.*}} = charl.slice %[[INNER]][%[[REVI]]] [1] : tensor<3xf64> -> tensor<1xf64>
// CHECK:             charl.sin
// CHECK:             charl.cos
// CHECK:           %[[SUM:.*]] = charl.add %[[GX]], %[[GXI]] : f64
// CHECK-NEXT:      scf.yield %[[GU]], %[[SUM]] : f64, f64
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[DX:.*]] = charl.add %[[GA0]], %[[GX0]] : f64
// CHECK-NEXT:    func.return %[[DX]] : f64
