// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// `print(...)` is one `charl.print`: string arguments inline (braces doubled), `{}` for each value,
// separated by single spaces; a tuple prints as `({}, {})`.

// CHECK-LABEL: func.func @main()
// CHECK:         charl.print "step {} loss {}", %{{.*}}, %{{.*}} : i32, f32
// CHECK:         charl.print "a {{[{][{]}}b{{[}][}]}} {}", %{{.*}} : tensor<2xi1>
// CHECK:         charl.print "({}, ({}, {})) done", %{{.*}}, %{{.*}}, %{{.*}} : i32, f32, i32
// CHECK:         charl.print ""
let step = 3
let loss = 0.25
print("step", step, "loss", loss)
print("a {b}", [true, false])
print((step, (loss, 1)), "done")
print()
