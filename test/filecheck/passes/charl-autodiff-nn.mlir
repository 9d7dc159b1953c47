// RUN: charlc %s -p charl-autodiff,canonicalize,cse,dce | filecheck %s

// softmax: dx = y * (g - sum(g * y, axis, keepdims)), from the forward result y; the seed g is
// the weight %c (1 broadcast, times %c).
func.func @softmax(%x: tensor<2x3xf64>, %c: tensor<2x3xf64>) -> f64 {
  %y = charl.softmax %x {axis = 1 : i64} : tensor<2x3xf64>
  %m = charl.mul %y, %c : tensor<2x3xf64>
  %r = charl.reduce sum %m {axes = array<i64: 0, 1>} : tensor<2x3xf64> -> f64
  func.return %r : f64
}
func.func @gsoftmax(%x: tensor<2x3xf64>, %c: tensor<2x3xf64>) -> tensor<2x3xf64> {
  %g = charl.grad @softmax(%x, %c) {wrt = array<i64: 0>} : (tensor<2x3xf64>, tensor<2x3xf64>) -> tensor<2x3xf64>
  func.return %g : tensor<2x3xf64>
}
// CHECK-LABEL: func.func @softmax_grad_0(
// CHECK:         %y = charl.softmax %x {axis = 1 : i64} : tensor<2x3xf64>
// CHECK:         %[[G:.*]] = charl.mul %{{.*}}, %c : tensor<2x3xf64>
// CHECK-NEXT:    %[[GY:.*]] = charl.mul %[[G]], %y : tensor<2x3xf64>
// CHECK-NEXT:    %[[S:.*]] = charl.reduce sum %[[GY]] {axes = array<i64: 1>, keepdims} : tensor<2x3xf64> -> tensor<2x1xf64>
// CHECK-NEXT:    %[[SB:.*]] = charl.broadcast_to %[[S]] : tensor<2x1xf64> -> tensor<2x3xf64>
// CHECK-NEXT:    %[[D:.*]] = charl.sub %[[G]], %[[SB]] : tensor<2x3xf64>
// CHECK-NEXT:    %[[DX:.*]] = charl.mul %y, %[[D]] : tensor<2x3xf64>
// CHECK-NEXT:    func.return %[[DX]] : tensor<2x3xf64>

// log_softmax over axis 0: dx = g - exp(y) * sum(g, axis 0, keepdims).
func.func @log_softmax(%x: tensor<2x3xf64>, %c: tensor<2x3xf64>) -> f64 {
  %y = charl.softmax %x {axis = 0 : i64, log} : tensor<2x3xf64>
  %m = charl.mul %y, %c : tensor<2x3xf64>
  %r = charl.reduce sum %m {axes = array<i64: 0, 1>} : tensor<2x3xf64> -> f64
  func.return %r : f64
}
func.func @glog_softmax(%x: tensor<2x3xf64>, %c: tensor<2x3xf64>) -> tensor<2x3xf64> {
  %g = charl.grad @log_softmax(%x, %c) {wrt = array<i64: 0>} : (tensor<2x3xf64>, tensor<2x3xf64>) -> tensor<2x3xf64>
  func.return %g : tensor<2x3xf64>
}
// CHECK-LABEL: func.func @log_softmax_grad_0(
// CHECK:         %y = charl.softmax %x {axis = 0 : i64, log} : tensor<2x3xf64>
// CHECK:         %[[G:.*]] = charl.mul %{{.*}}, %c : tensor<2x3xf64>
// CHECK-NEXT:    %[[S:.*]] = charl.reduce sum %[[G]] {axes = array<i64: 0>, keepdims} : tensor<2x3xf64> -> tensor<1x3xf64>
// CHECK-NEXT:    %[[SB:.*]] = charl.broadcast_to %[[S]] : tensor<1x3xf64> -> tensor<2x3xf64>
// CHECK-NEXT:    %[[E:.*]] = charl.exp %y : tensor<2x3xf64>
// CHECK-NEXT:    %[[ES:.*]] = charl.mul %[[E]], %[[SB]] : tensor<2x3xf64>
// CHECK-NEXT:    %[[DX:.*]] = charl.sub %[[G]], %[[ES]] : tensor<2x3xf64>
// CHECK-NEXT:    func.return %[[DX]] : tensor<2x3xf64>

// layer_norm: the adjoint recomputes the statistics of x over the last axis (mean, variance,
// rstd = rsqrt(var + eps), xhat), then dx = rstd * (gh - mean(gh) - xhat * mean(gh * xhat)) with
// gh = g * gamma; dgamma and dbeta sum g * xhat and g over the leading axis. The forward
// layer_norm itself is dead in the adjoint (its result is not needed) and removed.
func.func @layer_norm(%x: tensor<2x3xf64>, %w: tensor<3xf64>, %b: tensor<3xf64>) -> f64 {
  %n = charl.layer_norm %x, %w, %b {eps = 1.000000e-05 : f64} : tensor<2x3xf64>, tensor<3xf64>
  %r = charl.reduce sum %n {axes = array<i64: 0, 1>} : tensor<2x3xf64> -> f64
  func.return %r : f64
}
func.func @glayer_norm(%x: tensor<2x3xf64>, %w: tensor<3xf64>, %b: tensor<3xf64>) -> (tensor<2x3xf64>, tensor<3xf64>, tensor<3xf64>) {
  %gx, %gw, %gb = charl.grad @layer_norm(%x, %w, %b) {wrt = array<i64: 0, 1, 2>} : (tensor<2x3xf64>, tensor<3xf64>, tensor<3xf64>) -> (tensor<2x3xf64>, tensor<3xf64>, tensor<3xf64>)
  func.return %gx, %gw, %gb : tensor<2x3xf64>, tensor<3xf64>, tensor<3xf64>
}
// CHECK-LABEL: func.func @layer_norm_grad_0_1_2(
// CHECK-NOT:     charl.layer_norm
// CHECK:         %[[G:.*]] = charl.broadcast_to %{{.*}} : tensor<1x1xf64> -> tensor<2x3xf64>
// CHECK-NEXT:    %[[MEAN:.*]] = charl.reduce mean %x {axes = array<i64: 1>, keepdims} : tensor<2x3xf64> -> tensor<2x1xf64>
// CHECK-NEXT:    %[[MEANB:.*]] = charl.broadcast_to %[[MEAN]] : tensor<2x1xf64> -> tensor<2x3xf64>
// CHECK-NEXT:    %[[CEN:.*]] = charl.sub %x, %[[MEANB]] : tensor<2x3xf64>
// CHECK-NEXT:    %[[SQ:.*]] = charl.mul %[[CEN]], %[[CEN]] : tensor<2x3xf64>
// CHECK-NEXT:    %[[VAR:.*]] = charl.reduce mean %[[SQ]] {axes = array<i64: 1>, keepdims} : tensor<2x3xf64> -> tensor<2x1xf64>
// CHECK-NEXT:    %[[EPS:.*]] = charl.constant 1.000000e-05 : f64
// CHECK-NEXT:    %[[EPSB:.*]] = charl.broadcast_to %[[EPS]] : f64 -> tensor<2x1xf64>
// CHECK-NEXT:    %[[VE:.*]] = charl.add %[[VAR]], %[[EPSB]] : tensor<2x1xf64>
// CHECK-NEXT:    %[[RSTD:.*]] = charl.rsqrt %[[VE]] : tensor<2x1xf64>
// CHECK-NEXT:    %[[RSTDB:.*]] = charl.broadcast_to %[[RSTD]] : tensor<2x1xf64> -> tensor<2x3xf64>
// CHECK-NEXT:    %[[XHAT:.*]] = charl.mul %[[CEN]], %[[RSTDB]] : tensor<2x3xf64>
// CHECK-NEXT:    %[[WB:.*]] = charl.broadcast_to %w : tensor<3xf64> -> tensor<2x3xf64>
// CHECK-NEXT:    %[[GH:.*]] = charl.mul %[[G]], %[[WB]] : tensor<2x3xf64>
// CHECK-NEXT:    %[[MGH:.*]] = charl.reduce mean %[[GH]] {axes = array<i64: 1>, keepdims} : tensor<2x3xf64> -> tensor<2x1xf64>
// CHECK-NEXT:    %[[MGHB:.*]] = charl.broadcast_to %[[MGH]] : tensor<2x1xf64> -> tensor<2x3xf64>
// CHECK-NEXT:    %[[GHX:.*]] = charl.mul %[[GH]], %[[XHAT]] : tensor<2x3xf64>
// CHECK-NEXT:    %[[MGHX:.*]] = charl.reduce mean %[[GHX]] {axes = array<i64: 1>, keepdims} : tensor<2x3xf64> -> tensor<2x1xf64>
// CHECK-NEXT:    %[[MGHXB:.*]] = charl.broadcast_to %[[MGHX]] : tensor<2x1xf64> -> tensor<2x3xf64>
// CHECK-NEXT:    %[[D1:.*]] = charl.sub %[[GH]], %[[MGHB]] : tensor<2x3xf64>
// CHECK-NEXT:    %[[D2:.*]] = charl.mul %[[XHAT]], %[[MGHXB]] : tensor<2x3xf64>
// CHECK-NEXT:    %[[INNER:.*]] = charl.sub %[[D1]], %[[D2]] : tensor<2x3xf64>
// CHECK-NEXT:    %[[GX:.*]] = charl.mul %[[G]], %[[XHAT]] : tensor<2x3xf64>
// CHECK-NEXT:    %[[DW:.*]] = charl.reduce sum %[[GX]] {axes = array<i64: 0>} : tensor<2x3xf64> -> tensor<3xf64>
// CHECK-NEXT:    %[[DX:.*]] = charl.mul %[[RSTDB]], %[[INNER]] : tensor<2x3xf64>
// CHECK-NEXT:    %[[DB:.*]] = charl.reduce sum %[[G]] {axes = array<i64: 0>} : tensor<2x3xf64> -> tensor<3xf64>
// CHECK-NEXT:    func.return %[[DX]], %[[DW]], %[[DB]] : tensor<2x3xf64>, tensor<3xf64>, tensor<3xf64>

// max_pool2d, kernel 2, stride 1: one step per kernel offset (ky, kx). Each samples the input at
// that offset (a slice), compares it with the pooled result, keeps only the windows whose
// maximum no earlier offset took (not/and, then `or` into the taken mask), selects the seed
// there and scatters it back into a zero input with update_slice, summed with charl.add.
func.func @max_pool(%p: tensor<1x1x3x3xf64>) -> f64 {
  %q = charl.pool2d max %p {kernel = 2 : i64, stride = 1 : i64} : tensor<1x1x3x3xf64> -> tensor<1x1x2x2xf64>
  %r = charl.reduce sum %q {axes = array<i64: 0, 1, 2, 3>} : tensor<1x1x2x2xf64> -> f64
  func.return %r : f64
}
func.func @gmax_pool(%p: tensor<1x1x3x3xf64>) -> tensor<1x1x3x3xf64> {
  %g = charl.grad @max_pool(%p) {wrt = array<i64: 0>} : (tensor<1x1x3x3xf64>) -> tensor<1x1x3x3xf64>
  func.return %g : tensor<1x1x3x3xf64>
}
// CHECK-LABEL: func.func @max_pool_grad_0(
// CHECK:         %q = charl.pool2d max %p {kernel = 2 : i64, stride = 1 : i64} : tensor<1x1x3x3xf64> -> tensor<1x1x2x2xf64>
// CHECK:         %[[SEED:.*]] = charl.broadcast_to %{{.*}} : tensor<1x1x1x1xf64> -> tensor<1x1x2x2xf64>
// CHECK:         %[[DX0:.*]] = charl.broadcast_to %{{.*}} : f64 -> tensor<1x1x3x3xf64>
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[S00:.*]] = charl.slice %p[%[[C0]], %[[C0]], %[[C0]], %[[C0]]] [1, 1, 2, 2] : tensor<1x1x3x3xf64> -> tensor<1x1x2x2xf64>
// CHECK-NEXT:    %[[HIT00:.*]] = charl.compare eq %[[S00]], %q : tensor<1x1x2x2xf64> -> tensor<1x1x2x2xi1>
// CHECK-NEXT:    %[[ZERO:.*]] = charl.broadcast_to %{{.*}} : f64 -> tensor<1x1x2x2xf64>
// CHECK-NEXT:    %[[G00:.*]] = charl.select %[[HIT00]], %[[SEED]], %[[ZERO]] : tensor<1x1x2x2xi1>, tensor<1x1x2x2xf64>
// CHECK-NEXT:    %[[P00:.*]] = charl.update_slice %[[G00]] into %[[DX0]][%[[C0]], %[[C0]], %[[C0]], %[[C0]]] : tensor<1x1x2x2xf64> into tensor<1x1x3x3xf64>
// CHECK-NEXT:    %[[DX1:.*]] = charl.add %[[DX0]], %[[P00]] : tensor<1x1x3x3xf64>
// CHECK-NEXT:    %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %[[S01:.*]] = charl.slice %p[%[[C0]], %[[C0]], %[[C0]], %[[C1]]] [1, 1, 2, 2] : tensor<1x1x3x3xf64> -> tensor<1x1x2x2xf64>
// CHECK-NEXT:    %[[HIT01:.*]] = charl.compare eq %[[S01]], %q : tensor<1x1x2x2xf64> -> tensor<1x1x2x2xi1>
// CHECK-NEXT:    %[[FREE:.*]] = charl.not %[[HIT00]] : tensor<1x1x2x2xi1>
// CHECK-NEXT:    %[[PICK01:.*]] = charl.and %[[HIT01]], %[[FREE]] : tensor<1x1x2x2xi1>
// CHECK-NEXT:    %[[TAKEN:.*]] = charl.or %[[HIT00]], %[[PICK01]] : tensor<1x1x2x2xi1>
// CHECK-NEXT:    %[[G01:.*]] = charl.select %[[PICK01]], %[[SEED]], %[[ZERO]] : tensor<1x1x2x2xi1>, tensor<1x1x2x2xf64>
// CHECK-NEXT:    %[[P01:.*]] = charl.update_slice %[[G01]] into %[[DX0]][%[[C0]], %[[C0]], %[[C0]], %[[C1]]] : tensor<1x1x2x2xf64> into tensor<1x1x3x3xf64>
// CHECK-NEXT:    %[[DX2:.*]] = charl.add %[[DX1]], %[[P01]] : tensor<1x1x3x3xf64>
// CHECK:         charl.update_slice %{{.*}} into %[[DX0]][%[[C0]], %[[C0]], %[[C1]], %[[C0]]]
// CHECK:         charl.update_slice %{{.*}} into %[[DX0]][%[[C0]], %[[C0]], %[[C1]], %[[C1]]]
// CHECK-NEXT:    %[[DX:.*]] = charl.add %{{.*}}, %{{.*}} : tensor<1x1x3x3xf64>
// CHECK-NEXT:    func.return %[[DX]] : tensor<1x1x3x3xf64>

// gather (take, embedding lookup): dx = transpose(one_hot(ids)) @ g, the one-hot built from
// iota, compare and cast, so repeated indices sum their rows in the matmul.
func.func @gather(%x: tensor<3x2xf64>, %ids: tensor<4xi32>) -> f64 {
  %t = charl.gather %x, %ids {axis = 0 : i64} : tensor<3x2xf64>, tensor<4xi32> -> tensor<4x2xf64>
  %r = charl.reduce sum %t {axes = array<i64: 0, 1>} : tensor<4x2xf64> -> f64
  func.return %r : f64
}
func.func @ggather(%x: tensor<3x2xf64>, %ids: tensor<4xi32>) -> tensor<3x2xf64> {
  %g = charl.grad @gather(%x, %ids) {wrt = array<i64: 0>} : (tensor<3x2xf64>, tensor<4xi32>) -> tensor<3x2xf64>
  func.return %g : tensor<3x2xf64>
}
// CHECK-LABEL: func.func @gather_grad_0(
// CHECK:         %[[G:.*]] = charl.broadcast_to %{{.*}} : tensor<1x1xf64> -> tensor<4x2xf64>
// CHECK:         %[[COL:.*]] = charl.reshape %ids : tensor<4xi32> -> tensor<4x1xi32>
// CHECK-NEXT:    %[[IDS:.*]] = charl.broadcast_to %[[COL]] : tensor<4x1xi32> -> tensor<4x3xi32>
// CHECK-NEXT:    %[[IOTA:.*]] = charl.iota {dim = 1 : i64} : tensor<4x3xi32>
// CHECK-NEXT:    %[[EQ:.*]] = charl.compare eq %[[IOTA]], %[[IDS]] : tensor<4x3xi32> -> tensor<4x3xi1>
// CHECK-NEXT:    %[[HOT:.*]] = charl.cast %[[EQ]] : tensor<4x3xi1> to tensor<4x3xf64>
// CHECK-NEXT:    %[[HOTT:.*]] = charl.transpose %[[HOT]] {perm = array<i64: 1, 0>} : tensor<4x3xf64> -> tensor<3x4xf64>
// CHECK-NEXT:    %[[DX:.*]] = charl.matmul %[[HOTT]], %{{.*}} : tensor<3x4xf64>, tensor<4x2xf64> -> tensor<3x2xf64>
// CHECK:         func.return %{{.*}} : tensor<3x2xf64>
