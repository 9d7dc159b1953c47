// RUN: charlc %s -p charl-fuse-loops | filecheck %s

// Softmax after convert-linalg-to-loops: the row maximum, the row sum of exponentials and the
// normalization are three loops over the rows, each touching only its own row of what the others
// write. They become one loop; the views, constants and allocations between them move before it.
// (A buffer written in one loop and touched in another must be the same value or provably apart:
// two arguments may be one array passed twice, so the output here is allocated.)
func.func @softmax(%x: memref<4x8xf32>) -> memref<4x8xf32> {
  %arena = memref.alloc() {alignment = 64 : i64} : memref<128xi8>
  %o0 = arith.constant 0 : index
  %max = memref.view %arena[%o0][] : memref<128xi8> to memref<4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %ninf = arith.constant 0xff800000 : f32
  %zero = arith.constant 0.0 : f32
  scf.for %r = %c0 to %c4 step %c1 {
    %m = scf.for %c = %c0 to %c8 step %c1 iter_args(%acc = %ninf) -> (f32) {
      %v = memref.load %x[%r, %c] : memref<4x8xf32>
      %n = arith.maximumf %v, %acc : f32
      scf.yield %n : f32
    }
    memref.store %m, %max[%r] : memref<4xf32>
  } {charl.parallel}
  %o64 = arith.constant 64 : index
  %sum = memref.view %arena[%o64][] : memref<128xi8> to memref<4xf32>
  %c4b = arith.constant 4 : index
  scf.for %r = %c0 to %c4b step %c1 {
    %m = memref.load %max[%r] : memref<4xf32>
    %s = scf.for %c = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
      %v = memref.load %x[%r, %c] : memref<4x8xf32>
      %d = arith.subf %v, %m : f32
      %e = math.exp %d : f32
      %t = arith.addf %acc, %e : f32
      scf.yield %t : f32
    }
    memref.store %s, %sum[%r] : memref<4xf32>
  } {charl.parallel}
  %y = memref.alloc() : memref<4x8xf32>
  scf.for %r = %c0 to %c4 step %c1 {
    %m = memref.load %max[%r] : memref<4xf32>
    %s = memref.load %sum[%r] : memref<4xf32>
    scf.for %c = %c0 to %c8 step %c1 {
      %v = memref.load %x[%r, %c] : memref<4x8xf32>
      %d = arith.subf %v, %m : f32
      %e = math.exp %d : f32
      %q = arith.divf %e, %s : f32
      memref.store %q, %y[%r, %c] : memref<4x8xf32>
    }
  } {charl.parallel}
  memref.dealloc %arena : memref<128xi8>
  func.return %y : memref<4x8xf32>
}
// CHECK-LABEL: func.func @softmax(
// CHECK:         %sum = memref.view %arena[%o64][] : memref<128xi8> to memref<4xf32>
// CHECK:         %c4b = arith.constant 4 : index
// CHECK-NEXT:    %y = memref.alloc() : memref<4x8xf32>
// CHECK-NEXT:    scf.for %[[R:.*]] = %c0 to %c4 step %c1 {
// CHECK:           memref.store %{{.*}}, %max[%[[R]]] : memref<4xf32>
// CHECK:           memref.load %max[%[[R]]] : memref<4xf32>
// CHECK:           memref.store %{{.*}}, %sum[%[[R]]] : memref<4xf32>
// CHECK:           memref.load %sum[%[[R]]] : memref<4xf32>
// CHECK:           memref.store %{{.*}}, %y[%[[R]], %{{.*}}] : memref<4x8xf32>
// CHECK:         } {charl.parallel}
// CHECK-NEXT:    memref.dealloc %arena

// Not fused: a total over all rows (a 0-d buffer) is read by the next loop, which must wait for the
// whole sum; two views of one arena whose bytes overlap (the memory plan reused them); different
// bounds; a call between the loops; a call inside a loop. The parallel mark is dropped when only
// one of two fused loops had it.
func.func @refused(%x: memref<4xf32>, %y: memref<4xf32>, %z: memref<5xf32>) {
  %arena = memref.alloc() {alignment = 64 : i64} : memref<64xi8>
  %o0 = arith.constant 0 : index
  %total = memref.view %arena[%o0][] : memref<64xi8> to memref<f32>
  %a = memref.view %arena[%o0][] : memref<64xi8> to memref<4xf32>
  %o8 = arith.constant 8 : index
  %b = memref.view %arena[%o8][] : memref<64xi8> to memref<4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  scf.for %r = %c0 to %c4 step %c1 {
    %t = memref.load %total[] : memref<f32>
    %v = memref.load %x[%r] : memref<4xf32>
    %s = arith.addf %t, %v : f32
    memref.store %s, %total[] : memref<f32>
  }
  scf.for %r = %c0 to %c4 step %c1 {
    %t = memref.load %total[] : memref<f32>
    memref.store %t, %y[%r] : memref<4xf32>
  }
  scf.for %r = %c0 to %c4 step %c1 {
    %v = memref.load %x[%r] : memref<4xf32>
    memref.store %v, %a[%r] : memref<4xf32>
  } {charl.parallel}
  scf.for %r = %c0 to %c4 step %c1 {
    %v = memref.load %x[%r] : memref<4xf32>
    memref.store %v, %b[%r] : memref<4xf32>
  } {charl.parallel}
  scf.for %r = %c0 to %c5 step %c1 {
    %v = memref.load %z[%r] : memref<5xf32>
    memref.store %v, %z[%r] : memref<5xf32>
  }
  func.call @effect() : () -> ()
  scf.for %r = %c0 to %c5 step %c1 {
    %v = memref.load %z[%r] : memref<5xf32>
    memref.store %v, %z[%r] : memref<5xf32>
  } {charl.parallel}
  scf.for %r = %c0 to %c5 step %c1 {
    %v = memref.load %z[%r] : memref<5xf32>
    memref.store %v, %z[%r] : memref<5xf32>
  }
  scf.for %r = %c0 to %c5 step %c1 {
    func.call @effect() : () -> ()
  }
  func.return
}
func.func private @effect() -> ()
// CHECK-LABEL: func.func @refused(
// CHECK:         scf.for %{{.*}} = %c0 to %c4 step %c1 {
// CHECK:           memref.store %{{.*}}, %total[] : memref<f32>
// CHECK-NEXT:    }
// CHECK-NEXT:    scf.for %{{.*}} = %c0 to %c4 step %c1 {
// CHECK:         } {charl.parallel}
// CHECK-NEXT:    scf.for %{{.*}} = %c0 to %c4 step %c1 {
// CHECK:           memref.store %{{.*}}, %b[%{{.*}}] : memref<4xf32>
// CHECK-NEXT:    } {charl.parallel}
// CHECK-NEXT:    scf.for %{{.*}} = %c0 to %c5 step %c1 {
// CHECK:         }
// CHECK-NEXT:    func.call @effect() : () -> ()
// CHECK-NEXT:    scf.for %[[R:.*]] = %c0 to %c5 step %c1 {
// CHECK-NEXT:      %{{.*}} = memref.load %z[%[[R]]] : memref<5xf32>
// CHECK-NEXT:      memref.store %{{.*}}, %z[%[[R]]] : memref<5xf32>
// CHECK-NEXT:      %{{.*}} = memref.load %z[%[[R]]] : memref<5xf32>
// CHECK-NEXT:      memref.store %{{.*}}, %z[%[[R]]] : memref<5xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    scf.for %{{.*}} = %c0 to %c5 step %c1 {
// CHECK-NEXT:      func.call @effect() : () -> ()
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return
