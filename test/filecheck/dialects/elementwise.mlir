// RUN: charlc %s | charlc - | filecheck %s

// Round trip: every op below parses, verifies and prints back in its custom form, which
// parses again. Ops: constants, elementwise binary and unary ops, compare, select, cast.

// CHECK-LABEL: func.func @constants(
// CHECK-NEXT:    %c = charl.constant dense<[1.000000e+00, 2.500000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %s = charl.constant 5.000000e-01 : f32
// CHECK-NEXT:    %i = charl.constant 3 : i32
// CHECK-NEXT:    %b = charl.constant true
// CHECK-NEXT:    %v = charl.constant dense<[1, 2, 3]> : tensor<3xi64>
// CHECK-NEXT:    func.return %c, %s, %i, %b, %v : tensor<2xf32>, f32, i32, i1, tensor<3xi64>
func.func @constants() -> (tensor<2xf32>, f32, i32, i1, tensor<3xi64>) {
  %c = charl.constant dense<[1.0, 2.5]> : tensor<2xf32>
  %s = charl.constant 5.000000e-01 : f32
  %i = charl.constant 3 : i32
  %b = charl.constant true
  %v = charl.constant dense<[1, 2, 3]> : tensor<3xi64>
  func.return %c, %s, %i, %b, %v : tensor<2xf32>, f32, i32, i1, tensor<3xi64>
}

// CHECK-LABEL: func.func @binary(
// CHECK-NEXT:    %add = charl.add %x, %y : tensor<4xf32>
// CHECK-NEXT:    %sub = charl.sub %x, %y : tensor<4xf32>
// CHECK-NEXT:    %mul = charl.mul %x, %y : tensor<4xf32>
// CHECK-NEXT:    %div = charl.div %n, %n : tensor<?x4xi32>
// CHECK-NEXT:    %rem = charl.rem %k, %k : i64
// CHECK-NEXT:    %pow = charl.pow %x, %y : tensor<4xf32>
// CHECK-NEXT:    %max = charl.maximum %x, %y : tensor<4xf32>
// CHECK-NEXT:    %min = charl.minimum %x, %y : tensor<4xf32>
// CHECK-NEXT:    %and = charl.and %p, %q : tensor<4xi1>
// CHECK-NEXT:    %or = charl.or %p, %q : tensor<4xi1>
// CHECK-NEXT:    func.return
func.func @binary(%x: tensor<4xf32>, %y: tensor<4xf32>, %n: tensor<?x4xi32>, %k: i64, %p: tensor<4xi1>, %q: tensor<4xi1>) {
  %add = charl.add %x, %y : tensor<4xf32>
  %sub = charl.sub %x, %y : tensor<4xf32>
  %mul = charl.mul %x, %y : tensor<4xf32>
  %div = charl.div %n, %n : tensor<?x4xi32>
  %rem = charl.rem %k, %k : i64
  %pow = charl.pow %x, %y : tensor<4xf32>
  %max = charl.maximum %x, %y : tensor<4xf32>
  %min = charl.minimum %x, %y : tensor<4xf32>
  %and = charl.and %p, %q : tensor<4xi1>
  %or = charl.or %p, %q : tensor<4xi1>
  func.return
}

// CHECK-LABEL: func.func @unary(
// CHECK-NEXT:    %neg = charl.neg %x : tensor<2x4xf32>
// CHECK-NEXT:    %abs = charl.abs %i : tensor<4xi32>
// CHECK-NEXT:    %exp = charl.exp %x : tensor<2x4xf32>
// CHECK-NEXT:    %log = charl.log %x : tensor<2x4xf32>
// CHECK-NEXT:    %sqrt = charl.sqrt %d : f64
// CHECK-NEXT:    %rsqrt = charl.rsqrt %x : tensor<2x4xf32>
// CHECK-NEXT:    %sin = charl.sin %x : tensor<2x4xf32>
// CHECK-NEXT:    %cos = charl.cos %x : tensor<2x4xf32>
// CHECK-NEXT:    %tanh = charl.tanh %x : tensor<2x4xf32>
// CHECK-NEXT:    %sigmoid = charl.sigmoid %x : tensor<2x4xf32>
// CHECK-NEXT:    %relu = charl.relu %x : tensor<2x4xf32>
// CHECK-NEXT:    %gelu = charl.gelu %x : tensor<2x4xf32>
// CHECK-NEXT:    %silu = charl.silu %x : tensor<2x4xf32>
// CHECK-NEXT:    %sign = charl.sign %i : tensor<4xi32>
// CHECK-NEXT:    %floor = charl.floor %x : tensor<2x4xf32>
// CHECK-NEXT:    %ceil = charl.ceil %x : tensor<2x4xf32>
// CHECK-NEXT:    %round = charl.round %d : f64
// CHECK-NEXT:    %not = charl.not %p : i1
// CHECK-NEXT:    %sg = charl.stop_gradient %x : tensor<2x4xf32>
// CHECK-NEXT:    func.return
func.func @unary(%x: tensor<2x4xf32>, %d: f64, %i: tensor<4xi32>, %p: i1) {
  %neg = charl.neg %x : tensor<2x4xf32>
  %abs = charl.abs %i : tensor<4xi32>
  %exp = charl.exp %x : tensor<2x4xf32>
  %log = charl.log %x : tensor<2x4xf32>
  %sqrt = charl.sqrt %d : f64
  %rsqrt = charl.rsqrt %x : tensor<2x4xf32>
  %sin = charl.sin %x : tensor<2x4xf32>
  %cos = charl.cos %x : tensor<2x4xf32>
  %tanh = charl.tanh %x : tensor<2x4xf32>
  %sigmoid = charl.sigmoid %x : tensor<2x4xf32>
  %relu = charl.relu %x : tensor<2x4xf32>
  %gelu = charl.gelu %x : tensor<2x4xf32>
  %silu = charl.silu %x : tensor<2x4xf32>
  %sign = charl.sign %i : tensor<4xi32>
  %floor = charl.floor %x : tensor<2x4xf32>
  %ceil = charl.ceil %x : tensor<2x4xf32>
  %round = charl.round %d : f64
  %not = charl.not %p : i1
  %sg = charl.stop_gradient %x : tensor<2x4xf32>
  func.return
}

// CHECK-LABEL: func.func @dynamic_dims(
// CHECK-NEXT:    %mix = charl.add %m, %s : (tensor<?x4xf32>, tensor<3x4xf32>, tensor<?x4xf32>)
// CHECK-NEXT:    %cmp = charl.compare gt %s, %m : (tensor<3x4xf32>, tensor<?x4xf32>) -> tensor<3x4xi1>
// CHECK-NEXT:    func.return
func.func @dynamic_dims(%m: tensor<?x4xf32>, %s: tensor<3x4xf32>) {
  %mix = charl.add %m, %s : (tensor<?x4xf32>, tensor<3x4xf32>, tensor<?x4xf32>)
  %cmp = charl.compare gt %s, %m : (tensor<3x4xf32>, tensor<?x4xf32>) -> tensor<3x4xi1>
  func.return
}

// CHECK-LABEL: func.func @compare_select_cast(
// CHECK-NEXT:    %lt = charl.compare lt %x, %y : tensor<?x4xf32> -> tensor<?x4xi1>
// CHECK-NEXT:    %eq = charl.compare eq %a, %b : f32 -> i1
// CHECK-NEXT:    %ne = charl.compare ne %a, %b : f32 -> i1
// CHECK-NEXT:    %le = charl.compare le %a, %b : f32 -> i1
// CHECK-NEXT:    %gt = charl.compare gt %a, %b : f32 -> i1
// CHECK-NEXT:    %ge = charl.compare ge %a, %b : f32 -> i1
// CHECK-NEXT:    %sel = charl.select %lt, %x, %y : tensor<?x4xi1>, tensor<?x4xf32>
// CHECK-NEXT:    %ssel = charl.select %eq, %a, %b : i1, f32
// CHECK-NEXT:    %int = charl.cast %x : tensor<?x4xf32> to tensor<?x4xi32>
// CHECK-NEXT:    %wide = charl.cast %a : f32 to f64
// CHECK-NEXT:    func.return
func.func @compare_select_cast(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>, %a: f32, %b: f32) {
  %lt = charl.compare lt %x, %y : tensor<?x4xf32> -> tensor<?x4xi1>
  %eq = charl.compare eq %a, %b : f32 -> i1
  %ne = charl.compare ne %a, %b : f32 -> i1
  %le = charl.compare le %a, %b : f32 -> i1
  %gt = charl.compare gt %a, %b : f32 -> i1
  %ge = charl.compare ge %a, %b : f32 -> i1
  %sel = charl.select %lt, %x, %y : tensor<?x4xi1>, tensor<?x4xf32>
  %ssel = charl.select %eq, %a, %b : i1, f32
  %int = charl.cast %x : tensor<?x4xf32> to tensor<?x4xi32>
  %wide = charl.cast %a : f32 to f64
  func.return
}
