// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// Comparisons broadcast like arithmetic and give `i1` tensors; `and`/`or`/`not` work on `i1`.
// A scalar `and`/`or` whose right side indexes or calls evaluates it only when needed.

// CHECK-LABEL: func.func @cmp(
// CHECK-SAME:      %[[A:a]]: tensor<2x3xf32>, %[[B:b]]: tensor<3xf32>, %[[X:x]]: f32)
fn cmp(a: tensor<float32, [2, 3]>, b: tensor<float32, [3]>, x: float32) {
    // CHECK:      %[[BB:.*]] = charl.broadcast_to %[[B]] : tensor<3xf32> -> tensor<2x3xf32>
    // CHECK-NEXT: %[[LT:.*]] = charl.compare lt %[[A]], %[[BB]] : tensor<2x3xf32> -> tensor<2x3xi1>
    // CHECK:      charl.compare le
    // CHECK:      charl.compare gt
    // CHECK:      charl.compare ge
    // CHECK:      charl.compare eq
    // CHECK:      %[[NE:.*]] = charl.compare ne %[[X]], %{{.*}} : f32 -> i1
    let lt = a < b
    let le = a <= b
    let gt = a > 1.0
    let ge = a >= b
    let eq = b == b
    let ne = x != 0.0
    // CHECK:      %[[NEB:.*]] = charl.broadcast_to %[[NE]] : i1 -> tensor<2x3xi1>
    // CHECK-NEXT: %[[AND:both]] = charl.and %[[LT]], %[[NEB]] : tensor<2x3xi1>
    // CHECK:      %[[NOT:.*]] = charl.not %{{.*}} : tensor<2x3xi1>
    // CHECK-NEXT: %{{.*}} = charl.or %[[NOT]], %[[AND]] : tensor<2x3xi1>
    let both = lt and ne
    let either = not gt or both
    print(le, ge, eq, either)
    // CHECK:      %[[C:.*]] = charl.compare gt %[[X]], %{{.*}} : f32 -> i1
    // CHECK-NEXT: %{{.*}} = scf.if %[[C]] -> (i1) {
    // CHECK:        %[[EL:.*]] = charl.extract %[[B]][%{{.*}}] : tensor<3xf32> -> f32
    // CHECK:        %[[R:.*]] = charl.compare gt %[[EL]], %{{.*}} : f32 -> i1
    // CHECK-NEXT:   scf.yield %[[R]] : i1
    // CHECK-NEXT: } else {
    // CHECK-NEXT:   %[[F:.*]] = charl.constant false
    // CHECK-NEXT:   scf.yield %[[F]] : i1
    // CHECK-NEXT: }
    let guarded = x > 0.0 and b[1] > 0.0
    print(guarded)
}
cmp(ones([2, 3]), [1.0, 2.0, 3.0], 2.0)
