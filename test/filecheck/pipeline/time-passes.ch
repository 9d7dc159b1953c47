// RUN: charlc %s --time-passes 2>&1 >/dev/null | filecheck %s

// The table lists the front-end phases, then each pass of the pipeline, then the total.

// CHECK:      charlc: time per phase (wall ms)
// CHECK-NEXT:   phase {{ +}} ms
// CHECK-NEXT:   parse {{ +}}{{[0-9]+\.[0-9][0-9]}}
// CHECK-NEXT:   typecheck {{ +}}{{[0-9]+\.[0-9][0-9]}}
// CHECK-NEXT:   irgen {{ +}}{{[0-9]+\.[0-9][0-9]}}
// CHECK-NEXT:   charl-autodiff {{ +}}{{[0-9]+\.[0-9][0-9]}}
// CHECK-NEXT:   canonicalize {{ +}}{{[0-9]+\.[0-9][0-9]}}
// CHECK-NEXT:   cse {{ +}}{{[0-9]+\.[0-9][0-9]}}
// CHECK-NEXT:   dce {{ +}}{{[0-9]+\.[0-9][0-9]}}
// CHECK-NEXT:   total {{ +}}{{[0-9]+\.[0-9][0-9]}}
print(exp(1.0))
