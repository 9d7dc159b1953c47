// RUN: charlc %s --emit=mlir | filecheck %s

model Mlp {
    layers {
        dense(4, 8, activation: relu)
        dropout(0.5)
        dense(8, 2)
    }
}

model Lin {
    params {
        w: tensor<float32, [3, 2]> = xavier_uniform()
        b: tensor<float32, [2]> = zeros()
    }
    fn forward(self, x: tensor<float32, [B, 3]>) -> tensor<float32, [B, 2]> { return x @ self.w + self.b }
}

// CHECK-LABEL: func.func @files(
// CHECK-SAME:      %[[X:.*]]: tensor<2x2xf32>) -> tensor<?x3xf32>
// CHECK-NEXT:    charl.save_npy "out.npy", %[[X]] : tensor<2x2xf32>
// CHECK-NEXT:    %[[Y:.*]] = charl.load_npy "in.npy" : tensor<?x3xf32>
// CHECK-NEXT:    func.return %[[Y]]
fn files(x: tensor<float32, [2, 2]>) -> tensor<float32, [?, 3]> {
    save_npy("out.npy", x)
    let y: tensor<float32, [?, 3]> = load_npy("in.npy")
    return y
}

// CHECK-LABEL: func.func @timing() -> f64
// CHECK-NEXT:    %[[T:.*]] = charl.clock
// CHECK-NEXT:    func.return %[[T]] : f64
fn timing() -> float64 {
    return clock()
}

// CHECK-LABEL: func.func @frozen(
// CHECK-SAME:      %[[W:.*]]: tensor<3xf32>)
// CHECK-NEXT:    %[[S:.*]] = charl.stop_gradient %[[W]] : tensor<3xf32>
// CHECK-NEXT:    charl.mul %[[S]], %[[W]] : tensor<3xf32>
fn frozen(w: tensor<float32, [3]>) -> float32 {
    return sum(stop_gradient(w) * w)
}

// summary prints static text, one line per layer or parameter group and a total; save names the
// arrays by parameter path; parameters(m) is a constant.
// CHECK-LABEL: func.func @models(
// CHECK-SAME:      %[[W0:[a-z0-9_]+]]: tensor<4x8xf32>, %[[B0:[a-z0-9_]+]]: tensor<8xf32>, %[[W2:[a-z0-9_]+]]: tensor<8x2xf32>, %[[B2:[a-z0-9_]+]]: tensor<2xf32>,
// CHECK-NEXT:    charl.print "Mlp"
// CHECK-NEXT:    charl.print "  layer     type                           output shape  params"
// CHECK-NEXT:    charl.print "  layers.0  dense(4, 8, activation: relu)  [?, 8]        40"
// CHECK-NEXT:    charl.print "  layers.1  dropout(0.5)                   [?, 8]        0"
// CHECK-NEXT:    charl.print "  layers.2  dense(8, 2)                    [?, 2]        18"
// CHECK-NEXT:    charl.print "total parameters: 58"
// CHECK-NEXT:    charl.print "Lin"
// CHECK-NEXT:    charl.print "  layer  type   shape   params"
// CHECK-NEXT:    charl.print "  w      param  [3, 2]  6"
// CHECK-NEXT:    charl.print "  b      param  [2]     2"
// CHECK-NEXT:    charl.print "total parameters: 8"
// CHECK-NEXT:    charl.save_npz "mlp.npz" ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"], %[[W0]], %[[B0]], %[[W2]], %[[B2]] : tensor<4x8xf32>, tensor<8xf32>, tensor<8x2xf32>, tensor<2xf32>
// CHECK-NEXT:    %[[N1:.*]] = charl.constant 58 : i32
// CHECK-NEXT:    %[[N2:.*]] = charl.constant 8 : i32
// CHECK-NEXT:    func.return %[[N1]], %[[N2]] : i32, i32
fn models(m: Mlp, l: Lin) -> (int32, int32) {
    summary(m)
    summary(l)
    save(m, "mlp.npz")
    return (parameters(m), parameters(l))
}

// CHECK-LABEL: func.func @restore() -> (tensor<3x2xf32>, tensor<2xf32>)
// CHECK-NEXT:    %[[W:.*]], %[[B:.*]] = charl.load_npz "lin.npz" ["w", "b"] : tensor<3x2xf32>, tensor<2xf32>
// CHECK-NEXT:    func.return %[[W]], %[[B]]
fn restore() -> Lin {
    return load(Lin, "lin.npz")
}

print(files(zeros([2, 2])), timing(), frozen([1.0, 2.0, 3.0]))
print(models(Mlp(seed: 0), Lin(seed: 1)))
let l = restore()
