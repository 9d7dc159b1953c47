// RUN: charlc %s -p convert-charl-to-linalg | filecheck %s

// Reduction: a generic with a reduction iterator into a zero-filled init without the axis.
// CHECK-LABEL: func.func @sum_rows(
// CHECK-NEXT:    %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:    %[[E:.*]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT:    %[[F:.*]] = linalg.fill ins(%[[Z]] : f32) outs(%[[E]] : tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[S:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4x8xf32>) outs(%[[F]] : tensor<4xf32>) {
// CHECK-NEXT:    ^bb0(%[[V:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT:      %[[N:.*]] = arith.addf %[[V]], %[[ACC]] : f32
// CHECK-NEXT:      linalg.yield %[[N]] : f32
// CHECK-NEXT:    } -> tensor<4xf32>
// CHECK-NEXT:    func.return %[[S]] : tensor<4xf32>
func.func @sum_rows(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  %s = charl.reduce sum %x {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
  func.return %s : tensor<4xf32>
}

// Mean divides by the count afterwards; keepdims expands the reduced tensor.
// CHECK-LABEL: func.func @mean_keepdims(
// CHECK:         %[[D:.*]] = tensor.dim %x, %{{.*}} : tensor<?x8xf32>
// CHECK:         %[[S:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%x : tensor<?x8xf32>) outs(%{{.*}} : tensor<?xf32>)
// CHECK:         %[[N:.*]] = arith.constant 8.000000e+00 : f32
// CHECK-NEXT:    %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?xf32>
// CHECK-NEXT:    %[[M:.*]] = linalg.generic {{.*}} ins(%[[S]] : tensor<?xf32>) outs(%[[E]] : tensor<?xf32>) {
// CHECK-NEXT:    ^bb0(%[[V:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[Q:.*]] = arith.divf %[[V]], %[[N]] : f32
// CHECK-NEXT:      linalg.yield %[[Q]] : f32
// CHECK-NEXT:    } -> tensor<?xf32>
// CHECK-NEXT:    %[[K:.*]] = tensor.expand_shape %[[M]] {{\[\[}}0 : i64, 1 : i64]] output_shape [%[[D]], 1] : tensor<?xf32> into tensor<?x1xf32>
// CHECK-NEXT:    func.return %[[K]] : tensor<?x1xf32>
func.func @mean_keepdims(%x: tensor<?x8xf32>) -> tensor<?x1xf32> {
  %m = charl.reduce mean %x {axes = array<i64: 1>, keepdims} : tensor<?x8xf32> -> tensor<?x1xf32>
  func.return %m : tensor<?x1xf32>
}

// A dynamic count is converted from index to the element type.
// CHECK-LABEL: func.func @mean_dynamic_count(
// CHECK:         %[[D:.*]] = tensor.dim %x, %{{.*}} : tensor<2x?xf32>
// CHECK:         %[[I:.*]] = arith.index_cast %[[D]] : index to i64
// CHECK-NEXT:    %[[N:.*]] = arith.sitofp %[[I]] : i64 to f32
// CHECK:           arith.divf %{{.*}}, %[[N]] : f32
func.func @mean_dynamic_count(%x: tensor<2x?xf32>) -> tensor<2xf32> {
  %m = charl.reduce mean %x {axes = array<i64: 1>} : tensor<2x?xf32> -> tensor<2xf32>
  func.return %m : tensor<2xf32>
}

// Full reductions: into a rank-0 tensor, then tensor.extract (and from_elements for keepdims).
// CHECK-LABEL: func.func @full(
// CHECK-NEXT:    %[[LOW:.*]] = arith.constant -2147483648 : i32
// CHECK-NEXT:    %[[E:.*]] = tensor.empty() : tensor<i32>
// CHECK-NEXT:    %[[F:.*]] = linalg.fill ins(%[[LOW]] : i32) outs(%[[E]] : tensor<i32>) -> tensor<i32>
// CHECK-NEXT:    %[[R:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%x : tensor<4x8xi32>) outs(%[[F]] : tensor<i32>) {
// CHECK:             arith.maxsi
// CHECK:         %[[A:.*]] = tensor.extract %[[R]][] : tensor<i32>
// CHECK-NEXT:    %[[INF:.*]] = arith.constant 0x7f800000 : f32
// CHECK:             arith.minimumf
// CHECK:         %[[MIN:.*]] = tensor.extract %{{.*}}[] : tensor<f32>
// CHECK-NEXT:    %[[B:.*]] = tensor.from_elements %[[MIN]] : tensor<1x1xf32>
// CHECK:         %[[N:.*]] = arith.constant 3.200000e+01 : f32
// CHECK-NEXT:    %[[T:.*]] = tensor.extract %{{.*}}[] : tensor<f32>
// CHECK-NEXT:    %[[C:.*]] = arith.divf %[[T]], %[[N]] : f32
// CHECK-NEXT:    func.return %[[A]], %[[B]], %[[C]] : i32, tensor<1x1xf32>, f32
func.func @full(%x: tensor<4x8xi32>, %y: tensor<4x8xf32>) -> (i32, tensor<1x1xf32>, f32) {
  %a = charl.reduce max %x {axes = array<i64: 0, 1>} : tensor<4x8xi32> -> i32
  %b = charl.reduce min %y {axes = array<i64: 0, 1>, keepdims} : tensor<4x8xf32> -> tensor<1x1xf32>
  %c = charl.reduce mean %y {axes = array<i64: 0, 1>} : tensor<4x8xf32> -> f32
  func.return %a, %b, %c : i32, tensor<1x1xf32>, f32
}

// Argmax carries (max, index) pairs; a strictly greater element (or the first NaN) replaces them.
// CHECK-LABEL: func.func @argmax(
// CHECK-NEXT:    %[[NINF:.*]] = arith.constant 0xff800000 : f32
// CHECK-NEXT:    %[[E:.*]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT:    %[[BEST:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%[[E]] : tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[Z:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    %[[E2:.*]] = tensor.empty() : tensor<4xi32>
// CHECK-NEXT:    %[[AT:.*]] = linalg.fill ins(%[[Z]] : i32) outs(%[[E2]] : tensor<4xi32>) -> tensor<4xi32>
// CHECK-NEXT:    %{{.*}}, %[[A:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4x10xf32>) outs(%[[BEST]], %[[AT]] : tensor<4xf32>, tensor<4xi32>) {
// CHECK-NEXT:    ^bb0(%[[V:.*]]: f32, %[[M:.*]]: f32, %[[I:.*]]: i32):
// CHECK-NEXT:      %[[IX:.*]] = linalg.index 1 : index
// CHECK-NEXT:      %[[J:.*]] = arith.index_cast %[[IX]] : index to i32
// CHECK-NEXT:      %[[GT:.*]] = arith.cmpf ogt, %[[V]], %[[M]] : f32
// CHECK-NEXT:      %[[VN:.*]] = arith.cmpf uno, %[[V]], %[[V]] : f32
// CHECK-NEXT:      %[[MN:.*]] = arith.cmpf ord, %[[M]], %[[M]] : f32
// CHECK-NEXT:      %[[FN:.*]] = arith.andi %[[VN]], %[[MN]] : i1
// CHECK-NEXT:      %[[TAKE:.*]] = arith.ori %[[GT]], %[[FN]] : i1
// CHECK-NEXT:      %[[NM:.*]] = arith.select %[[TAKE]], %[[V]], %[[M]] : f32
// CHECK-NEXT:      %[[NI:.*]] = arith.select %[[TAKE]], %[[J]], %[[I]] : i32
// CHECK-NEXT:      linalg.yield %[[NM]], %[[NI]] : f32, i32
// CHECK-NEXT:    } -> (tensor<4xf32>, tensor<4xi32>)
// CHECK:         arith.constant -9223372036854775808 : i64
// CHECK:           arith.cmpi sgt
// CHECK:         %[[B:.*]] = tensor.extract %{{.*}}[] : tensor<i32>
// CHECK-NEXT:    func.return %[[A]], %[[B]] : tensor<4xi32>, i32
func.func @argmax(%x: tensor<4x10xf32>, %v: tensor<10xi64>) -> (tensor<4xi32>, i32) {
  %a = charl.argmax %x {axis = 1 : i64} : tensor<4x10xf32> -> tensor<4xi32>
  %b = charl.argmax %v {axis = 0 : i64} : tensor<10xi64> -> i32
  func.return %a, %b : tensor<4xi32>, i32
}

// Rank-2 matmul: linalg.matmul into a zero-filled init.
// CHECK-LABEL: func.func @matmul(
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[M:.*]] = tensor.dim %a, %[[C0]] : tensor<?x3xf32>
// CHECK-NEXT:    %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:    %[[E:.*]] = tensor.empty(%[[M]]) : tensor<?x5xf32>
// CHECK-NEXT:    %[[F:.*]] = linalg.fill ins(%[[Z]] : f32) outs(%[[E]] : tensor<?x5xf32>) -> tensor<?x5xf32>
// CHECK-NEXT:    %[[R:.*]] = linalg.matmul ins(%a, %b : tensor<?x3xf32>, tensor<3x5xf32>) outs(%[[F]] : tensor<?x5xf32>) -> tensor<?x5xf32>
// CHECK-NEXT:    func.return %[[R]] : tensor<?x5xf32>
func.func @matmul(%a: tensor<?x3xf32>, %b: tensor<3x5xf32>) -> tensor<?x5xf32> {
  %m = charl.matmul %a, %b : tensor<?x3xf32>, tensor<3x5xf32> -> tensor<?x5xf32>
  func.return %m : tensor<?x5xf32>
}

// Batched matmul: batch, i, j parallel, k reduction.
// CHECK-LABEL: func.func @batched(
// CHECK:         %[[F:.*]] = linalg.fill
// CHECK-NEXT:    %[[R:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%a, %b : tensor<4x2x3xi32>, tensor<4x3x5xi32>) outs(%[[F]] : tensor<4x2x5xi32>) {
// CHECK-NEXT:    ^bb0(%[[X:.*]]: i32, %[[Y:.*]]: i32, %[[ACC:.*]]: i32):
// CHECK-NEXT:      %[[P:.*]] = arith.muli %[[X]], %[[Y]] : i32
// CHECK-NEXT:      %[[S:.*]] = arith.addi %[[ACC]], %[[P]] : i32
// CHECK-NEXT:      linalg.yield %[[S]] : i32
func.func @batched(%a: tensor<4x2x3xi32>, %b: tensor<4x3x5xi32>) -> tensor<4x2x5xi32> {
  %m = charl.matmul %a, %b : tensor<4x2x3xi32>, tensor<4x3x5xi32> -> tensor<4x2x5xi32>
  func.return %m : tensor<4x2x5xi32>
}
