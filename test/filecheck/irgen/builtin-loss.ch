// RUN: charlc %s --emit=mlir | filecheck %s

// mse_loss = mean((p - t)^2).
// CHECK-LABEL: func.func @mse(
// CHECK-SAME:      %[[P:.*]]: tensor<8xf32>, %[[T:.*]]: tensor<8xf32>) -> f32
// CHECK-NEXT:    %[[D:.*]] = charl.sub %[[P]], %[[T]] : tensor<8xf32>
// CHECK-NEXT:    %[[SQ:.*]] = charl.mul %[[D]], %[[D]] : tensor<8xf32>
// CHECK-NEXT:    %[[M:.*]] = charl.reduce mean %[[SQ]] {axes = array<i64: 0>} : tensor<8xf32> -> f32
// CHECK-NEXT:    func.return %[[M]] : f32
fn mse(p: tensor<float32, [8]>, t: tensor<float32, [8]>) -> float32 {
    return mse_loss(p, t)
}

// cross_entropy with class indices: -mean over the batch of log_softmax picked by one_hot(labels).
// CHECK-LABEL: func.func @ce_labels(
// CHECK-SAME:      %[[L:.*]]: tensor<4x10xf32>, %[[Y:.*]]: tensor<4xi32>) -> f32
// CHECK-NEXT:    %[[LS:.*]] = charl.softmax %[[L]] {axis = 1 : i64, log} : tensor<4x10xf32>
// CHECK-NEXT:    %[[IOTA:.*]] = charl.iota {dim = 1 : i64} : tensor<4x10xi32>
// CHECK-NEXT:    %[[YE:.*]] = charl.reshape %[[Y]] : tensor<4xi32> -> tensor<4x1xi32>
// CHECK-NEXT:    %[[YB:.*]] = charl.broadcast_to %[[YE]] : tensor<4x1xi32> -> tensor<4x10xi32>
// CHECK-NEXT:    %[[EQ:.*]] = charl.compare eq %[[YB]], %[[IOTA]] : tensor<4x10xi32> -> tensor<4x10xi1>
// CHECK-NEXT:    %[[OH:.*]] = charl.cast %[[EQ]] : tensor<4x10xi1> to tensor<4x10xf32>
// CHECK-NEXT:    %[[PICK:.*]] = charl.mul %[[LS]], %[[OH]] : tensor<4x10xf32>
// CHECK-NEXT:    %[[ROW:.*]] = charl.reduce sum %[[PICK]] {axes = array<i64: 1>} : tensor<4x10xf32> -> tensor<4xf32>
// CHECK-NEXT:    %[[MEAN:.*]] = charl.reduce mean %[[ROW]] {axes = array<i64: 0>} : tensor<4xf32> -> f32
// CHECK-NEXT:    %[[NEG:.*]] = charl.neg %[[MEAN]] : f32
// CHECK-NEXT:    func.return %[[NEG]] : f32
fn ce_labels(logits: tensor<float32, [4, 10]>, y: tensor<int32, [4]>) -> float32 {
    return cross_entropy(logits, y)
}

// cross_entropy with class probabilities: -mean(sum(p * log_softmax(logits), -1)).
// CHECK-LABEL: func.func @ce_probs(
// CHECK-SAME:      %[[L:.*]]: tensor<4x10xf32>, %[[P:.*]]: tensor<4x10xf32>) -> f32
// CHECK-NEXT:    %[[LS:.*]] = charl.softmax %[[L]] {axis = 1 : i64, log} : tensor<4x10xf32>
// CHECK-NEXT:    %[[M:.*]] = charl.mul %[[LS]], %[[P]] : tensor<4x10xf32>
// CHECK-NEXT:    %[[ROW:.*]] = charl.reduce sum %[[M]] {axes = array<i64: 1>} : tensor<4x10xf32> -> tensor<4xf32>
// CHECK-NEXT:    %[[MEAN:.*]] = charl.reduce mean %[[ROW]] {axes = array<i64: 0>} : tensor<4xf32> -> f32
// CHECK-NEXT:    charl.neg %[[MEAN]] : f32
fn ce_probs(logits: tensor<float32, [4, 10]>, p: tensor<float32, [4, 10]>) -> float32 {
    return cross_entropy(logits, p)
}

// binary_cross_entropy clamps p to [1e-7, 1 - 1e-7]: -mean(t*log(p) + (1-t)*log(1-p)).
// CHECK-LABEL: func.func @bce(
// CHECK-SAME:      %[[P:.*]]: tensor<8xf32>, %[[T:.*]]: tensor<8xf32>) -> f32
// CHECK-NEXT:    %[[EPS:.*]] = charl.constant 1.000000e-07 : f32
// CHECK-NEXT:    %[[EPSB:.*]] = charl.broadcast_to %[[EPS]] : f32 -> tensor<8xf32>
// CHECK-NEXT:    %[[LO:.*]] = charl.maximum %[[P]], %[[EPSB]] : tensor<8xf32>
// CHECK-NEXT:    %[[ONEM:.*]] = charl.constant 0.999999881 : f32
// CHECK-NEXT:    %[[ONEMB:.*]] = charl.broadcast_to %[[ONEM]] : f32 -> tensor<8xf32>
// CHECK-NEXT:    %[[PC:.*]] = charl.minimum %[[LO]], %[[ONEMB]] : tensor<8xf32>
// CHECK-NEXT:    %[[LOGP:.*]] = charl.log %[[PC]] : tensor<8xf32>
// CHECK-NEXT:    %[[POS:.*]] = charl.mul %[[T]], %[[LOGP]] : tensor<8xf32>
// CHECK:         %[[NT:.*]] = charl.sub %{{.*}}, %[[T]] : tensor<8xf32>
// CHECK-NEXT:    %[[NP:.*]] = charl.sub %{{.*}}, %[[PC]] : tensor<8xf32>
// CHECK-NEXT:    %[[LOGNP:.*]] = charl.log %[[NP]] : tensor<8xf32>
// CHECK-NEXT:    %[[NEGT:.*]] = charl.mul %[[NT]], %[[LOGNP]] : tensor<8xf32>
// CHECK-NEXT:    %[[SUM:.*]] = charl.add %[[POS]], %[[NEGT]] : tensor<8xf32>
// CHECK-NEXT:    %[[MEAN:.*]] = charl.reduce mean %[[SUM]] {axes = array<i64: 0>} : tensor<8xf32> -> f32
// CHECK-NEXT:    charl.neg %[[MEAN]] : f32
fn bce(p: tensor<float32, [8]>, t: tensor<float32, [8]>) -> float32 {
    return binary_cross_entropy(p, t)
}

// bce_with_logits = mean(max(x, 0) - x*t + log(1 + exp(-|x|))).
// CHECK-LABEL: func.func @bce_logits(
// CHECK-SAME:      %[[X:.*]]: tensor<8xf32>, %[[T:.*]]: tensor<8xf32>) -> f32
// CHECK-NEXT:    %[[ABS:.*]] = charl.abs %[[X]] : tensor<8xf32>
// CHECK-NEXT:    %[[NABS:.*]] = charl.neg %[[ABS]] : tensor<8xf32>
// CHECK-NEXT:    %[[E:.*]] = charl.exp %[[NABS]] : tensor<8xf32>
// CHECK:         %[[ONEP:.*]] = charl.add %{{.*}}, %[[E]] : tensor<8xf32>
// CHECK-NEXT:    %[[SP:.*]] = charl.log %[[ONEP]] : tensor<8xf32>
// CHECK:         %[[RELU:.*]] = charl.maximum %[[X]], %{{.*}} : tensor<8xf32>
// CHECK-NEXT:    %[[XT:.*]] = charl.mul %[[X]], %[[T]] : tensor<8xf32>
// CHECK-NEXT:    %[[D:.*]] = charl.sub %[[RELU]], %[[XT]] : tensor<8xf32>
// CHECK-NEXT:    %[[S:.*]] = charl.add %[[D]], %[[SP]] : tensor<8xf32>
// CHECK-NEXT:    charl.reduce mean %[[S]] {axes = array<i64: 0>} : tensor<8xf32> -> f32
fn bce_logits(x: tensor<float32, [8]>, t: tensor<float32, [8]>) -> float32 {
    return bce_with_logits(x, t)
}

// A run-time batch: the one-hot iota takes its size from the labels.
// CHECK-LABEL: func.func @ce_dyn(
// CHECK-SAME:      %[[L:.*]]: tensor<?x10xf32>, %[[Y:.*]]: tensor<?xi32>) -> f32
// CHECK-NEXT:    charl.softmax %[[L]] {axis = 1 : i64, log} : tensor<?x10xf32>
// CHECK-NEXT:    %[[B:.*]] = charl.dim %[[Y]] {axis = 0 : i64} : tensor<?xi32>
// CHECK-NEXT:    charl.iota dims(%[[B]]) {dim = 1 : i64} : tensor<?x10xi32>
// CHECK:         charl.reduce sum %{{.*}} {axes = array<i64: 1>} : tensor<?x10xf32> -> tensor<?xf32>
// CHECK-NEXT:    charl.reduce mean %{{.*}} {axes = array<i64: 0>} : tensor<?xf32> -> f32
fn ce_dyn(logits: tensor<float32, [?, 10]>, y: tensor<int32, [?]>) -> float32 {
    return cross_entropy(logits, y)
}

let p = random_uniform([8], seed: 1)
let t = random_uniform([8], seed: 2)
let l = random_normal([4, 10], seed: 3)
print(mse(p, t), ce_labels(l, [1, 2, 3, 4]), ce_probs(l, softmax(l)), bce(p, t), bce_logits(p, t))
let dl: tensor<float32, [?, 10]> = load_npy("l.npy")
let dy: tensor<int32, [?]> = load_npy("y.npy")
print(ce_dyn(dl, dy))
