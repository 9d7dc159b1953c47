// RUN: charlc %s -p convert-charl-to-linalg | filecheck %s

// Elementwise ops on tensors: one linalg.generic with identity maps into a tensor.empty.
// CHECK-LABEL: func.func @add(
// CHECK-NEXT:    %[[E:.*]] = tensor.empty() : tensor<4x8xf32>
// CHECK-NEXT:    %[[Z:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %y : tensor<4x8xf32>, tensor<4x8xf32>) outs(%[[E]] : tensor<4x8xf32>) {
// CHECK-NEXT:    ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[S:.*]] = arith.addf %[[A]], %[[B]] : f32
// CHECK-NEXT:      linalg.yield %[[S]] : f32
// CHECK-NEXT:    } -> tensor<4x8xf32>
// CHECK-NEXT:    func.return %[[Z]] : tensor<4x8xf32>
func.func @add(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %z = charl.add %x, %y : tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}

// A `?` dimension of the result takes its extent from an operand.
// CHECK-LABEL: func.func @dynamic(
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[D:.*]] = tensor.dim %x, %[[C0]] : tensor<?x4xf32>
// CHECK-NEXT:    %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?x4xf32>
// CHECK-NEXT:    linalg.generic {{.*}} ins(%x : tensor<?x4xf32>) outs(%[[E]] : tensor<?x4xf32>) {
// CHECK:           math.exp
func.func @dynamic(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %e = charl.exp %x : tensor<?x4xf32>
  func.return %e : tensor<?x4xf32>
}

// Operands whose `?` dims agree with the result's static ones are checked at run time, then cast
// to the result's shape.
// CHECK-LABEL: func.func @mixed_dims(
// CHECK:         %[[N:.*]] = tensor.dim %x, %{{.*}} : tensor<?x4xf32>
// CHECK:         func.call @charl_rt_check_dim(
// CHECK-NEXT:    %[[X:.*]] = tensor.cast %x : tensor<?x4xf32> to tensor<3x4xf32>
// CHECK-NEXT:    %[[E:.*]] = tensor.empty() : tensor<3x4xf32>
// CHECK-NEXT:    linalg.generic {{.*}} ins(%[[X]], %y : tensor<3x4xf32>, tensor<3x4xf32>) outs(%[[E]] : tensor<3x4xf32>)
// CHECK:           arith.mulf
func.func @mixed_dims(%x: tensor<?x4xf32>, %y: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %z = charl.mul %x, %y : (tensor<?x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>)
  func.return %z : tensor<3x4xf32>
}

// Scalar ops become arith/math ops directly.
// CHECK-LABEL: func.func @scalars(
// CHECK-NEXT:    %[[S:.*]] = arith.addf %a, %b : f32
// CHECK-NEXT:    %[[R:.*]] = arith.remf %a, %b : f32
// CHECK-NEXT:    %[[P:.*]] = math.powf %a, %b : f32
// CHECK-NEXT:    %[[D:.*]] = arith.divsi %i, %j : i32
// CHECK-NEXT:    %[[M:.*]] = arith.remsi %i, %j : i32
// CHECK-NEXT:    %[[MAX:.*]] = arith.maxsi %i, %j : i32
// CHECK-NEXT:    %[[MIN:.*]] = arith.minimumf %a, %b : f32
// CHECK-NEXT:    %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:    %[[N:.*]] = arith.negf %[[S]] : f32
// CHECK-NEXT:    %[[X:.*]] = math.exp %[[N]] : f32
// CHECK-NEXT:    %[[Q:.*]] = arith.addf %[[ONE]], %[[X]] : f32
// CHECK-NEXT:    %[[G:.*]] = arith.divf %[[ONE]], %[[Q]] : f32
// CHECK-NEXT:    func.return %[[S]], %[[R]], %[[P]], %[[D]], %[[M]], %[[MAX]], %[[MIN]], %[[G]] : f32, f32, f32, i32, i32, i32, f32, f32
func.func @scalars(%a: f32, %b: f32, %i: i32, %j: i32) -> (f32, f32, f32, i32, i32, i32, f32, f32) {
  %s = charl.add %a, %b : f32
  %r = charl.rem %a, %b : f32
  %p = charl.pow %a, %b : f32
  %d = charl.div %i, %j : i32
  %m = charl.rem %i, %j : i32
  %mx = charl.maximum %i, %j : i32
  %mn = charl.minimum %a, %b : f32
  %g = charl.sigmoid %s : f32
  func.return %s, %r, %p, %d, %m, %mx, %mn, %g : f32, f32, f32, i32, i32, i32, f32, f32
}

// Integer power by squaring in an scf.while; a negative exponent selects 1, +-1 or 0.
// CHECK-LABEL: func.func @int_pow(
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-DAG:     %[[ONE:.*]] = arith.constant 1 : i64
// CHECK:         %[[POW:.*]], %{{.*}}, %{{.*}} = scf.while (%[[ACC:.*]] = %[[ONE]], %[[B:.*]] = %a, %[[N:.*]] = %n) : (i64, i64, i64) -> (i64, i64, i64) {
// CHECK-NEXT:      %[[MORE:.*]] = arith.cmpi sgt, %[[N]], %[[ZERO]] : i64
// CHECK-NEXT:      scf.condition(%[[MORE]]) %[[ACC]], %[[B]], %[[N]] : i64, i64, i64
// CHECK-NEXT:    } do {
// CHECK-NEXT:    ^bb0(%[[ACC2:.*]]: i64, %[[B2:.*]]: i64, %[[N2:.*]]: i64):
// CHECK-NEXT:      %[[BIT:.*]] = arith.andi %[[N2]], %[[ONE]] : i64
// CHECK-NEXT:      %[[ODD:.*]] = arith.cmpi ne, %[[BIT]], %[[ZERO]] : i64
// CHECK-NEXT:      %[[PROD:.*]] = arith.muli %[[ACC2]], %[[B2]] : i64
// CHECK-NEXT:      %[[NEXT:.*]] = arith.select %[[ODD]], %[[PROD]], %[[ACC2]] : i64
// CHECK-NEXT:      %[[SQ:.*]] = arith.muli %[[B2]], %[[B2]] : i64
// CHECK-NEXT:      %[[HALF:.*]] = arith.shrsi %[[N2]], %[[ONE]] : i64
// CHECK-NEXT:      scf.yield %[[NEXT]], %[[SQ]], %[[HALF]] : i64, i64, i64
// CHECK-NEXT:    }
// CHECK:         %[[NEG:.*]] = arith.cmpi slt, %n, %{{.*}} : i64
// CHECK-NEXT:    %[[R:.*]] = arith.select %[[NEG]], %{{.*}}, %[[POW]] : i64
// CHECK-NEXT:    func.return %[[R]] : i64
func.func @int_pow(%a: i64, %n: i64) -> i64 {
  %p = charl.pow %a, %n : i64
  func.return %p : i64
}

// Unary float math: gelu (tanh approximation, as x / (1 + exp(-2u))), relu as maximumf,
// round half to even.
// CHECK-LABEL: func.func @unary_float(
// CHECK:         linalg.generic
// CHECK-NEXT:    ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[X2:.*]] = arith.mulf %[[X]], %[[X]] : f32
// CHECK-NEXT:      %[[X3:.*]] = arith.mulf %[[X2]], %[[X]] : f32
// CHECK-NEXT:      %[[K:.*]] = arith.constant 4.471500e-02 : f32
// CHECK-NEXT:      %[[KX3:.*]] = arith.mulf %[[K]], %[[X3]] : f32
// CHECK-NEXT:      %[[IN:.*]] = arith.addf %[[X]], %[[KX3]] : f32
// CHECK-NEXT:      %[[C:.*]] = arith.constant -1.59576917 : f32
// CHECK-NEXT:      %[[M2U:.*]] = arith.mulf %[[C]], %[[IN]] : f32
// CHECK-NEXT:      %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:      %[[E:.*]] = math.exp %[[M2U]] : f32
// CHECK-NEXT:      %[[D:.*]] = arith.addf %[[ONE]], %[[E]] : f32
// CHECK-NEXT:      %[[G:.*]] = arith.divf %[[X]], %[[D]] : f32
// CHECK-NEXT:      linalg.yield %[[G]] : f32
// CHECK:         linalg.generic
// CHECK:           %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:      arith.maximumf %{{.*}}, %[[Z]] : f32
// CHECK:         linalg.generic
// CHECK:           math.roundeven
// CHECK:         linalg.generic
// CHECK:           math.rsqrt
// CHECK:         linalg.generic
// CHECK:           %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:      %[[NX:.*]] = arith.negf %[[IN:.*]] : f32
// CHECK-NEXT:      %[[EX:.*]] = math.exp %[[NX]] : f32
// CHECK-NEXT:      %[[DEN:.*]] = arith.addf %[[ONE]], %[[EX]] : f32
// CHECK-NEXT:      arith.divf %[[IN]], %[[DEN]] : f32
// CHECK:         linalg.generic
// CHECK:           arith.cmpf olt
// CHECK:           arith.cmpf ogt
func.func @unary_float(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %g = charl.gelu %x : tensor<4xf32>
  %r = charl.relu %x : tensor<4xf32>
  %o = charl.round %x : tensor<4xf32>
  %q = charl.rsqrt %x : tensor<4xf32>
  %s = charl.silu %x : tensor<4xf32>
  %n = charl.sign %x : tensor<4xf32>
  func.return %g, %r, %o, %q, %s, %n : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// Unary integer ops; floor, ceil and round of an integer are the integer itself.
// CHECK-LABEL: func.func @unary_int(
// CHECK-NEXT:    %[[Z:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    %[[N:.*]] = arith.subi %[[Z]], %i : i32
// CHECK-NEXT:    %[[A:.*]] = math.absi %[[N]] : i32
// CHECK-NEXT:    %[[Z2:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    %[[R:.*]] = arith.maxsi %[[A]], %[[Z2]] : i32
// CHECK-NEXT:    func.return %[[R]], %i : i32, i32
func.func @unary_int(%i: i32) -> (i32, i32) {
  %n = charl.neg %i : i32
  %a = charl.abs %n : i32
  %r = charl.relu %a : i32
  %f = charl.floor %i : i32
  func.return %r, %f : i32, i32
}

// Logic on i1: and, or, not (xor with true).
// CHECK-LABEL: func.func @logic(
// CHECK:           arith.andi
// CHECK:           arith.ori
// CHECK:           %[[T:.*]] = arith.constant true
// CHECK-NEXT:      arith.xori %{{.*}}, %[[T]] : i1
func.func @logic(%p: tensor<4xi1>, %q: tensor<4xi1>) -> tensor<4xi1> {
  %a = charl.and %p, %q : tensor<4xi1>
  %o = charl.or %a, %q : tensor<4xi1>
  %n = charl.not %o : tensor<4xi1>
  func.return %n : tensor<4xi1>
}

// Comparisons: ordered float predicates (`ne` unordered), signed integers, unsigned i1.
// CHECK-LABEL: func.func @compare(
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<4xi1>
// CHECK-NEXT:    linalg.generic {{.*}} ins(%x, %y : tensor<4xf32>, tensor<4xf32>) outs(%[[E]] : tensor<4xi1>) {
// CHECK-NEXT:    ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: i1):
// CHECK-NEXT:      %[[C:.*]] = arith.cmpf olt, %[[A]], %[[B]] : f32
// CHECK-NEXT:      linalg.yield %[[C]] : i1
// CHECK:         arith.cmpf une, %a, %b : f32
// CHECK-NEXT:    arith.cmpi sge, %i, %j : i32
// CHECK-NEXT:    arith.cmpi ult, %p, %q : i1
func.func @compare(%x: tensor<4xf32>, %y: tensor<4xf32>, %a: f32, %b: f32, %i: i32, %j: i32, %p: i1, %q: i1) -> (tensor<4xi1>, i1, i1, i1) {
  %lt = charl.compare lt %x, %y : tensor<4xf32> -> tensor<4xi1>
  %ne = charl.compare ne %a, %b : f32 -> i1
  %ge = charl.compare ge %i, %j : i32 -> i1
  %bl = charl.compare lt %p, %q : i1 -> i1
  func.return %lt, %ne, %ge, %bl : tensor<4xi1>, i1, i1, i1
}

// CHECK-LABEL: func.func @select(
// CHECK:         linalg.generic {{.*}} ins(%c, %x, %y : tensor<4xi1>, tensor<4xf32>, tensor<4xf32>)
// CHECK-NEXT:    ^bb0(%[[C:.*]]: i1, %[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[S:.*]] = arith.select %[[C]], %[[A]], %[[B]] : f32
// CHECK-NEXT:      linalg.yield %[[S]] : f32
func.func @select(%c: tensor<4xi1>, %x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %s = charl.select %c, %x, %y : tensor<4xi1>, tensor<4xf32>
  func.return %s : tensor<4xf32>
}

// Casts between element types; to i1 is `!= 0`, from i1 is unsigned.
// CHECK-LABEL: func.func @casts(
// CHECK-NEXT:    %[[A:.*]] = arith.sitofp %i : i32 to f32
// CHECK-NEXT:    %[[B:.*]] = arith.fptosi %f : f32 to i64
// CHECK-NEXT:    %[[C:.*]] = arith.extf %f : f32 to f64
// CHECK-NEXT:    %[[D:.*]] = arith.truncf %[[C]] : f64 to f32
// CHECK-NEXT:    %[[E:.*]] = arith.extsi %i : i32 to i64
// CHECK-NEXT:    %[[F:.*]] = arith.trunci %[[E]] : i64 to i8
// CHECK-NEXT:    %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:    %[[G:.*]] = arith.cmpf une, %f, %[[Z]] : f32
// CHECK-NEXT:    %[[ZI:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    %[[H:.*]] = arith.cmpi ne, %i, %[[ZI]] : i32
// CHECK-NEXT:    %[[K:.*]] = arith.uitofp %[[G]] : i1 to f32
// CHECK-NEXT:    %[[L:.*]] = arith.extui %[[H]] : i1 to i32
// CHECK-NEXT:    func.return %[[A]], %[[B]], %[[D]], %[[F]], %[[K]], %[[L]], %i : f32, i64, f32, i8, f32, i32, i32
func.func @casts(%i: i32, %f: f32) -> (f32, i64, f32, i8, f32, i32, i32) {
  %a = charl.cast %i : i32 to f32
  %b = charl.cast %f : f32 to i64
  %c = charl.cast %f : f32 to f64
  %d = charl.cast %c : f64 to f32
  %e = charl.cast %i : i32 to i64
  %g = charl.cast %e : i64 to i8
  %h = charl.cast %f : f32 to i1
  %k = charl.cast %i : i32 to i1
  %l = charl.cast %h : i1 to f32
  %m = charl.cast %k : i1 to i32
  %n = charl.cast %i : i32 to i32
  func.return %a, %b, %d, %g, %l, %m, %n : f32, i64, f32, i8, f32, i32, i32
}

// A tensor cast is one generic.
// CHECK-LABEL: func.func @cast_tensor(
// CHECK:         linalg.generic {{.*}} ins(%x : tensor<2x?xi32>) outs(%{{.*}} : tensor<2x?xf64>)
// CHECK-NEXT:    ^bb0(%[[A:.*]]: i32, %{{.*}}: f64):
// CHECK-NEXT:      %[[F:.*]] = arith.sitofp %[[A]] : i32 to f64
// CHECK-NEXT:      linalg.yield %[[F]] : f64
func.func @cast_tensor(%x: tensor<2x?xi32>) -> tensor<2x?xf64> {
  %f = charl.cast %x : tensor<2x?xi32> to tensor<2x?xf64>
  func.return %f : tensor<2x?xf64>
}

// Constants and stop_gradient (the identity).
// CHECK-LABEL: func.func @constants(
// CHECK-NEXT:    %[[T:.*]] = arith.constant dense<1.500000e+00> : tensor<2x3xf32>
// CHECK-NEXT:    %[[S:.*]] = arith.constant 7 : i32
// CHECK-NEXT:    %[[B:.*]] = arith.constant true
// CHECK-NEXT:    func.return %[[T]], %[[S]], %[[B]], %x : tensor<2x3xf32>, i32, i1, tensor<3xf32>
func.func @constants(%x: tensor<3xf32>) -> (tensor<2x3xf32>, i32, i1, tensor<3xf32>) {
  %t = charl.constant dense<1.5> : tensor<2x3xf32>
  %s = charl.constant 7 : i32
  %b = charl.constant true
  %g = charl.stop_gradient %x : tensor<3xf32>
  func.return %t, %s, %b, %g : tensor<2x3xf32>, i32, i1, tensor<3xf32>
}

// Ops inside scf regions are lowered too; the loop keeps its tensor values.
// CHECK-LABEL: func.func @in_scf(
// CHECK:         scf.for %{{.*}} = %lo to %hi step %st iter_args(%[[ACC:.*]] = %x) -> (tensor<4xf32>) {
// CHECK:           %[[N:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %x : tensor<4xf32>, tensor<4xf32>)
// CHECK:           scf.yield %[[N]] : tensor<4xf32>
// CHECK:         scf.if %c -> (f32) {
// CHECK-NEXT:      %[[L:.*]] = math.log %a : f32
// CHECK-NEXT:      scf.yield %[[L]] : f32
// CHECK-NEXT:    } else {
// CHECK-NEXT:      %[[Q:.*]] = math.sqrt %a : f32
// CHECK-NEXT:      scf.yield %[[Q]] : f32
// CHECK-NOT:     charl.
func.func @in_scf(%x: tensor<4xf32>, %lo: index, %hi: index, %st: index, %c: i1, %a: f32) -> (tensor<4xf32>, f32) {
  %r = scf.for %i = %lo to %hi step %st iter_args(%acc = %x) -> (tensor<4xf32>) {
    %n = charl.add %acc, %x : tensor<4xf32>
    scf.yield %n : tensor<4xf32>
  }
  %v = scf.if %c -> (f32) {
    %l = charl.log %a : f32
    scf.yield %l : f32
  } else {
    %q = charl.sqrt %a : f32
    scf.yield %q : f32
  }
  func.return %r, %v : tensor<4xf32>, f32
}
