"""The tensor-level programs of the charl-bufferize tests (test_charl_bufferize.py): elementwise
chains, matmul, slices, loops, branches, loop-carried buffers, while loops, calls, views and
reshapes, a view that outlives an update, a tensor read inside a body, and memory from
`bufferization.to_tensor`. `PROGRAMS` lists them all."""

from __future__ import annotations

from bufferize_util import generic

T = "tensor<4x8xf32>"

ELEMENTWISE = f"""
func.func @chain(%a: {T}, %b: {T}) -> {T} {{
  %e = tensor.empty() : {T}
  {generic("%s", [("%a", T), ("%b", T)], ("%e", T), "%v = arith.addf %a0, %a1 : f32", 2)}
  %e2 = tensor.empty() : {T}
  {generic("%x", [("%s", T)], ("%e2", T), "%v = math.exp %a0 : f32", 2)}
  %e3 = tensor.empty() : {T}
  {generic("%p", [("%x", T), ("%s", T)], ("%e3", T), "%v = arith.mulf %a0, %a1 : f32", 2)}
  func.return %p : {T}
}}
"""

MATMUL = """
func.func @mm(%a: tensor<4x8xf32>, %b: tensor<8x3xf32>, %c: tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x3xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %m = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x3xf32>) outs(%f : tensor<4x3xf32>) -> tensor<4x3xf32>
  %acc = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x3xf32>) outs(%c : tensor<4x3xf32>) -> tensor<4x3xf32>
  func.return %m, %acc : tensor<4x3xf32>, tensor<4x3xf32>
}
"""

SLICES = """
func.func private @total(%x: tensor<2x3xf32>) -> f32 {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<f32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>],
      iterator_types = ["reduction", "reduction"]} ins(%x : tensor<2x3xf32>) outs(%f : tensor<f32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  %v = tensor.extract %r[] : tensor<f32>
  func.return %v : f32
}
func.func @slices(%x: tensor<4x8xf32>, %i: index) -> (tensor<4x8xf32>, tensor<4x8xf32>, f32, tensor<2x3xf32>) {
  %s = tensor.extract_slice %x[1, %i] [2, 3] [1, 1] : tensor<4x8xf32> to tensor<2x3xf32>
  %t = func.call @total(%s) : (tensor<2x3xf32>) -> f32
  %e = tensor.empty() : tensor<4x8xf32>
  %z = arith.constant 0.0 : f32
  %zeros = linalg.fill ins(%z : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %kept = tensor.insert_slice %s into %zeros[0, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<4x8xf32>
  %copied = tensor.insert_slice %s into %x[2, 5] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<4x8xf32>
  func.return %kept, %copied, %t, %s : tensor<4x8xf32>, tensor<4x8xf32>, f32, tensor<2x3xf32>
}
"""

V = "tensor<?xf32>"

LOOP = f"""
func.func @loop(%x: {V}, %n: index) -> ({V}, {V}) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r, %q = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x, %keep = %x) -> ({V}, {V}) {{
    %d = tensor.dim %acc, %c0 : {V}
    %e = tensor.empty(%d) : {V}
    {generic("%y", [("%acc", V), ("%x", V)], ("%e", V), "%v = arith.addf %a0, %a1 : f32")}
    scf.yield %y, %x : {V}, {V}
  }}
  func.return %r, %q : {V}, {V}
}}
func.func @nested(%x: {V}, %n: index) -> {V} {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> ({V}) {{
    %inner = scf.for %j = %c0 to %n step %c1 iter_args(%in = %acc) -> ({V}) {{
      %d = tensor.dim %in, %c0 : {V}
      %e = tensor.empty(%d) : {V}
      {generic("%y", [("%in", V)], ("%e", V), "%v = arith.mulf %a0, %a0 : f32")}
      scf.yield %y : {V}
    }}
    scf.yield %inner : {V}
  }}
  func.return %r : {V}
}}
"""

BRANCH = f"""
func.func @branch(%x: {V}, %c: i1) -> ({V}, {V}) {{
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : {V}
  %e = tensor.empty(%d) : {V}
  {generic("%t", [("%x", V)], ("%e", V), "%v = arith.addf %a0, %a0 : f32")}
  %r, %s = scf.if %c -> ({V}, {V}) {{
    %e2 = tensor.empty(%d) : {V}
    {generic("%y", [("%t", V)], ("%e2", V), "%v = arith.mulf %a0, %a0 : f32")}
    scf.yield %y, %t : {V}, {V}
  }} else {{
    scf.yield %x, %x : {V}, {V}
  }}
  func.return %r, %s : {V}, {V}
}}
"""

INC = generic("%s", [("%x", "tensor<4xf32>")], ("%e", "tensor<4xf32>"), "%v = arith.addf %a0, %a0 : f32")

CARRIED = f"""
func.func @swap_and_branch(%a: tensor<4xf32>, %b: tensor<4xf32>, %n: index) -> (tensor<4xf32>, tensor<4xf32>) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%p = %a, %q = %b) -> (tensor<4xf32>, tensor<4xf32>) {{
    %m = arith.remui %i, %c2 : index
    %even = arith.cmpi eq, %m, %c0 : index
    %s = scf.if %even -> (tensor<4xf32>) {{
      %w = func.call @double(%p) : (tensor<4xf32>) -> tensor<4xf32>
      scf.yield %w : tensor<4xf32>
    }} else {{
      scf.yield %p : tensor<4xf32>
    }}
    scf.yield %q, %s : tensor<4xf32>, tensor<4xf32>
  }}
  func.return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}}
func.func private @double(%x: tensor<4xf32>) -> tensor<4xf32> {{
  %e = tensor.empty() : tensor<4xf32>
  {INC}
  func.return %s : tensor<4xf32>
}}
"""

F4 = "tensor<4xf32>"

WHILE = f"""
func.func @grow(%x: {F4}, %limit: f32) -> {F4} {{
  %c0 = arith.constant 0 : index
  %r = scf.while (%v = %x) : ({F4}) -> {F4} {{
    %f = tensor.extract %v[%c0] : {F4}
    %go = arith.cmpf olt, %f, %limit : f32
    scf.condition(%go) %v : {F4}
  }} do {{
  ^bb0(%w: {F4}):
    %e = tensor.empty() : {F4}
    {generic("%y", [("%w", F4)], ("%e", F4), "%v = arith.addf %a0, %a0 : f32")}
    scf.yield %y : {F4}
  }}
  func.return %r : {F4}
}}
"""

F3 = "tensor<3xf32>"

CALLS = f"""
func.func @calls(%x: {F3}) -> ({F3}, {F3}, {F3}, {F3}) {{
  %a, %b, %c = func.call @twice(%x) : ({F3}) -> ({F3}, {F3}, {F3})
  %k = arith.constant dense<[1.0, 2.0, 3.0]> : {F3}
  %d, %unused, %same = func.call @twice(%a) : ({F3}) -> ({F3}, {F3}, {F3})
  %f = arith.constant 9.0 : f32
  %c1 = arith.constant 1 : index
  %k2 = tensor.insert %f into %k[%c1] : {F3}
  func.return %d, %c, %k, %k2 : {F3}, {F3}, {F3}, {F3}
}}
func.func private @twice(%x: {F3}) -> ({F3}, {F3}, {F3}) {{
  %e = tensor.empty() : {F3}
  {generic("%y", [("%x", F3)], ("%e", F3), "%v = arith.addf %a0, %a0 : f32")}
  func.return %y, %y, %x : {F3}, {F3}, {F3}
}}
"""

D2 = "tensor<?x3xf32>"

SHAPES = f"""
func.func @shapes(%x: tensor<4x6xf32>, %n: index)
    -> (tensor<?x3xf32>, tensor<2x12xf32>, f32, tensor<2x2xf32>, tensor<3x4xf32>) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %view = tensor.extract_slice %x[0, 1] [4, 3] [1, 2] : tensor<4x6xf32> to tensor<4x3xf32>
  %flat = tensor.collapse_shape %view [[0, 1]] : tensor<4x3xf32> into tensor<12xf32>
  %wide = tensor.expand_shape %flat [[0, 1]] output_shape [2, 6] : tensor<12xf32> into tensor<2x6xf32>
  %rows = tensor.extract_slice %x[0, 0] [2, 6] [1, 1] : tensor<4x6xf32> to tensor<2x6xf32>
  %both = tensor.empty() : tensor<2x12xf32>
  %l = tensor.insert_slice %wide into %both[0, 0] [2, 6] [1, 1] : tensor<2x6xf32> into tensor<2x12xf32>
  %lr = tensor.insert_slice %rows into %l[0, 6] [2, 6] [1, 1] : tensor<2x6xf32> into tensor<2x12xf32>
  %dyn = tensor.extract_slice %view[1, 0] [%n, 3] [1, 1] : tensor<4x3xf32> to tensor<?x3xf32>
  %d = tensor.dim %dyn, %c0 : tensor<?x3xf32>
  %e = tensor.empty(%d) : tensor<?x3xf32>
  {generic("%neg", [("%dyn", D2)], ("%e", D2), "%v = arith.negf %a0 : f32", 2)}
  %v = tensor.extract %view[%c1, %c1] : tensor<4x3xf32>
  %two = arith.constant 2.0 : f32
  %small = tensor.from_elements %v, %two, %v, %v : tensor<2x2xf32>
  %cast = tensor.cast %small : tensor<2x2xf32> to tensor<?x2xf32>
  %back = tensor.cast %cast : tensor<?x2xf32> to tensor<2x2xf32>
  %set = tensor.insert %two into %back[%c1, %c1] : tensor<2x2xf32>
  %mid = tensor.extract_slice %x[1, 0] [2, 6] [1, 1] : tensor<4x6xf32> to tensor<2x6xf32>
  %line = tensor.collapse_shape %mid [[0, 1]] : tensor<2x6xf32> into tensor<12xf32>
  %block = tensor.expand_shape %line [[0, 1]] output_shape [3, 4] : tensor<12xf32> into tensor<3x4xf32>
  func.return %neg, %lr, %v, %set, %block : tensor<?x3xf32>, tensor<2x12xf32>, f32, tensor<2x2xf32>, tensor<3x4xf32>
}}
"""

F6 = "tensor<6xf32>"

VIEW_OUTLIVES_UPDATE = f"""
func.func @hazard(%x: {F6}) -> (tensor<2xf32>, {F6}) {{
  %e = tensor.empty() : {F6}
  {generic("%y", [("%x", F6)], ("%e", F6), "%v = arith.negf %a0 : f32")}
  %s = tensor.extract_slice %y[2] [2] [1] : {F6} to tensor<2xf32>
  %c2 = arith.constant 2 : index
  %f = arith.constant 7.0 : f32
  %z = tensor.insert %f into %y[%c2] : {F6}
  %e2 = tensor.empty() : {F6}
  {generic("%w", [("%z", F6)], ("%e2", F6), "%v = arith.mulf %a0, %a0 : f32")}
  func.return %s, %w : tensor<2xf32>, {F6}
}}
"""

REVERSED = """%i = linalg.index 0 : index
%c5 = arith.constant 5 : index
%j = arith.subi %c5, %i : index
%m = tensor.extract %t[%j] : tensor<6xf32>
%v = arith.addf %a0, %m : f32"""

CAPTURED = f"""
func.func @reverse_add(%x: {F6}) -> {F6} {{
  %e = tensor.empty() : {F6}
  {generic("%t", [("%x", F6)], ("%e", F6), "%v = arith.negf %a0 : f32")}
  %e2 = tensor.empty() : {F6}
  {generic("%r", [("%t", F6)], ("%e2", F6), REVERSED)}
  func.return %r : {F6}
}}
"""

RUNTIME_MEMORY = """
func.func private @first(%x: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %v = memref.load %x[%c0] : memref<?xf32>
  func.return %v : f32
}
func.func private @poke(%x: memref<?xf32>) {
  %c1 = arith.constant 1 : index
  %nine = arith.constant 9.0 : f32
  memref.store %nine, %x[%c1] : memref<?xf32>
  func.return
}
func.func @loaded(%v: f32, %n: index) -> (tensor<?xf32>, f32) {
  %m = memref.alloc(%n) : memref<?xf32>
  %t = bufferization.to_tensor %m restrict writable : memref<?xf32> to tensor<?xf32>
  %f = linalg.fill ins(%v : f32) outs(%t : tensor<?xf32>) -> tensor<?xf32>
  %b = bufferization.to_buffer %f read_only : tensor<?xf32> to memref<?xf32>
  %r = func.call @first(%b) : (memref<?xf32>) -> f32
  %scratch = bufferization.to_buffer %f : tensor<?xf32> to memref<?xf32>
  func.call @poke(%scratch) : (memref<?xf32>) -> ()
  %c0 = arith.constant 0 : index
  %w = arith.constant 5.0 : f32
  %g = tensor.insert %w into %f[%c0] : tensor<?xf32>
  func.return %g, %r : tensor<?xf32>, f32
}
"""

PROGRAMS = (ELEMENTWISE, MATMUL, SLICES, LOOP, BRANCH, CARRIED, WHILE, CALLS, SHAPES, CAPTURED, RUNTIME_MEMORY)
