// RUN: charlc %s --stop-after=linalg | filecheck %s --check-prefix=LINALG
// RUN: charlc %s --stop-after=buffers | filecheck %s --check-prefix=BUFFERS
// RUN: charlc %s --stop-after=loops | filecheck %s --check-prefix=LOOPS
// RUN: charlc %s --stop-after=target | filecheck %s --check-prefix=TARGET
// RUN: charlc %s --emit=mlir --time-passes 2>&1 >/dev/null | filecheck %s --check-prefix=DEFAULT

// Each cpu stage holds what docs/lowering.md allows: linalg on tensors, then on memrefs, then
// loops, then the llvm dialect. --emit=mlir without --stop-after stops after charl-opt.

// LINALG-LABEL: func.func @scale(%x: tensor<4xf32>) -> tensor<4xf32>
// LINALG:         linalg.generic
// LINALG:         arith.mulf
// LINALG-NOT:     charl.
// LINALG-LABEL: func.func @main()

// BUFFERS-LABEL: func.func @scale(%x: memref<4xf32>) -> memref<4xf32>
// BUFFERS:         memref.alloc
// BUFFERS:         linalg.generic
// BUFFERS-NOT:     tensor<

// LOOPS-LABEL: func.func @scale(%x: memref<4xf32>) -> memref<4xf32>
// LOOPS:         scf.for
// LOOPS:         memref.load
// LOOPS:         arith.mulf
// LOOPS:         memref.store
// LOOPS-NOT:     linalg.

// TARGET:      llvm.func @scale(
// TARGET-SAME:   charl.signature = "(memref<4xf32>) -> memref<4xf32>"
// TARGET:      llvm.fmul
// TARGET:      llvm.func @main()
// TARGET-NOT:  func.func

// DEFAULT:      canonicalize
// DEFAULT-NEXT: cse
// DEFAULT-NEXT: dce
// DEFAULT-NEXT: total
fn scale(x: tensor<float32, [4]>) -> tensor<float32, [4]> { return x * 3.0 }
print(scale([1.0, 2.0, 3.0, 4.0]))
