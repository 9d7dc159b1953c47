// RUN: charlc %s -p convert-charl-to-linalg | filecheck %s
// RUN: charlc %s -p 'convert-charl-to-linalg{bounds_checks=false}' | filecheck %s --check-prefix=NOCHECK

// The location strings are i8 globals, one per checked op ("a.ch:3:8", then "a.ch:5:8": @slice_static
// needs none).
// CHECK:       "memref.global"() <{sym_name = "charl_str_0", type = memref<8xi8>, initial_value = dense<[97, 46, 99, 104, 58, 51, 58, 56]> : tensor<8xi8>, sym_visibility = "private", constant}>
// CHECK:       "memref.global"() <{sym_name = "charl_str_1", type = memref<8xi8>, initial_value = dense<[97, 46, 99, 104, 58, 53, 58, 56]> : tensor<8xi8>, sym_visibility = "private", constant}>
// NOCHECK-NOT: memref.global

// A constant offset whose window provably fits a static dimension needs no check; a dynamic one
// is checked as [start, start + size) against the dimension's size.
// CHECK-LABEL: func.func @slice(
// CHECK-SAME:    %[[X:.*]]: tensor<8x?xf32>, %[[I:.*]]: index, %[[N:.*]]: index)
// CHECK:         %[[G:.*]] = memref.get_global @charl_str_0 : memref<8xi8>
// CHECK-NEXT:    %[[WHERE:.*]] = "memref.cast"(%[[G]]) : (memref<8xi8>) -> memref<?xi8>
// CHECK:         %[[DIM:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<8x?xf32>
// CHECK-NEXT:    %[[SIZE:.*]] = arith.index_cast %[[DIM]] : index to i64
// CHECK-NEXT:    %[[START:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK-NEXT:    %[[COUNT:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK-NEXT:    %[[STOP:.*]] = arith.addi %[[START]], %[[COUNT]] : i64
// CHECK-NEXT:    %[[AXIS:.*]] = arith.constant 1 : i64
// CHECK-NEXT:    func.call @charl_rt_check_slice(%[[START]], %[[STOP]], %[[SIZE]], %[[AXIS]], %[[WHERE]]) : (i64, i64, i64, i64, memref<?xi8>) -> ()
// CHECK-NOT:     func.call
// CHECK:         %{{.*}} = tensor.extract_slice %[[X]][2, %[[I]]] [4, %[[N]]] [1, 1] : tensor<8x?xf32> to tensor<4x?xf32>
// NOCHECK-LABEL: func.func @slice(
// NOCHECK-NOT:   func.call
// NOCHECK:       tensor.extract_slice %{{.*}}[2, %{{.*}}] [4, %{{.*}}] [1, 1] : tensor<8x?xf32> to tensor<4x?xf32>
func.func @slice(%x: tensor<8x?xf32>, %i: index, %n: index) -> tensor<4x?xf32> {
  %c2 = arith.constant 2 : index
  %s = charl.slice %x[%c2, %i] [4, %n] : tensor<8x?xf32> -> tensor<4x?xf32> loc("a.ch":3:8)
  func.return %s : tensor<4x?xf32>
}

// A constant window that fits needs no check at all.
// CHECK-LABEL: func.func @slice_static(
// CHECK-NOT:     func.call
// CHECK:         tensor.extract_slice %{{.*}}[1, 0] [2, 4] [1, 1] : tensor<8x4xf32> to tensor<2x4xf32>
func.func @slice_static(%x: tensor<8x4xf32>) -> tensor<2x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %s = charl.slice %x[%c1, %c0] [2, 4] : tensor<8x4xf32> -> tensor<2x4xf32> loc("a.ch":4:8)
  func.return %s : tensor<2x4xf32>
}

// update_slice: the window is the source's shape; only the dynamic offset is checked.
// CHECK-LABEL: func.func @update(
// CHECK-SAME:    %[[D:.*]]: tensor<8x4xf32>, %[[S:.*]]: tensor<2x4xf32>, %[[I:.*]]: index)
// CHECK:         %[[EIGHT:.*]] = arith.constant 8 : i64
// CHECK-NEXT:    %[[START:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK-NEXT:    %[[TWO:.*]] = arith.constant 2 : i64
// CHECK-NEXT:    %[[STOP:.*]] = arith.addi %[[START]], %[[TWO]] : i64
// CHECK-NEXT:    %[[AXIS:.*]] = arith.constant 0 : i64
// CHECK-NEXT:    func.call @charl_rt_check_slice(%[[START]], %[[STOP]], %[[EIGHT]], %[[AXIS]], %{{.*}})
// CHECK-NEXT:    %[[U:.*]] = tensor.insert_slice %[[S]] into %[[D]][%[[I]], 0] [2, 4] [1, 1] : tensor<2x4xf32> into tensor<8x4xf32>
// CHECK-NEXT:    func.return %[[U]] : tensor<8x4xf32>
func.func @update(%d: tensor<8x4xf32>, %s: tensor<2x4xf32>, %i: index) -> tensor<8x4xf32> {
  %c0 = arith.constant 0 : index
  %u = charl.update_slice %s into %d[%i, %c0] : tensor<2x4xf32> into tensor<8x4xf32> loc("a.ch":5:8)
  func.return %u : tensor<8x4xf32>
}

// extract: each index is checked as [i, i + 1); both checks share the location string.
// CHECK-LABEL: func.func @extract(
// CHECK-SAME:    %[[X:.*]]: tensor<?x4xi32>, %[[I:.*]]: index, %[[J:.*]]: index)
// CHECK:         %[[WHERE:.*]] = "memref.cast"
// CHECK:         func.call @charl_rt_check_slice(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[WHERE]])
// CHECK:         func.call @charl_rt_check_slice(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[WHERE]])
// CHECK-NEXT:    %[[E:.*]] = tensor.extract %[[X]][%[[I]], %[[J]]] : tensor<?x4xi32>
// CHECK-NEXT:    func.return %[[E]] : i32
func.func @extract(%x: tensor<?x4xi32>, %i: index, %j: index) -> i32 {
  %e = charl.extract %x[%i, %j] : tensor<?x4xi32> -> i32 loc("a.ch":6:8)
  func.return %e : i32
}

// gather: a generic over the result reads the table at (index, linalg.index 1) after checking
// the index inside the body.
// CHECK-LABEL: func.func @gather(
// CHECK-SAME:    %[[T:.*]]: tensor<100x16xf32>, %[[IDS:.*]]: tensor<8xi32>)
// CHECK:         %[[SIZE:.*]] = arith.constant 100 : i64
// CHECK:         %[[WHERE:.*]] = "memref.cast"
// CHECK:         %[[INIT:.*]] = tensor.empty() : tensor<8x16xf32>
// CHECK-NEXT:    %{{.*}} = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%[[IDS]] : tensor<8xi32>) outs(%[[INIT]] : tensor<8x16xf32>) {
// CHECK-NEXT:    ^{{.*}}(%[[ID:.*]]: i32, %{{.*}}: f32):
// CHECK-NEXT:      %[[WIDE:.*]] = arith.extsi %[[ID]] : i32 to i64
// CHECK-NEXT:      %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-NEXT:      %[[STOP:.*]] = arith.addi %[[WIDE]], %[[ONE]] : i64
// CHECK-NEXT:      %[[AXIS:.*]] = arith.constant 0 : i64
// CHECK-NEXT:      func.call @charl_rt_check_slice(%[[WIDE]], %[[STOP]], %[[SIZE]], %[[AXIS]], %[[WHERE]])
// CHECK-NEXT:      %[[ROW:.*]] = arith.index_cast %[[WIDE]] : i64 to index
// CHECK-NEXT:      %[[COL:.*]] = linalg.index 1 : index
// CHECK-NEXT:      %[[V:.*]] = tensor.extract %[[T]][%[[ROW]], %[[COL]]] : tensor<100x16xf32>
// CHECK-NEXT:      linalg.yield %[[V]] : f32
// CHECK-NEXT:    } -> tensor<8x16xf32>
func.func @gather(%t: tensor<100x16xf32>, %ids: tensor<8xi32>) -> tensor<8x16xf32> {
  %g = charl.gather %t, %ids {axis = 0 : i64} : tensor<100x16xf32>, tensor<8xi32> -> tensor<8x16xf32> loc("a.ch":7:8)
  func.return %g : tensor<8x16xf32>
}

// gather by a scalar index along a middle axis: checked once, outside the generic.
// CHECK-LABEL: func.func @gather_scalar(
// CHECK-SAME:    %[[T:.*]]: tensor<3x5x2xf32>, %[[ID:.*]]: i64)
// CHECK:         func.call @charl_rt_check_slice(%[[ID]],
// CHECK-NEXT:    %[[ROW:.*]] = arith.index_cast %[[ID]] : i64 to index
// CHECK:         linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%{{.*}} : tensor<3x2xf32>)
// CHECK-NOT:     func.call
// CHECK:           %[[A:.*]] = linalg.index 0 : index
// CHECK-NEXT:      %[[B:.*]] = linalg.index 1 : index
// CHECK-NEXT:      tensor.extract %[[T]][%[[A]], %[[ROW]], %[[B]]] : tensor<3x5x2xf32>
func.func @gather_scalar(%t: tensor<3x5x2xf32>, %id: i64) -> tensor<3x2xf32> {
  %g = charl.gather %t, %id {axis = 1 : i64} : tensor<3x5x2xf32>, i64 -> tensor<3x2xf32> loc("a.ch":8:8)
  func.return %g : tensor<3x2xf32>
}

// Declared once per module, at its end.
// CHECK:       func.func private @charl_rt_check_slice(i64, i64, i64, i64, memref<?xi8>) -> ()
// CHECK-NOT:   func.func private @charl_rt_check_slice
// NOCHECK-NOT: func.func private
