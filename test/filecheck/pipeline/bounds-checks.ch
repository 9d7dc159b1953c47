// RUN: charlc %s --stop-after=linalg | filecheck %s --check-prefix=CHECKED
// RUN: charlc %s --stop-after=linalg --no-bounds-checks | filecheck %s --check-prefix=UNCHECKED

// A run-time index is checked by a call of @charl_rt_check_slice carrying its location, unless
// --no-bounds-checks (which passes bounds_checks=false to convert-charl-to-linalg).

// CHECKED-LABEL: func.func @pick(
// CHECKED:         func.call @charl_rt_check_slice(
// CHECKED:         tensor.extract
// UNCHECKED-LABEL: func.func @pick(
// UNCHECKED-NOT:   charl_rt_check_slice
// UNCHECKED:       tensor.extract
fn pick(x: tensor<float32, [4]>, i: int32) -> float32 { return x[i] }
print(pick([1.0, 2.0, 3.0, 4.0], 2))
