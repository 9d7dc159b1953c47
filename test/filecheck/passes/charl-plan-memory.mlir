// RUN: charlc %s -p charl-plan-memory | filecheck %s
// RUN: charlc %s -p charl-plan-memory --emit=plan | filecheck %s --check-prefix=PLAN
// RUN: not charlc %s -p 'charl-plan-memory{max_memory=1000}' 2>&1 | filecheck %s --check-prefix=LIMIT

// Two buffers whose live ranges do not intersect share offset 0 of one arena, allocated at entry
// and freed before the return; their deallocs go.
// CHECK-LABEL: func.func @sequential(
// CHECK-NEXT:    %[[ARENA:.*]] = memref.alloc() {alignment = 64 : i64} : memref<512xi8>
// CHECK-NEXT:    %[[C0:offset.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[A:.*]] = memref.view %[[ARENA]][%[[C0]]][] : memref<512xi8> to memref<128xf32>
// CHECK:         %[[C1:offset.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[B:.*]] = memref.view %[[ARENA]][%[[C1]]][] : memref<512xi8> to memref<128xf32>
// CHECK-NOT:     memref.dealloc %[[A]] :
// CHECK-NOT:     memref.dealloc %[[B]] :
// CHECK:         memref.dealloc %[[ARENA]] : memref<512xi8>
// CHECK-NEXT:    func.return
// PLAN:      memory plan of @sequential: arena 512 B in one allocation per call, alignment 64
// PLAN-NEXT:   buffer  type             bytes  live   offset  line  note
// PLAN-NEXT:   %a      memref<128xf32>    512  1..5        0  ?
// PLAN-NEXT:   %b      memref<128xf32>    512  7..10       0  ?
// PLAN-NEXT:   planned peak 512 B (512 bytes); largest live set 512 B (512 bytes): 1.00x
func.func @sequential(%x: f32) -> f32 {
  %a = memref.alloc() : memref<128xf32>
  linalg.fill ins(%x : f32) outs(%a : memref<128xf32>)
  %c0 = arith.constant 0 : index
  %v = memref.load %a[%c0] : memref<128xf32>
  memref.dealloc %a : memref<128xf32>
  %b = memref.alloc() : memref<128xf32>
  linalg.fill ins(%v : f32) outs(%b : memref<128xf32>)
  %w = memref.load %b[%c0] : memref<128xf32>
  memref.dealloc %b : memref<128xf32>
  func.return %w : f32
}

// A buffer used inside a loop stays live for the whole loop, so the loop's own temporary gets
// other bytes; a returned buffer stays an allocation of its own.
// CHECK-LABEL: func.func @loop(
// CHECK-NEXT:    %[[ARENA:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1024xi8>
// CHECK:         memref.view %[[ARENA]][%{{.*}}][] : memref<1024xi8> to memref<128xf32>
// CHECK:         %[[OUT:.*]] = memref.alloc() : memref<4xf32>
// CHECK:         scf.for
// CHECK:           memref.view %[[ARENA]][%{{.*}}][] : memref<1024xi8> to memref<128xf32>
// CHECK-NOT:       memref.dealloc
// CHECK:         }
// CHECK:         memref.dealloc %[[ARENA]] : memref<1024xi8>
// CHECK-NEXT:    func.return %[[OUT]] : memref<4xf32>
// PLAN:      memory plan of @loop: arena 1.0 KiB in one allocation per call, alignment 64
// PLAN:        %a      memref<128xf32>    512  3..16       0  ?
// PLAN-NEXT:   %out    memref<4xf32>       16  6..18    heap  ?     heap: returned to the caller
// PLAN-NEXT:   %t      memref<128xf32>    512  8..13     512  ?
// PLAN-NEXT:   planned peak 1.0 KiB (1040 bytes); largest live set 1.0 KiB (1040 bytes): 1.00x
func.func @loop(%x: f32, %n: index) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc() : memref<128xf32>
  linalg.fill ins(%x : f32) outs(%a : memref<128xf32>)
  %out = memref.alloc() : memref<4xf32>
  scf.for %i = %c0 to %n step %c1 {
    %t = memref.alloc() : memref<128xf32>
    linalg.fill ins(%x : f32) outs(%t : memref<128xf32>)
    %v = memref.load %a[%i] : memref<128xf32>
    memref.store %v, %t[%i] : memref<128xf32>
    %w = memref.load %t[%i] : memref<128xf32>
    memref.store %w, %out[%c0] : memref<4xf32>
    memref.dealloc %t : memref<128xf32>
  }
  memref.dealloc %a : memref<128xf32>
  func.return %out : memref<4xf32>
}

// A buffer an iteration hands to the next one stays on the heap, with its dealloc.
// CHECK-LABEL: func.func @carried(
// CHECK:         scf.for
// CHECK:           %[[NEW:.*]] = memref.alloc() : memref<16xf32>
// CHECK:           memref.dealloc %{{.*}} : memref<16xf32>
// CHECK:           scf.yield %[[NEW]] : memref<16xf32>
// PLAN:      memory plan of @carried: no arena
// PLAN:        %init   memref<16xf32>     64  3..13    heap  ?     heap: may be the same buffer as memory freed at run time
// PLAN-NEXT:   %new    memref<16xf32>     64  7..13    heap  ?     heap: carried across iterations of the scf.for at ?
func.func @carried(%x: f32, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %init = memref.alloc() : memref<16xf32>
  linalg.fill ins(%x : f32) outs(%init : memref<16xf32>)
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> (memref<16xf32>) {
    %new = memref.alloc() : memref<16xf32>
    linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%acc : memref<16xf32>) outs(%new : memref<16xf32>) {
    ^bb0(%p: f32, %q: f32):
      %s = arith.mulf %p, %p : f32
      linalg.yield %s : f32
    }
    memref.dealloc %acc : memref<16xf32>
    scf.yield %new : memref<16xf32>
  }
  %v = memref.load %r[%c0] : memref<16xf32>
  memref.dealloc %r : memref<16xf32>
  func.return %v : f32
}

// An elementwise op whose input dies at it writes into the input's buffer: its own allocation
// goes, and the input's dealloc with it.
// CHECK-LABEL: func.func @in_place(
// CHECK-NEXT:    %[[ARENA:.*]] = memref.alloc() {alignment = 64 : i64} : memref<256xi8>
// CHECK:         %[[A:.*]] = memref.view %[[ARENA]][%{{.*}}][] : memref<256xi8> to memref<8x8xf32>
// CHECK-NEXT:    linalg.fill ins(%{{.*}} : f32) outs(%[[A]] : memref<8x8xf32>)
// CHECK-NEXT:    linalg.generic {{.*}} ins(%[[A]] : memref<8x8xf32>) outs(%[[A]] : memref<8x8xf32>)
// CHECK-NOT:     memref.view
// CHECK:         memref.load %[[A]]
// PLAN:      memory plan of @in_place: arena 256 B in one allocation per call, alignment 64
// PLAN-NEXT:   buffer  type             bytes  live  offset  line  note
// PLAN-NEXT:   %a      memref<8x8xf32>    256  1..8       0  ?     also holds %b at ? (written in place)
func.func @in_place(%x: f32) -> f32 {
  %a = memref.alloc() : memref<8x8xf32>
  linalg.fill ins(%x : f32) outs(%a : memref<8x8xf32>)
  %b = memref.alloc() : memref<8x8xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a : memref<8x8xf32>) outs(%b : memref<8x8xf32>) {
  ^bb0(%p: f32, %q: f32):
    %s = math.exp %p : f32
    linalg.yield %s : f32
  }
  memref.dealloc %a : memref<8x8xf32>
  %c0 = arith.constant 0 : index
  %v = memref.load %b[%c0, %c0] : memref<8x8xf32>
  memref.dealloc %b : memref<8x8xf32>
  func.return %v : f32
}

// LIMIT: {{.*}}charl-plan-memory.mlir: error: charl-plan-memory: @loop needs 1.0 KiB (1040 bytes) of memory at its peak, more than the limit of 1000 B (1000 bytes, --max-memory){{$}}
