// RUN: charlc %s | charlc - | filecheck %s

// Round trip: every op below parses, verifies and prints back in its custom form, which
// parses again. Ops: print, load_npy, save_npy, load_npz, save_npz, clock.

// CHECK-LABEL: func.func @io(
// CHECK-NEXT:    charl.print "step {} loss {}", %step, %loss : i32, f32
// CHECK-NEXT:    charl.print "{{.*}}literal}} done"
// CHECK-NEXT:    %x = charl.load_npy "x.npy" : tensor<100x64xf32>
// CHECK-NEXT:    %y = charl.load_npy "y.npy" : tensor<?x64xf32>
// CHECK-NEXT:    %z = charl.load_npy "z.npy" dims(%n) : tensor<?x64xf32>
// CHECK-NEXT:    charl.save_npy "w.npy", %w : tensor<4x8xf32>
// CHECK-NEXT:    %lw, %lb = charl.load_npz "m.npz" ["l1.w", "l1.b"] : tensor<4x8xf32>, tensor<8xf32>
// CHECK-NEXT:    charl.save_npz "m.npz" ["l1.w", "l1.b"], %w, %b : tensor<4x8xf32>, tensor<8xf32>
// CHECK-NEXT:    %t = charl.clock
// CHECK-NEXT:    func.return
func.func @io(%step: i32, %loss: f32, %w: tensor<4x8xf32>, %b: tensor<8xf32>, %n: index) {
  charl.print "step {} loss {}", %step, %loss : i32, f32
  charl.print "{{literal}} done"
  %x = charl.load_npy "x.npy" : tensor<100x64xf32>
  %y = charl.load_npy "y.npy" : tensor<?x64xf32>
  %z = charl.load_npy "z.npy" dims(%n) : tensor<?x64xf32>
  charl.save_npy "w.npy", %w : tensor<4x8xf32>
  %lw, %lb = charl.load_npz "m.npz" ["l1.w", "l1.b"] : tensor<4x8xf32>, tensor<8xf32>
  charl.save_npz "m.npz" ["l1.w", "l1.b"], %w, %b : tensor<4x8xf32>, tensor<8xf32>
  %t = charl.clock
  func.return
}
