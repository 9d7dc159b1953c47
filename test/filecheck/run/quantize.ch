// RUN: charlc run %s --no-cache --quantize=int8 | filecheck %s --check-prefix=INT8
// RUN: not charlc run %s --no-cache --quantize=int4 --group=24 2>&1 | filecheck %s --check-prefix=GROUP
// RUN: charlc quant-report %s --quantize=int4 | filecheck %s --check-prefix=REPORT

// `charlc run --quantize` quantizes every model the program creates; `charlc quant-report`
// prints each dense layer's error, quantized against float32, and the model's output's.

// INT8:      quantized: true
// GROUP:     {{.*}}quantize.ch:22:9: error: --quantize=int4 with group 24: the 64 input features of `layers.0.weight` (tensor<float32, [64, 32]>) do not split into groups of 24; pass --group with a divisor of 64
// REPORT:      quant-report {{.*}}quantize.ch: weights int4 (one scale per 32 input weights), activations int8 per row; quantized against float32
// REPORT-NEXT: layer  {{ *}}shape  {{ *}}kind {{.*}}rel err  max abs err  in model rel  in model max abs
// REPORT:      Mlp.layers.0  [64, 32]  int4/g32  {{[0-9.]+e-0[12]}} {{.*}}
// REPORT-NEXT: Mlp.layers.1  [32, 4]   int4/g32  {{[0-9.]+e-0[12]}} {{.*}}
// REPORT-NEXT: Mlp output    [8, 4]    model {{ *}}- {{ *}}- {{ *}}{{[0-9.]+e-0[12]}} {{.*}}
// REPORT-NEXT: NumPy model of the qgemm kernel vs the compiled kernel: {{[0-9.]+e-(0[6-9]|1[0-9])}} (relative)
model Mlp {
    layers {
        dense(64, 32, activation: relu)
        dense(32, 4)
    }
}
let m = Mlp(seed: 0)
let x = random_normal([8, 64], seed: 1)
let y = m(x)
print("quantized:", max(abs(y - m(x))) == 0.0)
