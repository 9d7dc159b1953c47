// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// A tensor literal of constants is one dense `charl.constant` (negated numbers included); with any
// non-constant element it is `charl.from_elements` of scalars, row-major.

// CHECK-LABEL: func.func @lits(
// CHECK-SAME:      %[[X:x]]: f32, %[[Y:y]]: f32)
fn lits(x: float32, y: float32) {
    // CHECK:      %{{.*}} = charl.constant dense<{{\[}}[1, -2], [3, 4]]> : tensor<2x2xi32>
    let ints = [[1, -2], [3, 4]]
    // CHECK:      %{{.*}} = charl.constant dense<[true, false]> : tensor<2xi1>
    let bools = [true, false]
    // CHECK:      %[[ONE:.*]] = charl.constant 1.000000e+00 : f32
    // CHECK:      %[[P:.*]] = charl.mul %{{.*}}, %[[Y]] : f32
    // CHECK:      %{{.*}} = charl.from_elements %[[X]], %[[ONE]], %[[P]], %[[Y]] : tensor<2x2xf32>
    let mixed = [[x, 1.0], [2.0 * y, y]]
    print(ints, bools, mixed)
}
lits(1.0, 2.0)
