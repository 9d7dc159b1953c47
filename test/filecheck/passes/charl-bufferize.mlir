// RUN: charlc %s -p charl-bufferize | filecheck %s

// CHECK: "memref.global"() <{sym_name = "__constant_3xf32", type = memref<3xf32>, initial_value = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>, sym_visibility = "private", constant}>
// CHECK-NOT: "memref.global"

// An elementwise op writes into its init when the init dies there; the next one writes into its
// dying input, and its own empty init is never allocated.
// CHECK-LABEL: func.func @elementwise_in_place(
// CHECK-SAME:    %[[A:.*]]: memref<4x8xf32>, %[[B:.*]]: memref<4x8xf32>) -> memref<4x8xf32> {
// CHECK-NEXT:    %[[E:.*]] = memref.alloc() : memref<4x8xf32>
// CHECK-NEXT:    linalg.generic {{.*}} ins(%[[A]], %[[B]] : memref<4x8xf32>, memref<4x8xf32>) outs(%[[E]] : memref<4x8xf32>) {
// CHECK:         linalg.generic {{.*}} ins(%[[E]] : memref<4x8xf32>) outs(%[[E]] : memref<4x8xf32>) {
// CHECK-NOT:     memref.alloc
// CHECK:         func.return %[[E]] : memref<4x8xf32>
func.func @elementwise_in_place(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a, %b : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %v = arith.addf %x, %y : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  %e2 = tensor.empty() : tensor<4x8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<4x8xf32>) outs(%e2 : tensor<4x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %v = math.exp %x : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  func.return %r : tensor<4x8xf32>
}

// The filled init is accumulated into in place; an argument init is copied first (never written).
// CHECK-LABEL: func.func @matmul_init(
// CHECK:         %[[E:.*]] = memref.alloc() : memref<4x3xf32>
// CHECK-NEXT:    linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : memref<4x3xf32>)
// CHECK-NEXT:    linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x3xf32>) outs(%[[E]] : memref<4x3xf32>)
// CHECK-NEXT:    %[[ACC:.*]] = memref.alloc() : memref<4x3xf32>
// CHECK-NEXT:    "memref.copy"(%c, %[[ACC]]) : (memref<4x3xf32>, memref<4x3xf32>) -> ()
// CHECK-NEXT:    linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x3xf32>) outs(%[[ACC]] : memref<4x3xf32>)
// CHECK-NEXT:    func.return %[[E]], %[[ACC]] : memref<4x3xf32>, memref<4x3xf32>
func.func @matmul_init(%a: tensor<4x8xf32>, %b: tensor<8x3xf32>, %c: tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x3xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %m = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x3xf32>) outs(%f : tensor<4x3xf32>) -> tensor<4x3xf32>
  %acc = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x3xf32>) outs(%c : tensor<4x3xf32>) -> tensor<4x3xf32>
  func.return %m, %acc : tensor<4x3xf32>, tensor<4x3xf32>
}

// extract_slice is a strided view read directly by its consumers (rank-reduced where asked); an
// unused one is dropped.
// CHECK-LABEL: func.func @slice_view(
// CHECK-NEXT:    %[[S:.*]] = memref.subview %x[1, %i] [2, 3] [1, 2] : memref<4x8xf32> to memref<2x3xf32, strided<[8, 2], offset: ?>>
// CHECK-NEXT:    %[[E:.*]] = memref.alloc() : memref<2x3xf32>
// CHECK-NEXT:    linalg.generic {{.*}} ins(%[[S]] : memref<2x3xf32, strided<[8, 2], offset: ?>>) outs(%[[E]] : memref<2x3xf32>) {
// CHECK:         %[[ROW:.*]] = memref.subview %x[3, 0] [1, 8] [1, 1] : memref<4x8xf32> to memref<8xf32, strided<[1], offset: 24>>
// CHECK:         %[[F:.*]] = memref.load %[[ROW]][%{{.*}}] : memref<8xf32, strided<[1], offset: 24>>
// CHECK-NEXT:    func.return %[[E]], %[[F]] : memref<2x3xf32>, f32
func.func @slice_view(%x: tensor<4x8xf32>, %i: index) -> (tensor<2x3xf32>, f32) {
  %s = tensor.extract_slice %x[1, %i] [2, 3] [1, 2] : tensor<4x8xf32> to tensor<2x3xf32>
  %e = tensor.empty() : tensor<2x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%v: f32, %o: f32):
    %n = arith.negf %v : f32
    linalg.yield %n : f32
  } -> tensor<2x3xf32>
  %row = tensor.extract_slice %x[3, 0] [1, 8] [1, 1] : tensor<4x8xf32> to tensor<8xf32>
  %c0 = arith.constant 0 : index
  %f = tensor.extract %row[%c0] : tensor<8xf32>
  %unused = tensor.extract_slice %x[0, 0] [1, 1] [1, 1] : tensor<4x8xf32> to tensor<1x1xf32>
  func.return %r, %f : tensor<2x3xf32>, f32
}

// insert_slice copies into a view of its destination: in place when the destination dies, into
// a copy of it when the destination is an argument.
// CHECK-LABEL: func.func @insert_slice(
// CHECK:         %[[E:.*]] = memref.alloc() : memref<4xf32>
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : memref<4xf32>)
// CHECK-NEXT:    %[[V1:.*]] = memref.subview %[[E]][1] [2] [1] : memref<4xf32> to memref<2xf32, strided<[1], offset: 1>>
// CHECK-NEXT:    "memref.copy"(%s, %[[V1]])
// CHECK-NEXT:    %[[C:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    "memref.copy"(%x, %[[C]]) : (memref<4xf32>, memref<4xf32>) -> ()
// CHECK-NEXT:    %[[V2:.*]] = memref.subview %[[C]][2] [2] [1] : memref<4xf32> to memref<2xf32, strided<[1], offset: 2>>
// CHECK-NEXT:    "memref.copy"(%s, %[[V2]])
// CHECK-NEXT:    func.return %[[E]], %[[C]] : memref<4xf32>, memref<4xf32>
func.func @insert_slice(%x: tensor<4xf32>, %s: tensor<2xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4xf32>
  %z = arith.constant 0.0 : f32
  %zeros = linalg.fill ins(%z : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %in_place = tensor.insert_slice %s into %zeros[1] [2] [1] : tensor<2xf32> into tensor<4xf32>
  %copied = tensor.insert_slice %s into %x[2] [2] [1] : tensor<2xf32> into tensor<4xf32>
  func.return %in_place, %copied : tensor<4xf32>, tensor<4xf32>
}

// The loop owns its carried buffer (a copy of the borrowed argument) and updates it in place.
// CHECK-LABEL: func.func @for_carried(
// CHECK:         %[[INIT:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    "memref.copy"(%x, %[[INIT]])
// CHECK-NEXT:    %[[R:.*]] = scf.for %{{.*}} = %{{.*}} to %n step %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (memref<4xf32>) {
// CHECK-NOT:       memref.alloc
// CHECK:           linalg.generic {{.*}} ins(%[[ACC]] : memref<4xf32>) outs(%[[ACC]] : memref<4xf32>) {
// CHECK:           scf.yield %[[ACC]] : memref<4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %[[R]] : memref<4xf32>
func.func @for_carried(%x: tensor<4xf32>, %n: index) -> tensor<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> (tensor<4xf32>) {
    %e = tensor.empty() : tensor<4xf32>
    %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%acc : tensor<4xf32>) outs(%e : tensor<4xf32>) {
    ^bb0(%v: f32, %o: f32):
      %d = arith.addf %v, %v : f32
      linalg.yield %d : f32
    } -> tensor<4xf32>
    scf.yield %y : tensor<4xf32>
  }
  func.return %r : tensor<4xf32>
}

// An iteration that replaces the carried buffer frees the old one after its last use.
// CHECK-LABEL: func.func @for_replaced(
// CHECK:         scf.for %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (memref<4xf32>) {
// CHECK-NEXT:      %[[F:.*]] = memref.load %[[ACC]][%c0] : memref<4xf32>
// CHECK-NEXT:      memref.dealloc %[[ACC]] : memref<4xf32>
// CHECK-NEXT:      %[[G:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      "memref.copy"(%x, %[[G]])
// CHECK-NEXT:      memref.store %[[F]], %[[G]][%c1] : memref<4xf32>
// CHECK-NEXT:      scf.yield %[[G]] : memref<4xf32>
func.func @for_replaced(%x: tensor<4xf32>, %n: index) -> tensor<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> (tensor<4xf32>) {
    %f = tensor.extract %acc[%c0] : tensor<4xf32>
    %g = tensor.insert %f into %x[%c1] : tensor<4xf32>
    scf.yield %g : tensor<4xf32>
  }
  func.return %r : tensor<4xf32>
}

// Both branches yield a buffer the function owns: the borrowed argument is copied.
// CHECK-LABEL: func.func @if_branches(
// CHECK-NEXT:    %[[R:.*]] = scf.if %c -> (memref<4xf32>) {
// CHECK-NEXT:      %[[E:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      linalg.generic {{.*}} ins(%x : memref<4xf32>) outs(%[[E]] : memref<4xf32>) {
// CHECK:           scf.yield %[[E]] : memref<4xf32>
// CHECK-NEXT:    } else {
// CHECK-NEXT:      %[[C:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      "memref.copy"(%x, %[[C]])
// CHECK-NEXT:      scf.yield %[[C]] : memref<4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %[[R]] : memref<4xf32>
func.func @if_branches(%x: tensor<4xf32>, %c: i1) -> tensor<4xf32> {
  %r = scf.if %c -> (tensor<4xf32>) {
    %e = tensor.empty() : tensor<4xf32>
    %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
    ^bb0(%v: f32, %o: f32):
      %m = arith.mulf %v, %v : f32
      linalg.yield %m : f32
    } -> tensor<4xf32>
    scf.yield %y : tensor<4xf32>
  } else {
    scf.yield %x : tensor<4xf32>
  }
  func.return %r : tensor<4xf32>
}

// scf.while: the condition forwards its owned buffer; the body doubles it in place.
// CHECK-LABEL: func.func @while_loop(
// CHECK:         %[[INIT:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    "memref.copy"(%x, %[[INIT]])
// CHECK-NEXT:    %[[R:.*]] = scf.while (%[[V:.*]] = %[[INIT]]) : (memref<4xf32>) -> memref<4xf32> {
// CHECK-NEXT:      %[[F:.*]] = memref.load %[[V]][%c0] : memref<4xf32>
// CHECK-NEXT:      %[[GO:.*]] = arith.cmpf olt, %[[F]], %limit : f32
// CHECK-NEXT:      scf.condition(%[[GO]]) %[[V]] : memref<4xf32>
// CHECK-NEXT:    } do {
// CHECK-NEXT:    ^bb0(%[[W:.*]]: memref<4xf32>):
// CHECK-NEXT:      linalg.generic {{.*}} ins(%[[W]] : memref<4xf32>) outs(%[[W]] : memref<4xf32>) {
// CHECK:           scf.yield %[[W]] : memref<4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %[[R]] : memref<4xf32>
func.func @while_loop(%x: tensor<4xf32>, %limit: f32) -> tensor<4xf32> {
  %c0 = arith.constant 0 : index
  %r = scf.while (%v = %x) : (tensor<4xf32>) -> tensor<4xf32> {
    %f = tensor.extract %v[%c0] : tensor<4xf32>
    %go = arith.cmpf olt, %f, %limit : f32
    scf.condition(%go) %v : tensor<4xf32>
  } do {
  ^bb0(%w: tensor<4xf32>):
    %e = tensor.empty() : tensor<4xf32>
    %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%w : tensor<4xf32>) outs(%e : tensor<4xf32>) {
    ^bb0(%a: f32, %o: f32):
      %d = arith.addf %a, %a : f32
      linalg.yield %d : f32
    } -> tensor<4xf32>
    scf.yield %y : tensor<4xf32>
  }
  func.return %r : tensor<4xf32>
}

// Results are owned by the caller: an argument returned (twice) is copied each time.
// CHECK-LABEL: func.func private @callee(
// CHECK-NEXT:    %[[A:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    "memref.copy"(%x, %[[A]])
// CHECK-NEXT:    %[[B:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    "memref.copy"(%x, %[[B]])
// CHECK-NEXT:    func.return %[[A]], %[[B]] : memref<4xf32>, memref<4xf32>
func.func private @callee(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  func.return %x, %x : tensor<4xf32>, tensor<4xf32>
}

// A strided view passed to an identity-layout parameter is copied, and freed after the call;
// the caller frees the result it does not return.
// CHECK-LABEL: func.func @call_ownership(
// CHECK-NEXT:    %[[ROW:.*]] = memref.subview %x[1, 0] [1, 4] [1, 1] : memref<4x4xf32> to memref<4xf32, strided<[1], offset: 4>>
// CHECK-NEXT:    %[[ARG:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    "memref.copy"(%[[ROW]], %[[ARG]])
// CHECK-NEXT:    %[[A:.*]], %[[B:.*]] = func.call @callee(%[[ARG]]) : (memref<4xf32>) -> (memref<4xf32>, memref<4xf32>)
// CHECK-NEXT:    memref.dealloc %[[ARG]] : memref<4xf32>
// CHECK-NEXT:    memref.dealloc %[[B]] : memref<4xf32>
// CHECK-NEXT:    func.return %[[A]] : memref<4xf32>
func.func @call_ownership(%x: tensor<4x4xf32>) -> tensor<4xf32> {
  %row = tensor.extract_slice %x[1, 0] [1, 4] [1, 1] : tensor<4x4xf32> to tensor<4xf32>
  %a, %b = func.call @callee(%row) : (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  func.return %a : tensor<4xf32>
}

// Dense constants become one read-only global; writes and returns go to copies.
// CHECK-LABEL: func.func @constants(
// CHECK-NEXT:    %[[K:.*]] = memref.get_global @__constant_3xf32 : memref<3xf32>
// CHECK-NEXT:    %[[SAME:.*]] = memref.get_global @__constant_3xf32 : memref<3xf32>
// CHECK:         %[[K2:.*]] = memref.alloc() : memref<3xf32>
// CHECK-NEXT:    "memref.copy"(%[[K]], %[[K2]])
// CHECK-NEXT:    memref.store %{{.*}}, %[[K2]][%i] : memref<3xf32>
// CHECK-NEXT:    %[[R:.*]] = memref.alloc() : memref<3xf32>
// CHECK-NEXT:    "memref.copy"(%[[SAME]], %[[R]])
// CHECK-NEXT:    func.return %[[K2]], %[[R]] : memref<3xf32>, memref<3xf32>
func.func @constants(%i: index) -> (tensor<3xf32>, tensor<3xf32>) {
  %k = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %same = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %f = arith.constant 9.0 : f32
  %k2 = tensor.insert %f into %k[%i] : tensor<3xf32>
  func.return %k2, %same : tensor<3xf32>, tensor<3xf32>
}

// Dynamic dims stay dynamic; tensor.empty's sizes become the alloc's.
// CHECK-LABEL: func.func @dynamic_dims(
// CHECK-SAME:    %x: memref<?x?xf32>) -> memref<?x?xf32> {
// CHECK:         %[[N:.*]] = memref.dim %x, %c0 : memref<?x?xf32>
// CHECK-NEXT:    %[[M:.*]] = memref.dim %x, %c1 : memref<?x?xf32>
// CHECK-NEXT:    %[[E:.*]] = memref.alloc(%[[M]], %[[N]]) : memref<?x?xf32>
// CHECK-NEXT:    linalg.transpose ins(%x:memref<?x?xf32>) outs(%[[E]]:memref<?x?xf32>) permutation = [1, 0]
// CHECK-NEXT:    func.return %[[E]] : memref<?x?xf32>
func.func @dynamic_dims(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %m = tensor.dim %x, %c1 : tensor<?x?xf32>
  %e = tensor.empty(%m, %n) : tensor<?x?xf32>
  %t = linalg.transpose ins(%x : tensor<?x?xf32>) outs(%e : tensor<?x?xf32>) permutation = [1, 0]
  func.return %t : tensor<?x?xf32>
}

// A buffer that dies at an scf.if is taken over by its branches: one updates it in place and
// yields it, the other yields it as it is; no copy, no second buffer.
// CHECK-LABEL: func.func @if_takes_over(
// CHECK:         %[[T:.*]] = memref.alloc() : memref<4xf32>
// CHECK:         %[[R:.*]] = scf.if %c -> (memref<4xf32>) {
// CHECK-NEXT:      linalg.generic {{.*}} ins(%[[T]] : memref<4xf32>) outs(%[[T]] : memref<4xf32>) {
// CHECK:           scf.yield %[[T]] : memref<4xf32>
// CHECK-NEXT:    } else {
// CHECK-NEXT:      scf.yield %[[T]] : memref<4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %[[R]] : memref<4xf32>
func.func @if_takes_over(%x: tensor<4xf32>, %c: i1) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %d = arith.addf %v, %v : f32
    linalg.yield %d : f32
  } -> tensor<4xf32>
  %r = scf.if %c -> (tensor<4xf32>) {
    %e2 = tensor.empty() : tensor<4xf32>
    %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%t : tensor<4xf32>) outs(%e2 : tensor<4xf32>) {
    ^bb0(%v: f32, %o: f32):
      %m = arith.mulf %v, %v : f32
      linalg.yield %m : f32
    } -> tensor<4xf32>
    scf.yield %y : tensor<4xf32>
  } else {
    scf.yield %t : tensor<4xf32>
  }
  func.return %r : tensor<4xf32>
}

// Unranked tensors (run-time call arguments) become unranked memrefs; a strided view is copied to
// an identity layout first, and the copy is freed after the call.
// CHECK-LABEL: func.func private @print_tensor(memref<*xf32>, i32) -> ()
// CHECK-LABEL: func.func @unranked_call(
// CHECK:         %[[U:.*]] = "memref.cast"(%x) : (memref<4x6xf32>) -> memref<*xf32>
// CHECK-NEXT:    func.call @print_tensor(%[[U]], %{{.*}}) : (memref<*xf32>, i32) -> ()
// CHECK-NEXT:    %[[S:.*]] = memref.subview %x[0, 1] [4, 2] [1, 3] : memref<4x6xf32> to memref<4x2xf32, strided<[6, 3], offset: 1>>
// CHECK-NEXT:    %[[C:.*]] = memref.alloc() : memref<4x2xf32>
// CHECK-NEXT:    "memref.copy"(%[[S]], %[[C]])
// CHECK-NEXT:    %[[V:.*]] = "memref.cast"(%[[C]]) : (memref<4x2xf32>) -> memref<*xf32>
// CHECK-NEXT:    func.call @print_tensor(%[[V]], %{{.*}}) : (memref<*xf32>, i32) -> ()
// CHECK-NEXT:    memref.dealloc %[[C]] : memref<4x2xf32>
// CHECK-NEXT:    func.return
func.func private @print_tensor(tensor<*xf32>, i32)

func.func @unranked_call(%x: tensor<4x6xf32>) {
  %dtype = arith.constant 0 : i32
  %u = tensor.cast %x : tensor<4x6xf32> to tensor<*xf32>
  func.call @print_tensor(%u, %dtype) : (tensor<*xf32>, i32) -> ()
  %s = tensor.extract_slice %x[0, 1] [4, 2] [1, 3] : tensor<4x6xf32> to tensor<4x2xf32>
  %v = tensor.cast %s : tensor<4x2xf32> to tensor<*xf32>
  func.call @print_tensor(%v, %dtype) : (tensor<*xf32>, i32) -> ()
  func.return
}
