// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}model-conv-channels.ch:6:9: error: conv2d(4, 8, 3) expects 4 input channels, but the previous layer produces 8
model Cnn {
    layers {
        conv2d(3, 8, 3)
        conv2d(4, 8, 3)
    }
}
