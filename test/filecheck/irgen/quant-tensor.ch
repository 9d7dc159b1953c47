// RUN: charlc %s --emit=mlir | filecheck %s

// CHECK-LABEL: func.func @per_channel(
// CHECK-SAME:      %[[W:[a-z0-9_]+]]: tensor<8x4xf32>)
// CHECK-NEXT:    %[[Q:[a-z0-9_]+]], %[[S:[a-z0-9_]+]] = charl.quantize int8 %[[W]] {axis = 1 : i64} : tensor<8x4xf32> -> tensor<8x4xi8>, tensor<4xf32>
// CHECK-NEXT:    %[[D:.*]] = charl.dequantize %[[Q]], %[[S]] {axis = 1 : i64} : tensor<8x4xi8>, tensor<4xf32> -> tensor<8x4xf32>
// CHECK-NEXT:    func.return %[[D]]
fn per_channel(w: tensor<float32, [8, 4]>) -> tensor<float32, [8, 4]> {
    let (q, s) = quantize_tensor(w, int8, axis: 1)
    return dequantize(q, s, axis: 1)
}

// CHECK-LABEL: func.func @grouped(
// CHECK-SAME:      %[[W:[a-z0-9_]+]]: tensor<8x4xf32>)
// CHECK-NEXT:    %[[Q:[a-z0-9_]+]], %[[S:[a-z0-9_]+]] = charl.quantize int4 %[[W]] {axis = 1 : i64, group = 4 : i64} : tensor<8x4xf32> -> tensor<8x4xi4>, tensor<2x4xf32>
// CHECK-NEXT:    charl.dequantize %[[Q]], %[[S]] {axis = 1 : i64, group = 4 : i64} : tensor<8x4xi4>, tensor<2x4xf32> -> tensor<8x4xf32>
fn grouped(w: tensor<float32, [8, 4]>) -> tensor<float32, [8, 4]> {
    let (q, s) = quantize_tensor(w, int4, axis: 1, group: 4)
    return dequantize(q, s, axis: 1, group: 4)
}

// CHECK-LABEL: func.func @rows(
// CHECK-NEXT:    %[[Q:[a-z0-9_]+]], %[[S:[a-z0-9_]+]] = charl.quantize int8 %{{.*}} {axis = 0 : i64} : tensor<8x4xf32> -> tensor<8x4xi8>, tensor<8xf32>
// CHECK-NEXT:    func.return %[[Q]], %[[S]] : tensor<8x4xi8>, tensor<8xf32>
fn rows(w: tensor<float32, [8, 4]>) -> (tensor<int8, [8, 4]>, tensor<float32, [8]>) {
    return quantize_tensor(w, int8, axis: 0)
}

let w = random_normal([8, 4], seed: 1)
print(per_channel(w), grouped(w))
let (q, s) = rows(w)
print(s)
