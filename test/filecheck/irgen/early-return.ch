// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// A `return` inside control flow sets a `returned` flag and a result variable (zeros until then);
// the rest of the body runs under `scf.if` on the negated flag, loops also stop on it, and the
// function returns the result variable at its end. A final top-level `return` is a `func.return`.

// CHECK-LABEL: func.func @clamp(
// CHECK-SAME:      %[[A:a]]: f32) -> f32 {
// CHECK-NEXT:    %[[F:.*]] = charl.constant false
// CHECK-NEXT:    %[[Z:.*]] = charl.constant 0.000000e+00 : f32
// CHECK:         %[[C:.*]] = charl.compare gt %[[A]], %{{.*}} : f32 -> i1
// CHECK-NEXT:    %[[RET:returned]], %[[RES:result]] = scf.if %[[C]] -> (i1, f32) {
// CHECK-NEXT:      %[[ONE:.*]] = charl.constant 1.000000e+00 : f32
// CHECK-NEXT:      %[[T:.*]] = charl.constant true
// CHECK-NEXT:      scf.yield %[[T]], %[[ONE]] : i1, f32
// CHECK-NEXT:    } else {
// CHECK-NEXT:      scf.yield %[[F]], %[[Z]] : i1, f32
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[GO:.*]] = charl.not %[[RET]] : i1
// CHECK-NEXT:    %{{.*}}, %[[RES2:result_[0-9]+]] = scf.if %[[GO]] -> (i1, f32) {
// CHECK:           %[[B:b]] = charl.mul %[[A]], %{{.*}} : f32
// CHECK:           scf.yield %{{.*}}, %[[B]] : i1, f32
// CHECK-NEXT:    } else {
// CHECK-NEXT:      scf.yield %[[RET]], %[[RES]] : i1, f32
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %[[RES2]] : f32
fn clamp(a: float32) -> float32 {
    if a > 1.0 { return 1.0 }
    let b = a * 2.0
    return b
}

// CHECK-LABEL: func.func @first_neg(
// CHECK:         %{{.*}}, %[[R:result]], %{{.*}} = scf.while (%[[BR:returned_[0-9]+]] = %{{.*}}, %{{.*}} = %{{.*}}, %[[BI:i_[0-9]+]] = %{{.*}}) : (i1, i32, i32) -> (i1, i32, i32) {
// CHECK-NEXT:      %[[LT:.*]] = charl.compare lt %[[BI]], %{{.*}} : i32 -> i1
// CHECK-NEXT:      %[[NR:.*]] = charl.not %[[BR]] : i1
// CHECK-NEXT:      %[[GO:.*]] = charl.and %[[LT]], %[[NR]] : i1
// CHECK-NEXT:      scf.condition(%[[GO]])
// CHECK:         func.return %{{.*}} : i32
fn first_neg(x: tensor<float32, [4]>) -> int32 {
    for i in 0..4 {
        if x[i] < 0.0 { return i }
    }
    return -1
}

// CHECK-LABEL: func.func @simple(
// CHECK-NOT:     returned
// CHECK:         func.return
fn simple(a: float32) -> float32 { return a + 1.0 }
print(clamp(0.5), first_neg([1.0, -1.0, 2.0, 3.0]), simple(1.0))
