// RUN: charlc %s -p convert-charl-to-linalg | filecheck %s

// conv2d with padding: the input is copied into a zero-filled bigger tensor; one generic sums over
// (c, ky, kx) at (y * stride + ky, x * stride + kx); a second adds the bias per output channel.
// CHECK-LABEL: func.func @conv(
// CHECK-SAME:    %[[X:.*]]: tensor<2x3x6x6xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK:         %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:    %[[BIG:.*]] = tensor.empty() : tensor<2x3x8x8xf32>
// CHECK-NEXT:    %[[ZEROS:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[BIG]] : tensor<2x3x8x8xf32>) -> tensor<2x3x8x8xf32>
// CHECK-NEXT:    %[[PAD:.*]] = tensor.insert_slice %[[X]] into %[[ZEROS]][0, 0, 1, 1] [2, 3, 6, 6] [1, 1, 1, 1] : tensor<2x3x6x6xf32> into tensor<2x3x8x8xf32>
// CHECK:         %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x4x3x3xf32>) -> tensor<2x4x3x3xf32>
// CHECK-NEXT:    %[[SUM:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, ((d2 * 2) + d5), ((d3 * 2) + d6))>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[PAD]], %[[W]] : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>) outs(%[[INIT]] : tensor<2x4x3x3xf32>) {
// CHECK-NEXT:    ^{{.*}}(%[[XV:.*]]: f32, %[[WV:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT:      %[[P:.*]] = arith.mulf %[[XV]], %[[WV]] : f32
// CHECK-NEXT:      %[[S:.*]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK-NEXT:      linalg.yield %[[S]] : f32
// CHECK-NEXT:    } -> tensor<2x4x3x3xf32>
// CHECK-NEXT:    %[[OUT:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[B]] : tensor<4xf32>) outs(%[[SUM]] : tensor<2x4x3x3xf32>) {
// CHECK-NEXT:    ^{{.*}}(%[[BV:.*]]: f32, %[[YV:.*]]: f32):
// CHECK-NEXT:      %[[R:.*]] = arith.addf %[[YV]], %[[BV]] : f32
// CHECK-NEXT:      linalg.yield %[[R]] : f32
// CHECK-NEXT:    } -> tensor<2x4x3x3xf32>
// CHECK-NEXT:    func.return %[[OUT]] : tensor<2x4x3x3xf32>
func.func @conv(%x: tensor<2x3x6x6xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<2x4x3x3xf32> {
  %y = charl.conv2d %x, %w, %b {stride = 2 : i64, padding = 1 : i64} : tensor<2x3x6x6xf32>, tensor<4x3x3x3xf32>, tensor<4xf32> -> tensor<2x4x3x3xf32>
  func.return %y : tensor<2x4x3x3xf32>
}

// Dynamic batch and spatial sizes: the output extent is (H - K) / stride + 1 on index values.
// CHECK-LABEL: func.func @conv_dynamic(
// CHECK:         %[[H:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x3x?x?xf32>
// CHECK:         %[[SPAN:.*]] = arith.subi %[[H]], %{{.*}} : index
// CHECK-NEXT:    %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %[[OH:.*]] = arith.addi %[[SPAN]], %[[ONE]] : index
// CHECK:         tensor.empty(%{{.*}}, %[[OH]], %{{.*}}) : tensor<?x4x?x?xf32>
// CHECK:         iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
func.func @conv_dynamic(%x: tensor<?x3x?x?xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<?x4x?x?xf32> {
  %y = charl.conv2d %x, %w, %b {stride = 1 : i64, padding = 0 : i64} : tensor<?x3x?x?xf32>, tensor<4x3x3x3xf32>, tensor<4xf32> -> tensor<?x4x?x?xf32>
  func.return %y : tensor<?x4x?x?xf32>
}

// max pooling: the window loops walk an empty [k, k] tensor; the init holds -inf.
// CHECK-LABEL: func.func @max_pool(
// CHECK-SAME:    %[[X:.*]]: tensor<1x2x4x4xf32>)
// CHECK:         %[[WIN:.*]] = tensor.empty() : tensor<2x2xf32>
// CHECK-NEXT:    %[[NEGINF:.*]] = arith.constant 0xff800000 : f32
// CHECK:         %[[INIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32)
// CHECK-NEXT:    linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, ((d2 * 2) + d4), ((d3 * 2) + d5))>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[X]], %[[WIN]] : tensor<1x2x4x4xf32>, tensor<2x2xf32>) outs(%[[INIT]] : tensor<1x2x2x2xf32>) {
// CHECK-NEXT:    ^{{.*}}(%[[V:.*]]: f32, %{{.*}}: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT:      %[[M:.*]] = arith.maximumf %[[ACC]], %[[V]] : f32
// CHECK-NEXT:      linalg.yield %[[M]] : f32
func.func @max_pool(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %p = charl.pool2d max %x {kernel = 2 : i64, stride = 2 : i64} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  func.return %p : tensor<1x2x2x2xf32>
}

// avg pooling: a sum into zeros, then a division by kernel * kernel.
// CHECK-LABEL: func.func @avg_pool(
// CHECK:         %[[SUM:.*]] = linalg.generic
// CHECK:           arith.addf
// CHECK:         linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%[[SUM]] : tensor<1x2x1x1xf32>)
// CHECK:           %[[NINE:.*]] = arith.constant 9.000000e+00 : f32
// CHECK-NEXT:      arith.divf %{{.*}}, %[[NINE]] : f32
func.func @avg_pool(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32> {
  %p = charl.pool2d avg %x {kernel = 3 : i64, stride = 2 : i64} : tensor<1x2x4x4xf32> -> tensor<1x2x1x1xf32>
  func.return %p : tensor<1x2x1x1xf32>
}

// random: the key schedule (seed split into 32-bit words, k2 = k0 ^ k1 ^ 0x1BD11BDA) outside the
// generic; inside, the row-major counter, the first round (add, rotate by 13, xor) and, after four
// rounds, the first key injection (x0 += k1, x1 += k2 + 1); uniform scales (x0 >> 8) * 2^-24.
// CHECK-LABEL: func.func @uniform(
// CHECK-SAME:    %[[SEED:.*]]: i64, %[[A:.*]]: f32, %[[B:.*]]: f32)
// CHECK-NEXT:    %[[K0:.*]] = arith.trunci %[[SEED]] : i64 to i32
// CHECK-NEXT:    %[[C32:.*]] = arith.constant 32 : i64
// CHECK-NEXT:    %[[HI:.*]] = arith.shrui %[[SEED]], %[[C32]] : i64
// CHECK-NEXT:    %[[K1:.*]] = arith.trunci %[[HI]] : i64 to i32
// CHECK-NEXT:    %[[X01:.*]] = arith.xori %[[K0]], %[[K1]] : i32
// CHECK-NEXT:    %[[PARITY:.*]] = arith.constant 466688986 : i32
// CHECK-NEXT:    %[[K2:.*]] = arith.xori %[[X01]], %[[PARITY]] : i32
// CHECK-NEXT:    %[[WIDTH:.*]] = arith.subf %[[B]], %[[A]] {charl.exact} : f32
// CHECK-NEXT:    %[[COLS:.*]] = arith.constant 3 : index
// CHECK:         linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%{{.*}} : tensor<2x3xf32>) {
// CHECK-NEXT:    ^{{.*}}(%{{.*}}: f32):
// CHECK-NEXT:      %[[I:.*]] = linalg.index 0 : index
// CHECK-NEXT:      %[[ROW:.*]] = arith.muli %[[I]], %[[COLS]] : index
// CHECK-NEXT:      %[[J:.*]] = linalg.index 1 : index
// CHECK-NEXT:      %[[POS:.*]] = arith.addi %[[ROW]], %[[J]] : index
// CHECK-NEXT:      %[[CTR:.*]] = arith.index_cast %[[POS]] : index to i64
// CHECK-NEXT:      %[[C0:.*]] = arith.trunci %[[CTR]] : i64 to i32
// CHECK:           %[[C1:.*]] = arith.trunci %{{.*}} : i64 to i32
// CHECK-NEXT:      %[[X0:.*]] = arith.addi %[[C0]], %[[K0]] : i32
// CHECK-NEXT:      %[[X1:.*]] = arith.addi %[[C1]], %[[K1]] : i32
// CHECK-NEXT:      %[[Y0:.*]] = arith.addi %[[X0]], %[[X1]] : i32
// CHECK-NEXT:      %[[R13:.*]] = arith.constant 13 : i32
// CHECK-NEXT:      %[[SHL:.*]] = arith.shli %[[X1]], %[[R13]] : i32
// CHECK-NEXT:      %[[R19:.*]] = arith.constant 19 : i32
// CHECK-NEXT:      %[[SHR:.*]] = arith.shrui %[[X1]], %[[R19]] : i32
// CHECK-NEXT:      %[[ROT:.*]] = arith.ori %[[SHL]], %[[SHR]] : i32
// CHECK-NEXT:      %{{.*}} = arith.xori %[[ROT]], %[[Y0]] : i32
// CHECK:           %[[INJ0:.*]] = arith.addi %{{.*}}, %[[K1]] : i32
// CHECK-NEXT:      %[[INJ1:.*]] = arith.addi %{{.*}}, %[[K2]] : i32
// CHECK-NEXT:      %[[S1:.*]] = arith.constant 1 : i32
// CHECK-NEXT:      %{{.*}} = arith.addi %[[INJ1]], %[[S1]] : i32
// CHECK:           %[[F:.*]] = arith.sitofp %{{.*}} : i32 to f32
// CHECK-NEXT:      %[[ULP:.*]] = arith.constant 5.960464{{[0-9]*}}e-08 : f32
// CHECK-NEXT:      %[[U:.*]] = arith.mulf %[[F]], %[[ULP]] {charl.exact} : f32
// CHECK-NEXT:      %[[SC:.*]] = arith.mulf %[[U]], %[[WIDTH]] {charl.exact} : f32
// CHECK-NEXT:      %[[V:.*]] = arith.addf %[[A]], %[[SC]] {charl.exact} : f32
// CHECK-NEXT:      linalg.yield %[[V]] : f32
func.func @uniform(%seed: i64, %a: f32, %b: f32) -> tensor<2x3xf32> {
  %r = charl.random uniform %seed, %a, %b : f32 -> tensor<2x3xf32>
  func.return %r : tensor<2x3xf32>
}

// normal: Box-Muller with log, sqrt and cos of the two words; 20 rounds have 20 rotations.
// CHECK-LABEL: func.func @normal(
// CHECK-COUNT-20: arith.ori
// CHECK-NOT:     arith.ori
// CHECK:         math.log
// CHECK:         math.sqrt
// CHECK:         math.cos
// CHECK:         linalg.yield %{{.*}} : f64
func.func @normal(%seed: i64, %m: f64, %s: f64, %n: index) -> tensor<?xf64> {
  %r = charl.random normal %seed, %m, %s dims(%n) : f64 -> tensor<?xf64>
  func.return %r : tensor<?xf64>
}

// int: low + x0 mod (high - low), unsigned, in 32 bits; a scalar result needs no generic.
// CHECK-LABEL: func.func @int_scalar(
// CHECK-SAME:    %{{.*}}: i64, %[[LO:.*]]: i32, %[[HI:.*]]: i32)
// CHECK:         %[[RANGE:.*]] = arith.subi %[[HI]], %[[LO]] : i32
// CHECK-NOT:     linalg.generic
// CHECK:         %[[REM:.*]] = arith.remui %{{.*}}, %[[RANGE]] : i32
// CHECK-NEXT:    %[[R:.*]] = arith.addi %[[LO]], %[[REM]] : i32
// CHECK-NEXT:    func.return %[[R]] : i32
func.func @int_scalar(%seed: i64, %lo: i32, %hi: i32) -> i32 {
  %r = charl.random int %seed, %lo, %hi : i32 -> i32
  func.return %r : i32
}

// quantize int8 per output channel: max|w| over the rows, scale = max / 127, then the rounded,
// clamped quotient (a zero scale divides by one).
// CHECK-LABEL: func.func @quantize(
// CHECK-SAME:    %[[W:.*]]: tensor<6x4xf32>)
// CHECK:         %[[PEAK:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]} ins(%[[W]] : tensor<6x4xf32>)
// CHECK:           math.absf
// CHECK-NEXT:      arith.maximumf
// CHECK:         %[[SCALE:.*]] = linalg.generic {{.*}} ins(%[[PEAK]] : tensor<4xf32>)
// CHECK:           %[[C127:.*]] = arith.constant 1.270000e+02 : f32
// CHECK-NEXT:      arith.divf %{{.*}}, %[[C127]] : f32
// CHECK:         %[[Q:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%[[W]], %[[SCALE]] : tensor<6x4xf32>, tensor<4xf32>) outs(%{{.*}} : tensor<6x4xi8>)
// CHECK:           arith.cmpf oeq
// CHECK:           arith.select
// CHECK-NEXT:      arith.divf
// CHECK-NEXT:      math.roundeven
// CHECK-NEXT:      %[[LOW:.*]] = arith.constant -1.270000e+02 : f32
// CHECK-NEXT:      arith.maximumf %{{.*}}, %[[LOW]] : f32
// CHECK:           arith.minimumf
// CHECK-NEXT:      %[[I8:.*]] = arith.fptosi %{{.*}} : f32 to i8
// CHECK-NEXT:      linalg.yield %[[I8]] : i8
// CHECK:         func.return %[[Q]], %[[SCALE]] : tensor<6x4xi8>, tensor<4xf32>
func.func @quantize(%w: tensor<6x4xf32>) -> (tensor<6x4xi8>, tensor<4xf32>) {
  %q, %s = charl.quantize int8 %w {axis = 1 : i64} : tensor<6x4xf32> -> tensor<6x4xi8>, tensor<4xf32>
  func.return %q, %s : tensor<6x4xi8>, tensor<4xf32>
}

// int4 with groups of 2 rows: the group maximum reduces an expand_shape [3, 2, 4]; q keeps i4
// elements and reads its scale at (row floordiv 2, col); the clamp is [-8, 7].
// CHECK-LABEL: func.func @quantize_int4(
// CHECK:         %[[E:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0 : i64, 1 : i64], [2 : i64]] output_shape [3, 2, 4] : tensor<6x4xf32> into tensor<3x2x4xf32>
// CHECK:         linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[E]] : tensor<3x2x4xf32>)
// CHECK:         arith.constant 7.000000e+00 : f32
// CHECK:         affine_map<(d0, d1) -> ((d0 floordiv 2), d1)>
// CHECK:           arith.constant -8.000000e+00 : f32
// CHECK:           arith.fptosi %{{.*}} : f32 to i4
// CHECK:         } -> tensor<6x4xi4>
func.func @quantize_int4(%w: tensor<6x4xf32>) -> (tensor<6x4xi4>, tensor<3x4xf32>) {
  %q, %s = charl.quantize int4 %w {axis = 1 : i64, group = 2 : i64} : tensor<6x4xf32> -> tensor<6x4xi4>, tensor<3x4xf32>
  func.return %q, %s : tensor<6x4xi4>, tensor<3x4xf32>
}

// dequantize: float(q) * scale[col].
// CHECK-LABEL: func.func @dequantize(
// CHECK:         linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
// CHECK-NEXT:    ^{{.*}}(%[[Q:.*]]: i8, %[[S:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[F:.*]] = arith.sitofp %[[Q]] : i8 to f32
// CHECK-NEXT:      %[[P:.*]] = arith.mulf %[[F]], %[[S]] : f32
// CHECK-NEXT:      linalg.yield %[[P]] : f32
func.func @dequantize(%q: tensor<6x4xi8>, %s: tensor<4xf32>) -> tensor<6x4xf32> {
  %w = charl.dequantize %q, %s {axis = 1 : i64} : tensor<6x4xi8>, tensor<4xf32> -> tensor<6x4xf32>
  func.return %w : tensor<6x4xf32>
}

// qmatmul per output channel: the sum of x * float(q) over k, then one multiply by scale[n].
// CHECK-LABEL: func.func @qmatmul(
// CHECK-SAME:    %[[X:.*]]: tensor<3x6xf32>, %[[Q:.*]]: tensor<6x4xi8>, %[[S:.*]]: tensor<4xf32>)
// CHECK:         %[[ACC:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[Q]] : tensor<3x6xf32>, tensor<6x4xi8>)
// CHECK-NEXT:    ^{{.*}}(%[[XV:.*]]: f32, %[[QV:.*]]: i8, %[[A:.*]]: f32):
// CHECK-NEXT:      %[[F:.*]] = arith.sitofp %[[QV]] : i8 to f32
// CHECK-NEXT:      %[[P:.*]] = arith.mulf %[[XV]], %[[F]] : f32
// CHECK-NEXT:      %[[SUM:.*]] = arith.addf %[[A]], %[[P]] : f32
// CHECK-NEXT:      linalg.yield %[[SUM]] : f32
// CHECK:         linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%[[S]] : tensor<4xf32>) outs(%[[ACC]] : tensor<3x4xf32>)
func.func @qmatmul(%x: tensor<3x6xf32>, %q: tensor<6x4xi8>, %s: tensor<4xf32>) -> tensor<3x4xf32> {
  %y = charl.qmatmul %x, %q, %s : tensor<3x6xf32>, tensor<6x4xi8>, tensor<4xf32> -> tensor<3x4xf32>
  func.return %y : tensor<3x4xf32>
}

// qmatmul with groups: each term is scaled by scale[k floordiv group, n] inside the sum.
// CHECK-LABEL: func.func @qmatmul_grouped(
// CHECK:         linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> ((d2 floordiv 2), d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-NEXT:    ^{{.*}}(%[[XV:.*]]: f32, %[[QV:.*]]: i4, %[[SV:.*]]: f32, %[[A:.*]]: f32):
// CHECK-NEXT:      %[[F:.*]] = arith.sitofp %[[QV]] : i4 to f32
// CHECK-NEXT:      %[[W:.*]] = arith.mulf %[[F]], %[[SV]] : f32
// CHECK-NEXT:      %[[P:.*]] = arith.mulf %[[XV]], %[[W]] : f32
// CHECK-NEXT:      arith.addf %[[A]], %[[P]] : f32
// CHECK-NOT:     linalg.generic
// CHECK:         func.return
func.func @qmatmul_grouped(%x: tensor<3x6xf32>, %q: tensor<6x4xi4>, %s: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %y = charl.qmatmul %x, %q, %s {group = 2 : i64} : tensor<3x6xf32>, tensor<6x4xi4>, tensor<3x4xf32> -> tensor<3x4xf32>
  func.return %y : tensor<3x4xf32>
}
