// RUN: charlc %s --emit=mlir | filecheck %s

// sgd: w - lr * g, the scalar broadcast to each leaf.
// CHECK-LABEL: func.func @plain(
// CHECK-SAME:      %[[W:[a-z0-9_]+]]: tensor<3xf32>, %[[G:[a-z0-9_]+]]: tensor<3xf32>)
// CHECK-NEXT:    %[[LR:.*]] = charl.constant 1.000000e-01 : f32
// CHECK-NEXT:    %[[LRB:.*]] = charl.broadcast_to %[[LR]] : f32 -> tensor<3xf32>
// CHECK-NEXT:    %[[STEP:.*]] = charl.mul %[[G]], %[[LRB]] : tensor<3xf32>
// CHECK-NEXT:    %[[NEW:.*]] = charl.sub %[[W]], %[[STEP]] : tensor<3xf32>
// CHECK-NEXT:    func.return %[[NEW]]
fn plain(w: tensor<float32, [3]>, g: tensor<float32, [3]>) -> tensor<float32, [3]> {
    return sgd(w, g, lr: 0.1)
}

// weight_decay adds wd * w to the gradient.
// CHECK-LABEL: func.func @decay(
// CHECK-SAME:      %[[W:[a-z0-9_]+]]: tensor<3xf32>, %[[G:[a-z0-9_]+]]: tensor<3xf32>)
// CHECK-NEXT:    %[[WD:.*]] = charl.constant 1.000000e-02 : f32
// CHECK-NEXT:    %[[WDB:.*]] = charl.broadcast_to %[[WD]] : f32 -> tensor<3xf32>
// CHECK-NEXT:    %[[D:.*]] = charl.mul %[[W]], %[[WDB]] : tensor<3xf32>
// CHECK-NEXT:    %[[G2:.*]] = charl.add %[[G]], %[[D]] : tensor<3xf32>
// CHECK:         %[[STEP:.*]] = charl.mul %[[G2]], %{{.*}} : tensor<3xf32>
// CHECK-NEXT:    charl.sub %[[W]], %[[STEP]] : tensor<3xf32>
fn decay(w: tensor<float32, [3]>, g: tensor<float32, [3]>) -> tensor<float32, [3]> {
    return sgd(w, g, lr: 0.1, weight_decay: 0.01)
}

// With a state: v = momentum * v + g; w = w - lr * v, leaf by leaf (a tensor, then a scalar).
// CHECK-LABEL: func.func @momentum(
// CHECK-SAME:      %[[P:[a-z0-9_]+]]: tensor<3xf32>, %[[PS:[a-z0-9_]+]]: f32, %[[G:[a-z0-9_]+]]: tensor<3xf32>, %[[GS:[a-z0-9_]+]]: f32, %[[LR:[a-z0-9_]+]]: f32) -> (tensor<3xf32>, f32)
// CHECK-NEXT:    %[[V0:.*]] = charl.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK-NEXT:    %[[VS0:.*]] = charl.constant 0.000000e+00 : f32
// CHECK-NEXT:    %[[MU:.*]] = charl.constant 9.000000e-01 : f32
// CHECK-NEXT:    %[[MUB:.*]] = charl.broadcast_to %[[MU]] : f32 -> tensor<3xf32>
// CHECK-NEXT:    %[[VM:.*]] = charl.mul %[[V0]], %[[MUB]] : tensor<3xf32>
// CHECK-NEXT:    %[[V:.*]] = charl.add %[[VM]], %[[G]] : tensor<3xf32>
// CHECK-NEXT:    %[[LRB:.*]] = charl.broadcast_to %[[LR]] : f32 -> tensor<3xf32>
// CHECK-NEXT:    %[[STEP:.*]] = charl.mul %[[V]], %[[LRB]] : tensor<3xf32>
// CHECK-NEXT:    %[[NP:.*]] = charl.sub %[[P]], %[[STEP]] : tensor<3xf32>
// CHECK-NEXT:    %[[VSM:.*]] = charl.mul %[[VS0]], %{{.*}} : f32
// CHECK-NEXT:    %[[VS:.*]] = charl.add %[[VSM]], %[[GS]] : f32
// CHECK-NEXT:    %[[STEPS:.*]] = charl.mul %[[VS]], %[[LR]] : f32
// CHECK-NEXT:    %[[NPS:.*]] = charl.sub %[[PS]], %[[STEPS]] : f32
// CHECK-NEXT:    func.return %[[NP]], %[[NPS]] : tensor<3xf32>, f32
fn momentum(p: (tensor<float32, [3]>, float32), g: (tensor<float32, [3]>, float32), lr: float32) {
    let mut s = sgd_init(p)
    let (p2, s2) = sgd(p, g, s, lr: lr, momentum: 0.9)
    return p2
}

let w = [1.0, 2.0, 3.0]
print(plain(w, w), decay(w, w), momentum((w, 1.0), (w, 2.0), 0.5))
