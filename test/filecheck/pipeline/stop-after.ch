// RUN: charlc %s --emit=mlir --stop-after=charl | filecheck %s --check-prefix=CHARL
// RUN: charlc %s --emit=mlir --stop-after=charl-opt | filecheck %s --check-prefix=OPT
// RUN: charlc %s --emit=mlir | filecheck %s --check-prefix=OPT
// RUN: charlc %s --emit=mlir --target=gpu | filecheck %s --check-prefix=OPT

// `charl` is irgen's output; `charl-opt` (the default end today) runs canonicalize, cse and dce.

// CHARL-LABEL: func.func @main()
// CHARL:         %[[A:.*]] = charl.constant
// CHARL-NEXT:    %[[B:.*]] = charl.exp %[[A]] : tensor<2xf32>
// CHARL-NEXT:    %[[C:.*]] = charl.exp %[[A]] : tensor<2xf32>
// CHARL-NEXT:    charl.add %[[B]], %[[C]] : tensor<2xf32>

// OPT-LABEL: func.func @main()
// OPT:         %[[A:.*]] = charl.constant
// OPT-NEXT:    %[[B:.*]] = charl.exp %[[A]] : tensor<2xf32>
// OPT-NEXT:    charl.add %[[B]], %[[B]] : tensor<2xf32>
let a = [1.0, 2.0]
let b = exp(a)
let c = exp(a)
print(b + c)
