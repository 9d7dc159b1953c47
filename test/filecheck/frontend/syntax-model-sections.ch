// RUN: not charlc %s --emit=mlir 2>&1 | filecheck %s
// CHECK: {{.*}}syntax-model-sections.ch:7:5: error: model 'M' has both 'layers' and 'params'; a model has one or the other
model M {
    layers {
        dense(4, 2)
    }
    params {
        w: tensor<float32, [2]>
    }
}
