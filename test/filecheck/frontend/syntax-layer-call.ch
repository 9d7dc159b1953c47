// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-layer-call.ch:6:16: error: expected '(' after layer 'flatten' (write 'flatten(...)'), found newline
model M {
    layers {
        dense(4, 2)
        flatten
    }
}
