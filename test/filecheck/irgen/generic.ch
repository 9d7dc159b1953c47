// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s
// A generic function becomes one `func.func` per instance (per tuple of argument types it is
// called with); a size variable used as a value is its compile-time size, or is read with
// `charl.dim` from the parameter that binds it when the size is known only at run time.

// CHECK-LABEL: func.func @mse(
// CHECK-SAME:      %[[P:pred]]: tensor<3xf32>, %[[T:target]]: tensor<3xf32>) -> f32
// CHECK:         %[[D:d]] = charl.sub %[[P]], %[[T]] : tensor<3xf32>
// CHECK-LABEL: func.func @mse_1(
// CHECK-SAME:      %{{.*}}: tensor<2xf32>, %{{.*}}: tensor<2xf32>) -> f32
fn mse(pred: tensor<float32, [N]>, target: tensor<float32, [N]>) -> float32 {
    let d = pred - target
    return mean(d * d)
}

// CHECK-LABEL: func.func @count(
// CHECK-SAME:      %[[X:x]]: tensor<4xf32>) -> i32
// CHECK-NEXT:    %[[N:.*]] = charl.constant 4 : i32
// CHECK-NEXT:    func.return %[[N]] : i32
// CHECK-LABEL: func.func @count_1(
// CHECK-SAME:      %[[X:x]]: tensor<?xf32>) -> i32
// CHECK-NEXT:    %[[D:N]] = charl.dim %[[X]] {axis = 0 : i64} : tensor<?xf32>
// CHECK-NEXT:    %[[N:N_[0-9]+]] = arith.index_cast %[[D]] : index to i32
// CHECK-NEXT:    func.return %[[N]] : i32
fn count(x: tensor<float32, [N]>) -> int32 { return N }

// CHECK-LABEL: func.func @main()
// CHECK:         func.call @mse(%{{.*}}, %{{.*}}) : (tensor<3xf32>, tensor<3xf32>) -> f32
// CHECK:         func.call @mse_1(%{{.*}}, %{{.*}}) : (tensor<2xf32>, tensor<2xf32>) -> f32
// CHECK:         func.call @mse(%{{.*}}, %{{.*}}) : (tensor<3xf32>, tensor<3xf32>) -> f32
// CHECK:         func.call @count(%{{.*}}) : (tensor<4xf32>) -> i32
// CHECK:         func.call @count_1(%{{.*}}) : (tensor<?xf32>) -> i32
let a = mse([1.0, 2.0, 3.0], [0.0, 0.0, 0.0])
let b = mse([1.0, 2.0], [0.0, 0.0])
let c = mse(ones([3]), zeros([3]))
let dynamic: tensor<float32, [?]> = ones([5])
print(a, b, c, count(ones([4])), count(dynamic))
