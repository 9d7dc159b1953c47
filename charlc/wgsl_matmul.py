"""The generated WGSL of a matmul kernel: `C[M, N] += A[M, K] @ B[K, N]`, row-major, fp32.

A workgroup of 256 invocations computes a `bm x bn` tile of C in steps of `bk` along K: it stages
the A and B tiles in workgroup memory (A transposed, so that a step reads both as `vec4`s), and
each invocation accumulates a `tm x tn` block of C in named `vec4` locals. Where the shapes allow
(`vector_loads`), A and B are bound as `array<vec4<f32>>` and each invocation loads one `vec4` of
each per step (on an H100, 28 -> 31 TFLOP/s at 4096x4096): the template's operands have a static
offset of 0 (`passes/_gpu_matmul.py` takes only those), so with K and N multiples of 4 every row
starts on a `vec4`. Every loop inside a K
step is unrolled by this generator into straight-line code: the shader compiler is never trusted to
unroll or to keep a private array in registers (ARCHITECTURE.md, measured on an H100). Tiles are
chosen per shape by the pass (`passes/_gpu_matmul.py`); bounds checks are emitted only for dimensions that are not
static multiples of their tile.

Bindings: 0 A, 1 B (read), 2 C (read_write), 3 the parameter block (docs/gpu.md): the element
offsets of A, B and C, and M, N, K where they are dynamic, are WGSL expressions given by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from passes._gpu_matmul import THREADS, Tiles


@dataclass(frozen=True)
class MatmulShape:
    """The WGSL expressions (`i32`) of M, N, K and of the element offsets of A, B and C, and the
    static sizes where known (None: dynamic)."""

    m: str
    n: str
    k: str
    offsets: tuple[str, str, str]
    static: tuple[int | None, int | None, int | None]


def _ragged(size: int | None, tile: int) -> bool:
    return size is None or size % tile != 0


def matmul_wgsl(shape: MatmulShape, tiles: Tiles, elem: str = "f32", overwrite: bool = False) -> str:
    """The WGSL source of the kernel (entry point `main`, workgroup size 256). An invocation's
    `tn / 4` vec4 columns are `bn / tn` vec4s apart, so neighbouring invocations read neighbouring
    vec4s of `tile_b` (no bank conflicts). With `overwrite`, the kernel stores `C = A @ B` (the
    matmul absorbed C's zero fill), as `vec4`s where A and B are loaded as `vec4`s."""
    t = tiles
    sm, sn, sk = shape.static
    check_m, check_n, check_k = _ragged(sm, t.bm), _ragged(sn, t.bn), _ragged(sk, t.bk)
    vec_loads = vector_loads(shape, t)
    oa, ob, oc = shape.offsets
    lines = [
        *(
            [f"@group(0) @binding(0) var<storage, read> a4: array<vec4<{elem}>>;"]
            if vec_loads
            else [f"@group(0) @binding(0) var<storage, read> a: array<{elem}>;"]
        ),
        *(
            [f"@group(0) @binding(1) var<storage, read> b4: array<vec4<{elem}>>;"]
            if vec_loads
            else [f"@group(0) @binding(1) var<storage, read> b: array<{elem}>;"]
        ),
        (
            f"@group(0) @binding(2) var<storage, read_write> c4: array<vec4<{elem}>>;"
            if vec_loads and overwrite
            else f"@group(0) @binding(2) var<storage, read_write> c: array<{elem}>;"
        ),
        "@group(0) @binding(3) var<storage, read> params: array<u32>;",
        f"var<workgroup> tile_a: array<vec4<{elem}>, {t.bk * t.bm // 4}>;",
        f"var<workgroup> tile_b: array<vec4<{elem}>, {t.bk * t.bn // 4}>;",
        "",
        f"@compute @workgroup_size({THREADS})",
        "fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,",
        "        @builtin(local_invocation_index) lid: u32) {",
        "  _ = params[0];  // the binding is part of the layout even when every size is static",
        f"  let m = {shape.m};",
        f"  let n = {shape.n};",
        f"  let k = {shape.k};",
        f"  let off_a = {oa};",
        f"  let off_b = {ob};",
        f"  let off_c = {oc};",
        "  let group = i32(wid.x + wid.y * nwg.x);",
        f"  let tiles_n = (n + {t.bn - 1}) / {t.bn};",
        f"  let row0 = (group / tiles_n) * {t.bm};",
        f"  let col0 = (group % tiles_n) * {t.bn};",
        "  if (row0 >= m) { return; }",
        "  let l = i32(lid);",
        f"  let tx = l % {t.bn // t.tn};",
        f"  let ty = l / {t.bn // t.tn};",
    ]
    zero = f"vec4<{elem}>()"
    acc = [[f"acc_{i}_{j}" for j in range(t.tn // 4)] for i in range(t.tm)]
    lines += [f"  var {name} = {zero};" for row in acc for name in row]
    lines += ["  for (var k0 = 0; k0 < k; k0 = k0 + " + str(t.bk) + ") {"]
    lines += _vec_copies(t) if vec_loads else [_copy(c) for c in _copies(t, check_m, check_n, check_k)]
    lines += ["    workgroupBarrier();"]
    for kk in range(t.bk):
        lines += _step(t, kk, acc)
    lines += ["    workgroupBarrier();", "  }"]
    lines += _vec_store(t, acc) if vec_loads and overwrite else _store(t, acc, check_m, check_n, overwrite)
    lines.append("}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class _Copy:
    """One element an invocation copies into a workgroup tile per K step: the checks its load needs,
    the load (of the step starting at `k0`), and the tile element it fills."""

    conds: tuple[str, ...]
    load: str
    slot: str


def _copies(t: Tiles, check_m: bool, check_n: bool, check_k: bool) -> list[_Copy]:
    """What each invocation copies per K step: `bm * bk / 256` elements of A (stored transposed in
    `tile_a`), then `bk * bn / 256` of B (row by row in `tile_b`)."""
    copies = []
    for q in range(t.bm * t.bk // THREADS):
        e = f"(l + {q * THREADS})"
        r, cc = f"({e} / {t.bk})", f"({e} % {t.bk})"
        conds = ((f"row0 + {r} < m",) if check_m else ()) + ((f"k0 + {cc} < k",) if check_k else ())
        slot = f"tile_a[({cc} * {t.bm} + {r}) / 4][{r} % 4]"
        copies.append(_Copy(conds, f"a[off_a + (row0 + {r}) * k + k0 + {cc}]", slot))
    for q in range(t.bk * t.bn // THREADS):
        e = f"(l + {q * THREADS})"
        r, cc = f"({e} / {t.bn})", f"({e} % {t.bn})"
        conds = ((f"col0 + {cc} < n",) if check_n else ()) + ((f"k0 + {r} < k",) if check_k else ())
        slot = f"tile_b[({r} * {t.bn} + {cc}) / 4][{cc} % 4]"
        copies.append(_Copy(conds, f"b[off_b + (k0 + {r}) * n + col0 + {cc}]", slot))
    return copies


def vector_loads(shape: MatmulShape, t: Tiles) -> bool:
    """Whether each invocation copies one `vec4` of A and one of B per step: static sizes that are
    multiples of the tiles, K and N multiples of 4, and tiles of 4 elements per invocation."""
    sm, sn, sk = shape.static
    if sm is None or sn is None or sk is None or _ragged(sm, t.bm) or _ragged(sn, t.bn) or _ragged(sk, t.bk):
        return False
    return sk % 4 == 0 and sn % 4 == 0 and t.bm * t.bk == 4 * THREADS == t.bk * t.bn


def _copy(c: _Copy) -> str:
    """The WGSL of one copy (0 where out of bounds)."""
    if c.conds:
        return f"    {{ var v = 0.0; if ({' && '.join(c.conds)}) {{ v = {c.load}; }} {c.slot} = v; }}"
    return f"    {c.slot} = {c.load};"


def _vec_copies(t: Tiles) -> list[str]:
    """Each invocation's one vec4 of A (stored transposed, component by component) and one of B,
    read through the `vec4` views `a4` and `b4` (offsets 0, K and N multiples of 4)."""
    per_row_a, per_row_b = t.bk // 4, t.bn // 4
    out = [
        f"    {{ let r = l / {per_row_a}; let c4 = l % {per_row_a};",
        "      let v = a4[(off_a + (row0 + r) * k + k0) / 4 + c4];",
    ]
    out += [f"      tile_a[((c4 * 4 + {j}) * {t.bm} + r) / 4][r % 4] = v[{j}];" for j in range(4)]
    out += ["    }", f"    {{ let r = l / {per_row_b}; let c4 = l % {per_row_b};"]
    out += [f"      tile_b[r * {per_row_b} + c4] = b4[(off_b + (k0 + r) * n + col0) / 4 + c4]; }}"]
    return out


def _vec4_column(t: Tiles, w: int) -> str:
    """The vec4 column (in the tile) of an invocation's `w`-th vec4 of C."""
    return f"{w * (t.bn // t.tn)} + tx"


def _step(t: Tiles, kk: int, acc: list[list[str]]) -> list[str]:
    """One k of the tile: `tm/4` vec4 of A, `tn/4` vec4 of B, `tm * tn / 4` vec4 FMAs."""
    out = []
    for v in range(t.tm // 4):
        out.append(f"    let a_{kk}_{v} = tile_a[{kk * t.bm // 4} + ty * {t.tm // 4} + {v}];")
    if t.tm % 4:
        for i in range(t.tm):
            at = f"{kk * t.bm} + ty * {t.tm} + {i}"
            out.append(f"    let s_{kk}_{i} = tile_a[({at}) / 4][({at}) % 4];")
    for w in range(t.tn // 4):
        out.append(f"    let b_{kk}_{w} = tile_b[{kk * t.bn // 4} + {_vec4_column(t, w)}];")
    comps = "xyzw"
    for i in range(t.tm):
        a = f"s_{kk}_{i}" if t.tm % 4 else f"a_{kk}_{i // 4}.{comps[i % 4]}"
        for w in range(t.tn // 4):
            out.append(f"    {acc[i][w]} = fma(vec4({a}), b_{kk}_{w}, {acc[i][w]});")
    return out


def _vec_store(t: Tiles, acc: list[list[str]]) -> list[str]:
    """C = the invocation's block, one `vec4` store each (static sizes, multiples of the tile)."""
    out = []
    for i in range(t.tm):
        out.append(f"  {{ let row4 = (off_c + (row0 + ty * {t.tm} + {i}) * n + col0) / 4;")
        out += [f"    c4[row4 + {_vec4_column(t, w)}] = {acc[i][w]};" for w in range(t.tn // 4)]
        out.append("  }")
    return out


def _store(t: Tiles, acc: list[list[str]], check_m: bool, check_n: bool, overwrite: bool) -> list[str]:
    """C += the invocation's block (C = it, with `overwrite`), element by element where the edges
    need checks."""
    out = []
    comps = "xyzw"
    for i in range(t.tm):
        out.append(f"  {{ let row = row0 + ty * {t.tm} + {i};")
        if check_m:
            out.append("    if (row < m) {")
        for w in range(t.tn // 4):
            for c in range(4):
                col = f"col0 + ({_vec4_column(t, w)}) * 4 + {c}"
                idx = f"off_c + row * n + {col}"
                old = "" if overwrite else f"c[{idx}] + "
                store = f"c[{idx}] = {old}{acc[i][w]}.{comps[c]};"
                out.append(f"    if ({col} < n) {{ {store} }}" if check_n else f"    {store}")
        if check_m:
            out.append("    }")
        out.append("  }")
    return out
