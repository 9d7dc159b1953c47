// RUN: charlc %s -p charl-split-argmax | filecheck %s

// convert-charl-to-linalg's argmax over 5000 values: (max, index) pairs into two filled outputs,
// one pass. It becomes the fill of the max right before a maximumf reduction, the fill of the
// indices with INT_MAX right before a minsi reduction over the indices holding the max (or a NaN
// when the max is NaN), and an in-place select that turns INT_MAX (an empty range) into 0.

// CHECK-LABEL: func.func @long(
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[BEST:.*]] : memref<f32>)
// CHECK-NEXT:    linalg.generic {{.*}} ins(%[[X:.*]] : memref<5000xf32>) outs(%[[BEST]] : memref<f32>)
// CHECK:           arith.maximumf
// CHECK:         %[[MAX:.*]] = arith.constant 2147483647 : i32
// CHECK-NEXT:    linalg.fill ins(%[[MAX]] : i32) outs(%[[WHERE:.*]] : memref<i32>)
// CHECK-NEXT:    linalg.generic {{.*}} ins(%[[X]], %[[BEST]] : memref<5000xf32>, memref<f32>) outs(%[[WHERE]] : memref<i32>)
// CHECK:           arith.cmpf oeq
// CHECK:           arith.select
// CHECK:           arith.minsi
// CHECK:         linalg.generic {{.*}} ins(%[[WHERE]] : memref<i32>) outs(%[[WHERE]] : memref<i32>)
// CHECK:           arith.cmpi eq
// CHECK-NOT:     arith.ori
// CHECK:         return
func.func @long(%x: memref<5000xf32>) -> i32 {
  %cst = arith.constant 0xff800000 : f32
  %best = memref.alloc() : memref<f32>
  linalg.fill ins(%cst : f32) outs(%best : memref<f32>)
  %zero = arith.constant 0 : i32
  %where = memref.alloc() : memref<i32>
  linalg.fill ins(%zero : i32) outs(%where : memref<i32>)
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]} ins(%x : memref<5000xf32>) outs(%best, %where : memref<f32>, memref<i32>) {
  ^bb0(%0: f32, %1: f32, %2: i32):
    %3 = linalg.index 0 : index
    %4 = arith.index_cast %3 : index to i32
    %5 = arith.cmpf ogt, %0, %1 : f32
    %6 = arith.cmpf uno, %0, %0 : f32
    %7 = arith.cmpf ord, %1, %1 : f32
    %8 = arith.andi %6, %7 : i1
    %9 = arith.ori %5, %8 : i1
    %10 = arith.select %9, %0, %1 : f32
    %11 = arith.select %9, %4, %2 : i32
    linalg.yield %10, %11 : f32, i32
  }
  %r = memref.load %where[] : memref<i32>
  return %r : i32
}

// A short range (40 values) keeps the one-pass generic.
// CHECK-LABEL: func.func @short(
// CHECK:         arith.ori
// CHECK-NOT:     arith.minsi
func.func @short(%x: memref<40xf32>) -> i32 {
  %cst = arith.constant 0xff800000 : f32
  %best = memref.alloc() : memref<f32>
  linalg.fill ins(%cst : f32) outs(%best : memref<f32>)
  %zero = arith.constant 0 : i32
  %where = memref.alloc() : memref<i32>
  linalg.fill ins(%zero : i32) outs(%where : memref<i32>)
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]} ins(%x : memref<40xf32>) outs(%best, %where : memref<f32>, memref<i32>) {
  ^bb0(%0: f32, %1: f32, %2: i32):
    %3 = linalg.index 0 : index
    %4 = arith.index_cast %3 : index to i32
    %5 = arith.cmpf ogt, %0, %1 : f32
    %6 = arith.cmpf uno, %0, %0 : f32
    %7 = arith.cmpf ord, %1, %1 : f32
    %8 = arith.andi %6, %7 : i1
    %9 = arith.ori %5, %8 : i1
    %10 = arith.select %9, %0, %1 : f32
    %11 = arith.select %9, %4, %2 : i32
    linalg.yield %10, %11 : f32, i32
  }
  %r = memref.load %where[] : memref<i32>
  return %r : i32
}
