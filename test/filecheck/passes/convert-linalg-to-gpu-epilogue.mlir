// RUN: charlc %s -p convert-linalg-to-gpu | filecheck %s

// A reduction template followed by an elementwise op on its output alone, in place (the scale
// `absmax / 127` of the activations' quantization): one launch, and lane 0 applies the op to the
// total before it stores it.
func.func @scale(%x: memref<2x768xf32>, %s: memref<2xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%s : memref<2xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : memref<2x768xf32>) outs(%s : memref<2xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %abs = math.absf %a : f32
    %m = arith.maximumf %abs, %acc : f32
    linalg.yield %m : f32
  }
  %q = arith.constant 127.0 : f32
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%s : memref<2xf32>) outs(%s : memref<2xf32>) {
  ^bb0(%v: f32, %o: f32):
    %d = arith.divf %v, %q : f32
    linalg.yield %d : f32
  }
  func.return
}
// CHECK-LABEL: func.func @scale(
// CHECK:         func.call @charl_gpu_launch(
// CHECK-NOT:     func.call @charl_gpu_launch(
// CHECK:         func.return

// An elementwise op that also reads another buffer stays a kernel of its own.
func.func @other(%x: memref<2x768xf32>, %s: memref<2xf32>, %t: memref<2xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : memref<2x768xf32>) outs(%s : memref<2xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %m = arith.addf %a, %acc : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%s, %t : memref<2xf32>, memref<2xf32>) outs(%s : memref<2xf32>) {
  ^bb0(%v: f32, %w: f32, %o: f32):
    %d = arith.divf %v, %w : f32
    linalg.yield %d : f32
  }
  func.return
}
// CHECK-LABEL: func.func @other(
// CHECK-COUNT-2: func.call @charl_gpu_launch(
// CHECK-NOT:     func.call @charl_gpu_launch(
// CHECK:         func.return

// @scale's kernel: lane 0 combines the total, divides it, stores it.
// CHECK:         "gpu.func"()
// CHECK:           memref.load %red[%c0] : memref<256xf32, "workgroup">
// CHECK-NEXT:      arith.constant 0.000000e+00 : f32
// CHECK-NEXT:      %[[T:.*]] = arith.maximumf
// CHECK-NEXT:      %[[Q:.*]] = arith.constant 1.270000e+02 : f32
// CHECK-NEXT:      %[[D:.*]] = arith.divf %[[T]], %[[Q]] : f32
// CHECK-NEXT:      memref.store %[[D]], %{{.*}}[%{{.*}}] : memref<2xf32>
// CHECK:         sym_name = "k0", charl.workgroup_size = 256 : i32, charl.template = "reduce"
