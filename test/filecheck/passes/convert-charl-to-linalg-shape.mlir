// RUN: charlc %s -p convert-charl-to-linalg | filecheck %s

// Tensor broadcast: missing dims are not read, size-1 dims read index 0.
// CHECK-LABEL: func.func @broadcast(
// CHECK-NEXT:    %[[E:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK-NEXT:    %[[B:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<3xf32>) outs(%[[E]] : tensor<2x3xf32>) {
// CHECK-NEXT:    ^bb0(%[[V:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      linalg.yield %[[V]] : f32
// CHECK-NEXT:    } -> tensor<2x3xf32>
// CHECK-NEXT:    %[[E2:.*]] = tensor.empty() : tensor<4x5xf32>
// CHECK-NEXT:    %[[D:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%c : tensor<4x1xf32>) outs(%[[E2]] : tensor<4x5xf32>) {
// CHECK:         func.return %[[B]], %[[D]]
func.func @broadcast(%x: tensor<3xf32>, %c: tensor<4x1xf32>) -> (tensor<2x3xf32>, tensor<4x5xf32>) {
  %b = charl.broadcast_to %x : tensor<3xf32> -> tensor<2x3xf32>
  %d = charl.broadcast_to %c : tensor<4x1xf32> -> tensor<4x5xf32>
  func.return %b, %d : tensor<2x3xf32>, tensor<4x5xf32>
}

// Scalar broadcast: linalg.fill; a `?` dim takes its size operand.
// CHECK-LABEL: func.func @broadcast_scalar(
// CHECK-NEXT:    %[[E:.*]] = tensor.empty(%n) : tensor<?x3xf32>
// CHECK-NEXT:    %[[B:.*]] = linalg.fill ins(%s : f32) outs(%[[E]] : tensor<?x3xf32>) -> tensor<?x3xf32>
// CHECK-NEXT:    func.return %[[B]] : tensor<?x3xf32>
func.func @broadcast_scalar(%s: f32, %n: index) -> tensor<?x3xf32> {
  %b = charl.broadcast_to %s dims(%n) : f32 -> tensor<?x3xf32>
  func.return %b : tensor<?x3xf32>
}

// Nothing to broadcast: the input itself.
// CHECK-LABEL: func.func @broadcast_same(
// CHECK-NEXT:    func.return %x : tensor<?x3xf32>
func.func @broadcast_same(%x: tensor<?x3xf32>, %n: index) -> tensor<?x3xf32> {
  %b = charl.broadcast_to %x dims(%n) : tensor<?x3xf32> -> tensor<?x3xf32>
  func.return %b : tensor<?x3xf32>
}

// Reshape: collapse to rank 1, then expand.
// CHECK-LABEL: func.func @reshape(
// CHECK-NEXT:    %[[A:.*]] = tensor.collapse_shape %x {{\[\[}}0 : i64, 1 : i64]] : tensor<2x3xf32> into tensor<6xf32>
// CHECK-NEXT:    %[[F:.*]] = tensor.collapse_shape %x {{\[\[}}0 : i64, 1 : i64]] : tensor<2x3xf32> into tensor<6xf32>
// CHECK-NEXT:    %[[B:.*]] = tensor.expand_shape %[[F]] {{\[\[}}0 : i64, 1 : i64]] output_shape [3, 2] : tensor<6xf32> into tensor<3x2xf32>
// CHECK-NEXT:    %[[C:.*]] = tensor.expand_shape %v {{\[\[}}0 : i64, 1 : i64, 2 : i64]] output_shape [1, 2, 3] : tensor<6xf32> into tensor<1x2x3xf32>
// CHECK-NEXT:    func.return %[[A]], %[[B]], %[[C]]
func.func @reshape(%x: tensor<2x3xf32>, %v: tensor<6xf32>) -> (tensor<6xf32>, tensor<3x2xf32>, tensor<1x2x3xf32>) {
  %a = charl.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
  %b = charl.reshape %x : tensor<2x3xf32> -> tensor<3x2xf32>
  %c = charl.reshape %v : tensor<6xf32> -> tensor<1x2x3xf32>
  func.return %a, %b, %c : tensor<6xf32>, tensor<3x2xf32>, tensor<1x2x3xf32>
}

// Dynamic reshapes: `?` sizes from the op's operands; a static result casts the flat tensor first.
// CHECK-LABEL: func.func @reshape_dynamic(
// CHECK-NEXT:    %[[F:.*]] = tensor.collapse_shape %x {{\[\[}}0 : i64, 1 : i64]] : tensor<?x4xf32> into tensor<?xf32>
// CHECK-NEXT:    %[[A:.*]] = tensor.expand_shape %[[F]] {{\[\[}}0 : i64, 1 : i64]] output_shape [%n, 2] : tensor<?xf32> into tensor<?x2xf32>
// CHECK-NEXT:    %[[G:.*]] = tensor.collapse_shape %x {{\[\[}}0 : i64, 1 : i64]] : tensor<?x4xf32> into tensor<?xf32>
// CHECK-NEXT:    %[[B:.*]] = tensor.cast %[[G]] : tensor<?xf32> to tensor<8xf32>
// CHECK-NEXT:    func.return %[[A]], %[[B]]
func.func @reshape_dynamic(%x: tensor<?x4xf32>, %n: index) -> (tensor<?x2xf32>, tensor<8xf32>) {
  %a = charl.reshape %x dims(%n) : tensor<?x4xf32> -> tensor<?x2xf32>
  %b = charl.reshape %x : tensor<?x4xf32> -> tensor<8xf32>
  func.return %a, %b : tensor<?x2xf32>, tensor<8xf32>
}

// Scalar <-> one-element tensor.
// CHECK-LABEL: func.func @reshape_scalar(
// CHECK-NEXT:    %[[A:.*]] = tensor.from_elements %s : tensor<1x1xf32>
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[B:.*]] = tensor.extract %t[%[[C0]], %[[C0]]] : tensor<1x1xi32>
// CHECK-NEXT:    func.return %[[A]], %[[B]]
func.func @reshape_scalar(%s: f32, %t: tensor<1x1xi32>) -> (tensor<1x1xf32>, i32) {
  %a = charl.reshape %s : f32 -> tensor<1x1xf32>
  %b = charl.reshape %t : tensor<1x1xi32> -> i32
  func.return %a, %b : tensor<1x1xf32>, i32
}

// CHECK-LABEL: func.func @transpose(
// CHECK-NEXT:    %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %[[D:.*]] = tensor.dim %x, %[[C1]] : tensor<2x?x4xf32>
// CHECK-NEXT:    %[[E:.*]] = tensor.empty(%[[D]]) : tensor<4x2x?xf32>
// CHECK-NEXT:    %[[T:.*]] = linalg.transpose ins(%x:tensor<2x?x4xf32>) outs(%[[E]]:tensor<4x2x?xf32>) permutation = [2, 0, 1]
// CHECK-NEXT:    func.return %[[T]]
func.func @transpose(%x: tensor<2x?x4xf32>) -> tensor<4x2x?xf32> {
  %t = charl.transpose %x {perm = array<i64: 2, 0, 1>} : tensor<2x?x4xf32> -> tensor<4x2x?xf32>
  func.return %t : tensor<4x2x?xf32>
}

// Concat: one insert_slice per input at its offset along the axis.
// CHECK-LABEL: func.func @concat(
// CHECK-NEXT:    %[[E:.*]] = tensor.empty() : tensor<2x8xf32>
// CHECK-NEXT:    %[[A:.*]] = tensor.insert_slice %a into %[[E]][0, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<2x8xf32>
// CHECK-NEXT:    %[[B:.*]] = tensor.insert_slice %b into %[[A]][0, 3] [2, 5] [1, 1] : tensor<2x5xf32> into tensor<2x8xf32>
// CHECK-NEXT:    func.return %[[B]]
func.func @concat(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>) -> tensor<2x8xf32> {
  %c = charl.concat %a, %b {axis = 1 : i64} : tensor<2x3xf32>, tensor<2x5xf32> -> tensor<2x8xf32>
  func.return %c : tensor<2x8xf32>
}

// CHECK-LABEL: func.func @concat_dynamic(
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[DA:.*]] = tensor.dim %a, %[[C0]] : tensor<?x3xf32>
// CHECK-NEXT:    %[[DC:.*]] = tensor.dim %c, %[[C0]] : tensor<?x3xf32>
// CHECK-NEXT:    %[[C2:.*]] = arith.constant 2 : index
// CHECK-NEXT:    %[[AB:.*]] = arith.addi %[[DA]], %[[C2]] : index
// CHECK-NEXT:    %[[ALL:.*]] = arith.addi %[[AB]], %[[DC]] : index
// CHECK-NEXT:    %[[E:.*]] = tensor.empty(%[[ALL]]) : tensor<?x3xf32>
// CHECK-NEXT:    %[[R1:.*]] = tensor.insert_slice %a into %[[E]][0, 0] [%[[DA]], 3] [1, 1]
// CHECK-NEXT:    %[[R2:.*]] = tensor.insert_slice %b into %[[R1]][%[[DA]], 0] [2, 3] [1, 1]
// CHECK-NEXT:    %[[R3:.*]] = tensor.insert_slice %c into %[[R2]][%[[AB]], 0] [%[[DC]], 3] [1, 1]
// CHECK-NEXT:    func.return %[[R3]]
func.func @concat_dynamic(%a: tensor<?x3xf32>, %b: tensor<2x3xf32>, %c: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %r = charl.concat %a, %b, %c {axis = 0 : i64} : tensor<?x3xf32>, tensor<2x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
  func.return %r : tensor<?x3xf32>
}

// from_elements; dim is tensor.dim, or a constant when the extent is static.
// CHECK-LABEL: func.func @elements(
// CHECK-NEXT:    %[[T:.*]] = tensor.from_elements %a, %b : tensor<2xi32>
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[N:.*]] = tensor.dim %x, %[[C0]] : tensor<?x3xf32>
// CHECK-NEXT:    %[[M:.*]] = arith.constant 3 : index
// CHECK-NEXT:    func.return %[[T]], %[[N]], %[[M]]
func.func @elements(%a: i32, %b: i32, %x: tensor<?x3xf32>) -> (tensor<2xi32>, index, index) {
  %t = charl.from_elements %a, %b : tensor<2xi32>
  %n = charl.dim %x {axis = 0 : i64} : tensor<?x3xf32>
  %m = charl.dim %x {axis = 1 : i64} : tensor<?x3xf32>
  func.return %t, %n, %m : tensor<2xi32>, index, index
}

// iota: linalg.index of the dim, cast to the element type.
// CHECK-LABEL: func.func @iota(
// CHECK-NEXT:    %[[E:.*]] = tensor.empty() : tensor<4xi32>
// CHECK-NEXT:    linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%[[E]] : tensor<4xi32>) {
// CHECK-NEXT:    ^bb0(%{{.*}}: i32):
// CHECK-NEXT:      %[[I:.*]] = linalg.index 0 : index
// CHECK-NEXT:      %[[V:.*]] = arith.index_cast %[[I]] : index to i32
// CHECK-NEXT:      linalg.yield %[[V]] : i32
// CHECK:         %[[E2:.*]] = tensor.empty(%n) : tensor<3x?xf32>
// CHECK-NEXT:    linalg.generic {{.*}} outs(%[[E2]] : tensor<3x?xf32>) {
// CHECK-NEXT:    ^bb0(%{{.*}}: f32):
// CHECK-NEXT:      %[[J:.*]] = linalg.index 1 : index
// CHECK-NEXT:      %[[W:.*]] = arith.index_cast %[[J]] : index to i64
// CHECK-NEXT:      %[[F:.*]] = arith.sitofp %[[W]] : i64 to f32
// CHECK-NEXT:      linalg.yield %[[F]] : f32
func.func @iota(%n: index) -> (tensor<4xi32>, tensor<3x?xf32>) {
  %i = charl.iota {dim = 0 : i64} : tensor<4xi32>
  %f = charl.iota dims(%n) {dim = 1 : i64} : tensor<3x?xf32>
  func.return %i, %f : tensor<4xi32>, tensor<3x?xf32>
}
