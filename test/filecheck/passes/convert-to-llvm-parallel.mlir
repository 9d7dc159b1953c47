// RUN: charlc %s -p convert-to-llvm | filecheck %s

// Any other scf.parallel runs as serial loops, one per dimension.
// CHECK-LABEL: llvm.func @serial(
// CHECK-NOT:     charl_rt_parallel_for
// CHECK-COUNT-2: llvm.icmp "slt"
// CHECK-NOT:     charl_rt_parallel_for
// CHECK:         llvm.return
func.func @serial(%a: memref<4x8xf32>, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  "scf.parallel"(%c0, %c0, %c4, %c8, %c1, %c1) <{operandSegmentSizes = array<i32: 2, 2, 2, 0>}> ({
  ^bb0(%i: index, %j: index):
    memref.store %s, %a[%i, %j] : memref<4x8xf32>
    scf.reduce
  }) : (index, index, index, index, index, index) -> ()
  func.return
}

// An scf.parallel calling a chunk function on [i, i + 1) is one call of the runtime: the captured
// values (here a memref's descriptor fields and a scalar) are stored into a context in the entry
// block, and @<chunk>_ctx loads them and calls the chunk on the sub-range it is given.
// CHECK-LABEL: llvm.func @pooled(
// CHECK:         %[[CTX:.*]] = llvm.alloca %{{.*}} x !llvm.ptr {alignment = 8 : i64} : (i64) -> !llvm.ptr
// CHECK-COUNT-8: llvm.store
// CHECK:         %[[FN:.*]] = llvm.mlir.addressof @pooled_chunk0_ctx : !llvm.ptr
// CHECK-NEXT:    llvm.call @charl_rt_parallel_for(%[[FN]], %[[CTX]], %{{.*}}, %{{.*}}) : (!llvm.ptr, !llvm.ptr, i64, i64) -> ()
// CHECK:       llvm.func internal @pooled_chunk0(
// CHECK:       llvm.func internal @pooled_chunk0_ctx(%[[C:.*]]: !llvm.ptr, %[[LO:.*]]: i64, %[[HI:.*]]: i64)
// CHECK-COUNT-8: llvm.load
// CHECK:         llvm.call @pooled_chunk0(%[[LO]], %[[HI]], %{{.*}}) : (i64, i64, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, f32) -> ()
// CHECK:       llvm.func @charl_rt_parallel_for(!llvm.ptr, !llvm.ptr, i64, i64)
func.func @pooled(%a: memref<64x32xf32>, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  "scf.parallel"(%c0, %c64, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({
  ^bb0(%i: index):
    %n = arith.addi %i, %c1 : index
    func.call @pooled_chunk0(%i, %n, %a, %s) : (index, index, memref<64x32xf32>, f32) -> ()
    scf.reduce
  }) : (index, index, index) -> ()
  func.return
}
func.func private @pooled_chunk0(%lo: index, %hi: index, %a: memref<64x32xf32>, %s: f32) attributes {charl.chunk} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %lo to %hi step %c1 {
    memref.store %s, %a[%i, %c0] : memref<64x32xf32>
  }
  func.return
}
