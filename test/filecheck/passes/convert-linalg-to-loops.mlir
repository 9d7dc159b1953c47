// RUN: charlc %s -p convert-linalg-to-loops{ukernels=false} | filecheck %s

// Elementwise: one loop per dimension, the last (unit-stride) dimension innermost.
// CHECK-LABEL: func.func @elementwise(
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[C8:.*]] = arith.constant 8 : index
// CHECK:         scf.for %[[I:.*]] = %[[C0]] to %[[C4]] step %[[C1]] {
// CHECK-NEXT:      scf.for %[[J:.*]] = %[[C0]] to %[[C8]] step %[[C1]] {
// CHECK-NEXT:        %[[X:.*]] = memref.load %a[%[[I]], %[[J]]] : memref<4x8xf32>
// CHECK-NEXT:        %[[Y:.*]] = memref.load %b[%[[I]], %[[J]]] : memref<4x8xf32>
// CHECK-NEXT:        %[[S:.*]] = arith.addf %[[X]], %[[Y]] : f32
// CHECK-NEXT:        %[[E:.*]] = math.exp %[[S]] : f32
// CHECK-NEXT:        memref.store %[[E]], %o[%[[I]], %[[J]]] : memref<4x8xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return
func.func @elementwise(%a: memref<4x8xf32>, %b: memref<4x8xf32>, %o: memref<4x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a, %b : memref<4x8xf32>, memref<4x8xf32>) outs(%o : memref<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %s = arith.addf %x, %y : f32
    %e = math.exp %s : f32
    linalg.yield %e : f32
  }
  func.return
}

// Broadcast operands: a constant index for the size-1 dimension; the column is loaded once per row.
// CHECK-LABEL: func.func @broadcast_generic(
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK:         scf.for %[[I:.*]] = %[[C0]] to %{{.*}} step %[[C1]] {
// CHECK-NEXT:      %[[COL:.*]] = memref.load %col[%[[I]], %[[C0]]] : memref<4x1xf32>
// CHECK-NEXT:      scf.for %[[J:.*]] = %[[C0]] to %{{.*}} step %[[C1]] {
// CHECK-NEXT:        %[[ROW:.*]] = memref.load %row[%[[J]]] : memref<8xf32>
// CHECK-NEXT:        %[[P:.*]] = arith.mulf %[[ROW]], %[[COL]] : f32
// CHECK-NEXT:        memref.store %[[P]], %o[%[[I]], %[[J]]] : memref<4x8xf32>
func.func @broadcast_generic(%row: memref<8xf32>, %col: memref<4x1xf32>, %o: memref<4x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%row, %col : memref<8xf32>, memref<4x1xf32>) outs(%o : memref<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %s = arith.mulf %x, %y : f32
    linalg.yield %s : f32
  }
  func.return
}

// Reduction: the output element is loaded once, accumulated in an iter_arg, stored once.
// CHECK-LABEL: func.func @row_sum(
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[C8:.*]] = arith.constant 8 : index
// CHECK:         scf.for %[[I:.*]] = %[[C0]] to %[[C4]] step %[[C1]] {
// CHECK-NEXT:      %[[INIT:.*]] = memref.load %o[%[[I]]] : memref<4xf32>
// CHECK-NEXT:      %[[SUM:.*]] = scf.for %[[K:.*]] = %[[C0]] to %[[C8]] step %[[C1]] iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32) {
// CHECK-NEXT:        %[[X:.*]] = memref.load %a[%[[I]], %[[K]]] : memref<4x8xf32>
// CHECK-NEXT:        %[[S:.*]] = arith.addf %[[X]], %[[ACC]] : f32
// CHECK-NEXT:        scf.yield %[[S]] : f32
// CHECK-NEXT:      }
// CHECK-NEXT:      memref.store %[[SUM]], %o[%[[I]]] : memref<4xf32>
// CHECK-NEXT:    }
func.func @row_sum(%a: memref<4x8xf32>, %o: memref<4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%a : memref<4x8xf32>) outs(%o : memref<4xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  }
  func.return
}

// linalg.reduce over dimension 0: the kept dimension outside, the reduced one inside.
// CHECK-LABEL: func.func @reduce_max(
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[C8:.*]] = arith.constant 8 : index
// CHECK:         scf.for %[[J:.*]] = %{{.*}} to %[[C8]] step %{{.*}} {
// CHECK-NEXT:      %[[INIT:.*]] = memref.load %o[%[[J]]] : memref<8xf32>
// CHECK-NEXT:      %[[MAX:.*]] = scf.for %[[K:.*]] = %{{.*}} to %[[C4]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32) {
// CHECK-NEXT:        %[[X:.*]] = memref.load %a[%[[K]], %[[J]]] : memref<4x8xf32>
// CHECK-NEXT:        %[[M:.*]] = arith.maximumf %[[X]], %[[ACC]] : f32
// CHECK-NEXT:        scf.yield %[[M]] : f32
// CHECK-NEXT:      }
// CHECK-NEXT:      memref.store %[[MAX]], %o[%[[J]]] : memref<8xf32>
func.func @reduce_max(%a: memref<4x8xf32>, %o: memref<8xf32>) {
  linalg.reduce ins(%a : memref<4x8xf32>) outs(%o : memref<8xf32>) dimensions = [0]
  (%x: f32, %acc: f32) {
    %m = arith.maximumf %x, %acc : f32
    linalg.yield %m : f32
  }
  func.return
}

// CHECK-LABEL: func.func @broadcast(
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:      scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:        %[[X:.*]] = memref.load %a[%[[J]]] : memref<8xf32>
// CHECK-NEXT:        memref.store %[[X]], %o[%[[I]], %[[J]]] : memref<4x8xf32>
func.func @broadcast(%a: memref<8xf32>, %o: memref<4x8xf32>) {
  linalg.broadcast ins(%a : memref<8xf32>) outs(%o : memref<4x8xf32>) dimensions = [0]
  func.return
}

// Fill: stores only; the output is never loaded.
// CHECK-LABEL: func.func @fill(
// CHECK:         %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:      scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:        memref.store %[[ZERO]], %o[%[[I]], %[[J]]] : memref<4x8xf32>
// CHECK-NEXT:      }
func.func @fill(%o: memref<4x8xf32>) {
  %zero = arith.constant 0.000000e+00 : f32
  linalg.fill ins(%zero : f32) outs(%o : memref<4x8xf32>)
  func.return
}

// Copy into a column-major buffer: the inner loop walks its unit-stride dimension 0.
// CHECK-LABEL: func.func @copy(
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[C8:.*]] = arith.constant 8 : index
// CHECK:         scf.for %[[J:.*]] = %{{.*}} to %[[C8]] step %{{.*}} {
// CHECK-NEXT:      scf.for %[[I:.*]] = %{{.*}} to %[[C4]] step %{{.*}} {
// CHECK-NEXT:        %[[X:.*]] = memref.load %a[%[[I]], %[[J]]] : memref<4x8xf32>
// CHECK-NEXT:        memref.store %[[X]], %o[%[[I]], %[[J]]] : memref<4x8xf32, strided<[1, 4]>>
func.func @copy(%a: memref<4x8xf32>, %o: memref<4x8xf32, strided<[1, 4]>>) {
  linalg.copy ins(%a : memref<4x8xf32>) outs(%o : memref<4x8xf32, strided<[1, 4]>>)
  func.return
}

// Transpose: loops follow the output, so stores are unit-stride and loads are strided.
// CHECK-LABEL: func.func @transpose(
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[C8:.*]] = arith.constant 8 : index
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %[[C8]] step %{{.*}} {
// CHECK-NEXT:      scf.for %[[J:.*]] = %{{.*}} to %[[C4]] step %{{.*}} {
// CHECK-NEXT:        %[[X:.*]] = memref.load %a[%[[J]], %[[I]]] : memref<4x8xf32>
// CHECK-NEXT:        memref.store %[[X]], %o[%[[I]], %[[J]]] : memref<8x4xf32>
func.func @transpose(%a: memref<4x8xf32>, %o: memref<8x4xf32>) {
  linalg.transpose ins(%a : memref<4x8xf32>) outs(%o : memref<8x4xf32>) permutation = [1, 0]
  func.return
}

// Matmul: tile loops i0 (64), k0 (256), j0 (128), then point loops i, k, j; A[i, k] is loaded
// once per k, and the inner loop walks a row of B and C. Sizes are multiples of the tiles: no minsi.
// CHECK-LABEL: func.func @matmul(
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG:     %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG:     %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG:     %[[C512:.*]] = arith.constant 512 : index
// CHECK:         scf.for %[[I0:.*]] = %[[C0]] to %[[C128]] step %[[C64]] {
// CHECK-NEXT:      %[[IE:.*]] = arith.addi %[[I0]], %[[C64]] : index
// CHECK-NEXT:      scf.for %[[K0:.*]] = %[[C0]] to %[[C512]] step %[[C256]] {
// CHECK-NEXT:        %[[KE:.*]] = arith.addi %[[K0]], %[[C256]] : index
// CHECK-NEXT:        scf.for %[[J0:.*]] = %[[C0]] to %[[C256]] step %[[C128]] {
// CHECK-NEXT:          %[[JE:.*]] = arith.addi %[[J0]], %[[C128]] : index
// CHECK-NEXT:          scf.for %[[I:.*]] = %[[I0]] to %[[IE]] step %[[C1]] {
// CHECK-NEXT:            scf.for %[[K:.*]] = %[[K0]] to %[[KE]] step %[[C1]] {
// CHECK-NEXT:              %[[A:.*]] = memref.load %a[%[[I]], %[[K]]] : memref<128x512xf32>
// CHECK-NEXT:              scf.for %[[J:.*]] = %[[J0]] to %[[JE]] step %[[C1]] {
// CHECK-NEXT:                %[[B:.*]] = memref.load %b[%[[K]], %[[J]]] : memref<512x256xf32>
// CHECK-NEXT:                %[[C:.*]] = memref.load %c[%[[I]], %[[J]]] : memref<128x256xf32>
// CHECK-NEXT:                %[[P:.*]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK-NEXT:                %[[S:.*]] = arith.addf %[[P]], %[[C]] : f32
// CHECK-NEXT:                memref.store %[[S]], %c[%[[I]], %[[J]]] : memref<128x256xf32>
// CHECK-NOT:     arith.minsi
func.func @matmul(%a: memref<128x512xf32>, %b: memref<512x256xf32>, %c: memref<128x256xf32>) {
  linalg.matmul ins(%a, %b : memref<128x512xf32>, memref<512x256xf32>) outs(%c : memref<128x256xf32>)
  func.return
}

// Ragged tiles end at min(start + tile, size); a dimension that fits in one tile (N = 32) is not tiled.
// CHECK-LABEL: func.func @matmul_ragged(
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG:     %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG:     %[[C100:.*]] = arith.constant 100 : index
// CHECK-DAG:     %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG:     %[[C300:.*]] = arith.constant 300 : index
// CHECK:         scf.for %[[I0:.*]] = %[[C0]] to %[[C100]] step %[[C64]] {
// CHECK-NEXT:      %[[IT:.*]] = arith.addi %[[I0]], %[[C64]] : index
// CHECK-NEXT:      %[[IE:.*]] = arith.minsi %[[IT]], %[[C100]] : index
// CHECK-NEXT:      scf.for %[[K0:.*]] = %[[C0]] to %[[C300]] step %[[C256]] {
// CHECK-NEXT:        %[[KT:.*]] = arith.addi %[[K0]], %[[C256]] : index
// CHECK-NEXT:        %[[KE:.*]] = arith.minsi %[[KT]], %[[C300]] : index
// CHECK-NEXT:        scf.for %[[I:.*]] = %[[I0]] to %[[IE]] step %{{.*}} {
// CHECK-NEXT:          scf.for %[[K:.*]] = %[[K0]] to %[[KE]] step %{{.*}} {
// CHECK-NEXT:            memref.load %a[%[[I]], %[[K]]] : memref<100x300xf32>
// CHECK-NEXT:            scf.for %[[J:.*]] = %[[C0]] to %[[C32]] step %{{.*}} {
func.func @matmul_ragged(%a: memref<100x300xf32>, %b: memref<300x32xf32>, %c: memref<100x32xf32>) {
  linalg.matmul ins(%a, %b : memref<100x300xf32>, memref<300x32xf32>) outs(%c : memref<100x32xf32>)
  func.return
}

// Batch matmul as a generic, dynamic sizes: the batch loop outside, every tile clamped.
// CHECK-LABEL: func.func @batch_matmul(
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[NB:.*]] = memref.dim %a, %[[C0]] : memref<?x?x?xf32>
// CHECK-DAG:     %[[NM:.*]] = memref.dim %a, %[[C1]] : memref<?x?x?xf32>
// CHECK-DAG:     %[[NK:.*]] = memref.dim %a, %[[C2]] : memref<?x?x?xf32>
// CHECK-DAG:     %[[NN:.*]] = memref.dim %b, %[[C2]] : memref<?x?x?xf32>
// CHECK:         scf.for %[[BI:.*]] = %[[C0]] to %[[NB]] step %[[C1]] {
// CHECK-NEXT:      scf.for %[[I0:.*]] = %[[C0]] to %[[NM]] step %{{.*}} {
// CHECK-NEXT:        %[[IT:.*]] = arith.addi %[[I0]], %{{.*}} : index
// CHECK-NEXT:        %[[IE:.*]] = arith.minsi %[[IT]], %[[NM]] : index
// CHECK-NEXT:        scf.for %[[K0:.*]] = %[[C0]] to %[[NK]] step %{{.*}} {
// CHECK-NEXT:          %[[KT:.*]] = arith.addi %[[K0]], %{{.*}} : index
// CHECK-NEXT:          %[[KE:.*]] = arith.minsi %[[KT]], %[[NK]] : index
// CHECK-NEXT:          scf.for %[[J0:.*]] = %[[C0]] to %[[NN]] step %{{.*}} {
// CHECK-NEXT:            %[[JT:.*]] = arith.addi %[[J0]], %{{.*}} : index
// CHECK-NEXT:            %[[JE:.*]] = arith.minsi %[[JT]], %[[NN]] : index
// CHECK-NEXT:            scf.for %[[I:.*]] = %[[I0]] to %[[IE]] step %[[C1]] {
// CHECK-NEXT:              scf.for %[[K:.*]] = %[[K0]] to %[[KE]] step %[[C1]] {
// CHECK-NEXT:                %[[A:.*]] = memref.load %a[%[[BI]], %[[I]], %[[K]]] : memref<?x?x?xf32>
// CHECK-NEXT:                scf.for %[[J:.*]] = %[[J0]] to %[[JE]] step %[[C1]] {
// CHECK-NEXT:                  %[[B:.*]] = memref.load %b[%[[BI]], %[[K]], %[[J]]] : memref<?x?x?xf32>
// CHECK-NEXT:                  %[[C:.*]] = memref.load %c[%[[BI]], %[[I]], %[[J]]] : memref<?x?x?xf32>
// CHECK-NEXT:                  %[[P:.*]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK-NEXT:                  %[[S:.*]] = arith.addf %[[C]], %[[P]] : f32
// CHECK-NEXT:                  memref.store %[[S]], %c[%[[BI]], %[[I]], %[[J]]] : memref<?x?x?xf32>
func.func @batch_matmul(%a: memref<?x?x?xf32>, %b: memref<?x?x?xf32>, %c: memref<?x?x?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%a, %b : memref<?x?x?xf32>, memref<?x?x?xf32>) outs(%c : memref<?x?x?xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  func.return
}

// Dynamic shapes: bounds from memref.dim; the per-row operand is loaded outside the inner loop.
// CHECK-LABEL: func.func @dynamic(
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[M:.*]] = memref.dim %a, %[[C0]] : memref<?x?xf32>
// CHECK-DAG:     %[[N:.*]] = memref.dim %a, %[[C1]] : memref<?x?xf32>
// CHECK:         scf.for %[[I:.*]] = %[[C0]] to %[[M]] step %[[C1]] {
// CHECK-NEXT:      %[[Y:.*]] = memref.load %b[%[[I]]] : memref<?xf32>
// CHECK-NEXT:      scf.for %[[J:.*]] = %[[C0]] to %[[N]] step %[[C1]] {
// CHECK-NEXT:        %[[X:.*]] = memref.load %a[%[[I]], %[[J]]] : memref<?x?xf32>
// CHECK-NEXT:        %[[S:.*]] = arith.subf %[[X]], %[[Y]] : f32
// CHECK-NEXT:        memref.store %[[S]], %o[%[[I]], %[[J]]] : memref<?x?xf32>
func.func @dynamic(%a: memref<?x?xf32>, %b: memref<?xf32>, %o: memref<?x?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a, %b : memref<?x?xf32>, memref<?xf32>) outs(%o : memref<?x?xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %s = arith.subf %x, %y : f32
    linalg.yield %s : f32
  }
  func.return
}
