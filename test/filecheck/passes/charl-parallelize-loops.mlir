// RUN: charlc %s -p charl-parallelize-loops{min_work=1024} | filecheck %s

// Enough static work (64 x 32 >= 1024): the loop moves into a chunk function over [lo, hi), its
// index constants cloned in, the memrefs captured; an scf.parallel over the range calls it.
// CHECK-LABEL: func.func @static_big(
// CHECK-SAME:      %[[A:[^:]*]]: memref<64x32xf32>, %[[O:[^:]*]]: memref<64x32xf32>)
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C64:.*]] = arith.constant 64 : index
// CHECK:         "scf.parallel"(%[[C0]], %[[C64]], %[[C1]])
// CHECK-NEXT:    ^{{.*}}(%[[I:.*]]: index):
// CHECK-NEXT:      %[[NEXT:.*]] = arith.addi %[[I]], %[[C1]] : index
// CHECK-NEXT:      func.call @static_big_chunk0(%[[I]], %[[NEXT]], %[[A]], %[[O]]) : (index, index, memref<64x32xf32>, memref<64x32xf32>) -> ()
// CHECK-NEXT:      scf.reduce
// CHECK-NOT:     scf.for
// CHECK:         func.return
// CHECK-NEXT:  }
// CHECK-NEXT:  func.func private @static_big_chunk0(%[[LO:.*]]: index, %[[HI:.*]]: index, %[[CA:.*]]: memref<64x32xf32>, %[[CO:.*]]: memref<64x32xf32>) attributes {charl.chunk} {
// CHECK-DAG:     %[[K0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[K1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[K32:.*]] = arith.constant 32 : index
// CHECK:         scf.for %[[D0:.*]] = %[[LO]] to %[[HI]] step %[[K1]] {
// CHECK-NEXT:      scf.for %[[D1:.*]] = %[[K0]] to %[[K32]] step %[[K1]] {
// CHECK-NEXT:        %[[X:.*]] = memref.load %[[CA]][%[[D0]], %[[D1]]] : memref<64x32xf32>
// CHECK-NEXT:        %[[E:.*]] = math.exp %[[X]] : f32
// CHECK-NEXT:        memref.store %[[E]], %[[CO]][%[[D0]], %[[D1]]] : memref<64x32xf32>
// CHECK:         func.return
func.func @static_big(%a: memref<64x32xf32>, %o: memref<64x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  scf.for %i = %c0 to %c64 step %c1 {
    scf.for %j = %c0 to %c32 step %c1 {
      %x = memref.load %a[%i, %j] : memref<64x32xf32>
      %e = math.exp %x : f32
      memref.store %e, %o[%i, %j] : memref<64x32xf32>
    }
  } {charl.parallel}
  func.return
}

// Too little static work (4 x 8 < 1024): the serial loop stays, without the mark.
// CHECK-LABEL: func.func @static_small(
// CHECK:         scf.for
// CHECK-NOT:     charl.parallel
// CHECK-NOT:     scf.parallel
// CHECK:         func.return
func.func @static_small(%a: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %z = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      memref.store %z, %a[%i, %j] : memref<4x8xf32>
    }
  } {charl.parallel}
  func.return
}

// A dynamic row count: work = rows * 64 compared at run time; a small tensor calls the chunk on
// the whole range directly. A float constant the body uses is cloned, a run-time scalar captured.
// CHECK-LABEL: func.func @dynamic(
// CHECK-SAME:      %[[A:[^:]*]]: memref<?x64xf32>, %[[S:[^:]*]]: f32)
// CHECK:         %[[N:.*]] = memref.dim %[[A]], %{{.*}} : memref<?x64xf32>
// CHECK:         %[[C64:.*]] = arith.constant 64 : index
// CHECK-NEXT:    %[[WORK:.*]] = arith.muli %[[N]], %[[C64]] : index
// CHECK-NEXT:    %[[MIN:.*]] = arith.constant 1024 : index
// CHECK-NEXT:    %[[BIG:.*]] = arith.cmpi sge, %[[WORK]], %[[MIN]] : index
// CHECK-NEXT:    scf.if %[[BIG]] {
// CHECK-NEXT:      "scf.parallel"(%{{.*}}, %[[N]], %{{.*}})
// CHECK:             func.call @dynamic_chunk0(%{{.*}}, %{{.*}}, %[[A]], %[[S]])
// CHECK:         } else {
// CHECK-NEXT:      func.call @dynamic_chunk0(%{{.*}}, %[[N]], %[[A]], %[[S]])
// CHECK-NEXT:    }
// CHECK:       func.func private @dynamic_chunk0(%{{.*}}: index, %{{.*}}: index, %{{.*}}: memref<?x64xf32>, %{{.*}}: f32) attributes {charl.chunk} {
// CHECK:         arith.constant 2.000000e+00 : f32
func.func @dynamic(%a: memref<?x64xf32>, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %two = arith.constant 2.0 : f32
  %n = memref.dim %a, %c0 : memref<?x64xf32>
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %c64 step %c1 {
      %x = memref.load %a[%i, %j] : memref<?x64xf32>
      %y = arith.mulf %x, %s : f32
      %z = arith.addf %y, %two : f32
      memref.store %z, %a[%i, %j] : memref<?x64xf32>
    }
  } {charl.parallel}
  func.return
}

// Inside a training loop: values of the enclosing iteration (its view of the buffer) are captured
// per call; a marked loop nested inside a parallel region stays serial.
// CHECK-LABEL: func.func @in_loop(
// CHECK:         scf.for %[[STEP:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:      %[[V:.*]] = memref.subview
// CHECK-NEXT:      "scf.parallel"
// CHECK:             func.call @in_loop_chunk0(%{{.*}}, %{{.*}}, %[[V]])
// CHECK:         "scf.parallel"
// CHECK-NOT:       func.call
// CHECK:           scf.for
// CHECK-NOT:       func.call
// CHECK:         func.return
// CHECK:       func.func private @in_loop_chunk0(
func.func @in_loop(%a: memref<8x256x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c256 = arith.constant 256 : index
  %z = arith.constant 0.0 : f32
  scf.for %t = %c0 to %c8 step %c1 {
    %v = memref.subview %a[%t, 0, 0] [1, 256, 16] [1, 1, 1] : memref<8x256x16xf32> to memref<256x16xf32, strided<[16, 1], offset: ?>>
    scf.for %i = %c0 to %c256 step %c1 {
      scf.for %j = %c0 to %c16 step %c1 {
        memref.store %z, %v[%i, %j] : memref<256x16xf32, strided<[16, 1], offset: ?>>
      }
    } {charl.parallel}
  }
  "scf.parallel"(%c0, %c8, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({
  ^bb0(%t: index):
    scf.for %i = %c0 to %c256 step %c1 {
      scf.for %j = %c0 to %c16 step %c1 {
        memref.store %z, %a[%t, %i, %j] : memref<8x256x16xf32>
      }
    } {charl.parallel}
    scf.reduce
  }) : (index, index, index) -> ()
  func.return
}
