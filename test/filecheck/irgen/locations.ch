// RUN: charlc %s --emit=mlir --stop-after=charl --mlir-print-debuginfo | filecheck %s
// Every op carries the location (file:line:col) of the source construct it comes from.

// CHECK-LABEL: func.func @f(
// CHECK:         charl.add %{{.*}}, %{{.*}} : f32 loc("{{.*}}locations.ch":15:38)
// CHECK:         func.return %{{.*}} : f32 loc("{{.*}}locations.ch":15:31)
// CHECK:       } loc("{{.*}}locations.ch":15:1)
// CHECK-LABEL: func.func @main()
// CHECK:         charl.constant 2.000000e+00 : f32 loc("{{.*}}locations.ch":16:13)
// CHECK:         %{{.*}} = scf.for
// CHECK:           func.call @f(%{{.*}}) : (f32) -> f32 loc("{{.*}}locations.ch":18:9)
// CHECK:           scf.yield %{{.*}} : f32 loc("{{.*}}locations.ch":17:1)
// CHECK:         } loc("{{.*}}locations.ch":17:1)
// CHECK:         charl.print "{}", %{{.*}} : f32 loc("{{.*}}locations.ch":20:1)
fn f(a: float32) -> float32 { return a + a }
let mut x = 2.0
for i in 0..3 {
    x = f(x)
}
print(x)
