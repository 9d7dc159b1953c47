// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// A new `let` shadows an earlier binding; a block's bindings end with the block.

// CHECK-LABEL: func.func @main()
// CHECK-NEXT:    %[[X0:x]] = charl.constant 1 : i32
// CHECK-NEXT:    %[[X1:x_[0-9]+]] = charl.constant 2.000000e+00 : f32
// CHECK-NEXT:    %[[X2:x_[0-9]+]] = charl.constant dense<[1, 2]> : tensor<2xi32>
// CHECK-NEXT:    charl.print "{}", %[[X2]] : tensor<2xi32>
// CHECK-NEXT:    charl.print "{}", %[[X1]] : f32
// CHECK-NEXT:    %[[X3:x_[0-9]+]] = charl.add %[[X1]], %[[X1]] : f32
// CHECK-NEXT:    charl.print "{}", %[[X3]] : f32
let x = 1
let x = 2.0
{
    let x = [1, 2]
    print(x)
}
print(x)
let x = x + x
print(x)
