// RUN: charlc %s --emit=mlir | filecheck %s

model Lin {
    params {
        w: tensor<float32, [2, 2]> = zeros()
    }
    fn forward(self, x: tensor<float32, [B, 2]>) -> tensor<float32, [B, 2]> { return x @ self.w }
}

// adam_init: zero moments and step 0. adam: the step is incremented and converted to float for the
// bias corrections 1 - beta^t; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g;
// w = w - lr * (m / c1) / (sqrt(v / c2) + eps).
// CHECK-LABEL: func.func @adam_step(
// CHECK-SAME:      %[[W:[a-z0-9_]+]]: tensor<2x2xf32>, %[[G:[a-z0-9_]+]]: tensor<2x2xf32>) -> tensor<2x2xf32>
// CHECK-NEXT:    %[[Z:.*]] = charl.constant dense<0.000000e+00> : tensor<2x2xf32>
// CHECK-NEXT:    %[[STEP0:.*]] = charl.constant 0 : i32
// CHECK-NEXT:    %[[ONE:.*]] = charl.constant 1 : i32
// CHECK-NEXT:    %[[STEP:.*]] = charl.add %[[STEP0]], %[[ONE]] : i32
// CHECK-NEXT:    %[[LR:.*]] = charl.constant 1.000000e-02 : f32
// CHECK-NEXT:    %[[B1:.*]] = charl.constant 9.000000e-01 : f32
// CHECK-NEXT:    %[[B2:.*]] = charl.constant 9.990000e-01 : f32
// CHECK-NEXT:    %[[C1:.*]] = charl.constant 1.000000e-01 : f32
// CHECK-NEXT:    %[[C2:.*]] = charl.constant 1.000000e-03 : f32
// CHECK-NEXT:    %[[EPS:.*]] = charl.constant 1.000000e-08 : f32
// CHECK-NEXT:    %[[T:.*]] = charl.cast %[[STEP]] : i32 to f32
// CHECK-NEXT:    %[[P1:.*]] = charl.pow %[[B1]], %[[T]] : f32
// CHECK-NEXT:    %[[F1:.*]] = charl.constant 1.000000e+00 : f32
// CHECK-NEXT:    %[[BC1:.*]] = charl.sub %[[F1]], %[[P1]] : f32
// CHECK-NEXT:    %[[P2:.*]] = charl.pow %[[B2]], %[[T]] : f32
// CHECK-NEXT:    %[[BC2:.*]] = charl.sub %{{.*}}, %[[P2]] : f32
// CHECK-NEXT:    %[[B1B:.*]] = charl.broadcast_to %[[B1]] : f32 -> tensor<2x2xf32>
// CHECK-NEXT:    %[[MB:.*]] = charl.mul %[[Z]], %[[B1B]] : tensor<2x2xf32>
// CHECK-NEXT:    %[[C1B:.*]] = charl.broadcast_to %[[C1]] : f32 -> tensor<2x2xf32>
// CHECK-NEXT:    %[[GC:.*]] = charl.mul %[[G]], %[[C1B]] : tensor<2x2xf32>
// CHECK-NEXT:    %[[M:.*]] = charl.add %[[MB]], %[[GC]] : tensor<2x2xf32>
// CHECK-NEXT:    %[[B2B:.*]] = charl.broadcast_to %[[B2]] : f32 -> tensor<2x2xf32>
// CHECK-NEXT:    %[[VB:.*]] = charl.mul %[[Z]], %[[B2B]] : tensor<2x2xf32>
// CHECK-NEXT:    %[[GG:.*]] = charl.mul %[[G]], %[[G]] : tensor<2x2xf32>
// CHECK-NEXT:    %[[C2B:.*]] = charl.broadcast_to %[[C2]] : f32 -> tensor<2x2xf32>
// CHECK-NEXT:    %[[GGC:.*]] = charl.mul %[[GG]], %[[C2B]] : tensor<2x2xf32>
// CHECK-NEXT:    %[[V:.*]] = charl.add %[[VB]], %[[GGC]] : tensor<2x2xf32>
// CHECK-NEXT:    %[[BC1B:.*]] = charl.broadcast_to %[[BC1]] : f32 -> tensor<2x2xf32>
// CHECK-NEXT:    %[[MHAT:.*]] = charl.div %[[M]], %[[BC1B]] : tensor<2x2xf32>
// CHECK-NEXT:    %[[BC2B:.*]] = charl.broadcast_to %[[BC2]] : f32 -> tensor<2x2xf32>
// CHECK-NEXT:    %[[VHAT:.*]] = charl.div %[[V]], %[[BC2B]] : tensor<2x2xf32>
// CHECK-NEXT:    %[[SQ:.*]] = charl.sqrt %[[VHAT]] : tensor<2x2xf32>
// CHECK-NEXT:    %[[EPSB:.*]] = charl.broadcast_to %[[EPS]] : f32 -> tensor<2x2xf32>
// CHECK-NEXT:    %[[DEN:.*]] = charl.add %[[SQ]], %[[EPSB]] : tensor<2x2xf32>
// CHECK-NEXT:    %[[UPD:.*]] = charl.div %[[MHAT]], %[[DEN]] : tensor<2x2xf32>
// CHECK-NEXT:    %[[LRB:.*]] = charl.broadcast_to %[[LR]] : f32 -> tensor<2x2xf32>
// CHECK-NEXT:    %[[STEPW:.*]] = charl.mul %[[UPD]], %[[LRB]] : tensor<2x2xf32>
// CHECK-NEXT:    %[[NEW:.*]] = charl.sub %[[W]], %[[STEPW]] : tensor<2x2xf32>
// CHECK-NEXT:    func.return %[[NEW]]
fn adam_step(m: Lin, g: Lin) -> Lin {
    let mut opt = adam_init(m)
    let (m2, o2) = adam(m, g, opt, lr: 0.01)
    return m2
}

// adamw: decoupled weight decay, w = w - lr * (update + wd * w), with a run-time lr.
// CHECK-LABEL: func.func @adamw_step(
// CHECK-SAME:      %[[W:[a-z0-9_]+]]: tensor<3xf32>, %[[G:[a-z0-9_]+]]: tensor<3xf32>, %[[LR:[a-z0-9_]+]]: f32)
// CHECK:         charl.sqrt
// CHECK:         %[[UPD:.*]] = charl.div %{{.*}}, %{{.*}} : tensor<3xf32>
// CHECK-NEXT:    %[[DECAY:.*]] = charl.mul %[[W]], %{{.*}} : tensor<3xf32>
// CHECK-NEXT:    %[[SUM:.*]] = charl.add %[[UPD]], %[[DECAY]] : tensor<3xf32>
// CHECK-NEXT:    %[[LRB:.*]] = charl.broadcast_to %[[LR]] : f32 -> tensor<3xf32>
// CHECK-NEXT:    %[[STEP:.*]] = charl.mul %[[SUM]], %[[LRB]] : tensor<3xf32>
// CHECK-NEXT:    %[[NEW:.*]] = charl.sub %[[W]], %[[STEP]] : tensor<3xf32>
// CHECK-NEXT:    func.return %[[NEW]]
fn adamw_step(w: tensor<float32, [3]>, g: tensor<float32, [3]>, lr: float32) -> tensor<float32, [3]> {
    let mut opt = adamw_init(w)
    let (w2, o2) = adamw(w, g, opt, lr: lr, weight_decay: 0.1)
    return w2
}

let m = Lin(seed: 0)
print(adamw_step([1.0, 2.0, 3.0], [0.1, 0.2, 0.3], 0.001))
let m2 = adam_step(m, m)
