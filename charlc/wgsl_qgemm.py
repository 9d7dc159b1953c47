"""The generated WGSL of an integer matmul kernel (`charl.template = "qgemm"`, `passes/_gpu_qgemm.py`).

The kernel computes the `charl_qgemm` generic of `charl-quantize`:
`y[m, n] += xs[m] * sum_g float(sum_{k in g} xq[m, k] * q[k, n]) * s[g, n]` (`y = ...` when the
kernel absorbed a zero fill of y, `charl.overwrite`). The int8 activations and the int8 or int4
weights are read from their packed `u32` words (four bytes, or eight nibbles, a word) and unpacked
in registers; each group's products are summed exactly in `i32` and scaled once, and the groups are
added in order, as the CPU's micro-kernel does (runtime/c/qgemm.c), so both targets compute the
same math.

A workgroup of 256 invocations computes `BLOCK` (32) adjacent columns of one row of y: lane `l`
takes the `COLS` (4) columns `quad = l % 8` and the slice `slice = l / 8` of K, so that the 32
lanes of a warp read 4 rows of 32 adjacent weights each (coalesced) and a batch-1 product (decode)
spreads K over 32 slices instead of looping over all of it in one invocation.
- One scale per output channel (`group` 0): lane `l` sums rows `slice, slice + 32, ...` in `i32`;
  the 32 slices' sums are added in a tree in workgroup memory (integers: exact), and slice 0 scales
  the total once.
- Groups of `group` rows: in rounds of 32 groups, slice `s` sums group `32 r + s` in `i32` and
  scales it; slice 0 then adds the round's 32 scaled sums in group order.

Bindings are those of any kernel (xq, xs, q, s, y, then the parameter block); every size and
stride comes from the emitter's parameter `let`s. An absorbed elementwise epilogue
(`passes/_gpu_epilogue.py`: the bias, the residual, gelu) adds its memrefs after y; its IR block
(a one-trip `scf.for` marked `charl.epilogue` whose induction variable is the element's row-major
index) is printed by the statement emitter at each column's store, with the computed value in
place of its first op, the load of y.
"""

from __future__ import annotations

from xdsl.dialects import gpu, memref, scf

from charlc.wgsl_emit import KernelEmitter, MemRefInfo
from charlc.wgsl_reduce import MAIN_WORKGROUP, assemble
from charlc.wgsl_types import WgslError
from passes._gpu_epilogue import EPILOGUE

LANES = 256
"""Invocations per workgroup."""
COLS = 4
"""Adjacent columns of y per lane."""
BLOCK = 32
"""Adjacent columns of y per workgroup."""
SLICES = LANES * COLS // BLOCK
"""Slices of K (or groups per round) per workgroup."""

HELPERS = (
    "fn wrap8(x: i32) -> i32 { return (x << 24u) >> 24u; }",
    "fn wrap4(x: i32) -> i32 { return (x << 28u) >> 28u; }",
)


def _at(info: MemRefInfo, *indices: str) -> str:
    """The element index of `info[indices]`."""
    terms = [info.offset] + [f"({i}) * {s}" for i, s in zip(indices, info.strides, strict=True)]
    return " + ".join(terms)


def _packed(info: MemRefInfo, at: str) -> str:
    """The signed value of the byte or nibble at element index `at` of a packed memref."""
    if info.element == "i4":
        return f"wrap4(i32(({info.var}[u32({at}) >> 3u] >> ((u32({at}) & 7u) * 4u)) & 0xfu))"
    return f"wrap8(i32(({info.var}[u32({at}) >> 2u] >> ((u32({at}) & 3u) * 8u)) & 0xffu))"


def _sum_rows(xq: MemRefInfo, q: MemRefInfo, loop: str, indent: str) -> list[str]:
    """`for (loop) { isum_c += xq[m, kk] * q[kk, n_c] }` over the lane's columns (0 past the last)."""
    lines = [f"{indent}for ({loop}) {{", f"{indent}  let x = {_packed(xq, _at(xq, 'm', 'kk'))};"]
    for c in range(COLS):
        w = _packed(q, _at(q, "kk", f"n{c}"))
        lines.append(f"{indent}  isum{c} = isum{c} + x * select(0i, {w}, n{c} < n_cols);")
    return [*lines, f"{indent}}}"]


def _per_channel(xq: MemRefInfo, q: MemRefInfo, s: MemRefInfo) -> tuple[list[str], list[str]]:
    """The body (K in 32 slices, their `i32` sums added in a tree) and each column's scaled sum."""
    body = [f"    var isum{c} = 0i;" for c in range(COLS)]
    body += _sum_rows(xq, q, f"var kk = slice; kk < k; kk = kk + {SLICES}i", "    ")
    body += [f"    red_i[l * {COLS}i + {c}i] = isum{c};" for c in range(COLS)]
    body.append("    workgroupBarrier();")
    step = SLICES // 2
    while step >= 1:
        body.append(f"    if (slice < {step}i) {{")
        other = f"(l + {step * BLOCK // COLS}i) * {COLS}i"
        body += [
            f"      red_i[l * {COLS}i + {c}i] = red_i[l * {COLS}i + {c}i] + red_i[{other} + {c}i];" for c in range(COLS)
        ]
        body += ["    }", "    workgroupBarrier();"]
        step //= 2
    scaled = [f"f32(red_i[l * {COLS}i + {c}i]) * {s.var}[{_at(s, f'n{c}')}]" for c in range(COLS)]
    return body, scaled


def _grouped(xq: MemRefInfo, q: MemRefInfo, s: MemRefInfo, group: int) -> tuple[list[str], list[str]]:
    """The body (rounds of 32 groups, slice `s` scaling group `32 r + s`, slice 0 adding them in
    order) and each column's total; `group` < 0: K divided by the scale rows, at run time."""
    per = f"{group}i" if group > 0 else f"max(1i, k / max(1i, {s.sizes[0]}))"
    body = [f"    let per = {per};", "    let groups = (k + per - 1i) / per;"]
    body += [f"    var acc{c} = 0.0;" for c in range(COLS)]
    body += [
        f"    for (var r = 0i; r * {SLICES}i < groups; r = r + 1i) {{",
        f"      let g = r * {SLICES}i + slice;",
        *[f"      var isum{c} = 0i;" for c in range(COLS)],
        *_sum_rows(xq, q, "var kk = g * per; kk < min(k, (g + 1i) * per); kk = kk + 1i", "      "),
    ]
    for c in range(COLS):
        scale = f"{s.var}[{_at(s, 'select(0i, g, g < groups)', f'n{c}')}]"
        body.append(
            f"      red_f[l * {COLS}i + {c}i] = select(0.0, f32(isum{c}) * {scale}, g < groups && n{c} < n_cols);"
        )
    body += [
        "      workgroupBarrier();",
        "      if (slice == 0i) {",
        f"        for (var t = 0i; t < {SLICES}i && r * {SLICES}i + t < groups; t = t + 1i) {{",
        *[f"          acc{c} = acc{c} + red_f[(t * {BLOCK // COLS}i + quad) * {COLS}i + {c}i];" for c in range(COLS)],
        "        }",
        "      }",
        "      workgroupBarrier();",
        "    }",
    ]
    return body, [f"acc{c}" for c in range(COLS)]


def _stores(emitter: KernelEmitter, y: MemRefInfo, totals: list[str], store_y: bool) -> list[str]:
    """Each column's store: `y = total` and, with an absorbed epilogue (`_gpu_epilogue`), its
    loop's block printed on the element `m * n_cols + n_c` with `total` for the value of y it loads
    first (at `m`, `n_c`, which its store of y uses too); y is then stored besides only when the
    kernel says so (`charl.store_y`)."""
    loop = next((o for o in emitter.func.walk() if isinstance(o, scf.ForOp) and EPILOGUE in o.attributes), None)
    lines: list[str] = []
    for c, total in enumerate(totals):
        out = f"{y.var}[{_at(y, 'm', f'n{c}')}]"
        if loop is None:
            lines.append(f"      if (n{c} < n_cols) {{ {out} = {total}; }}")
            continue
        block = loop.body.blocks[0]
        first = block.first_op
        if not isinstance(first, memref.LoadOp):
            raise WgslError("a qgemm epilogue starts with the load of y", loop)
        saved, emitter.lines, emitter.depth = emitter.lines, [], 4
        emitter.names[first.res] = f"acc{c}"
        emitter.names.update(zip(first.indices, ("m", f"n{c}"), strict=True))
        emitter.names[block.args[0]] = f"(m * n_cols + n{c})"
        emitter.line(f"let acc{c} = {total};")
        if store_y:
            emitter.line(f"{out} = acc{c};")
        for op in block.ops:
            if op is not first and not isinstance(op, scf.YieldOp):
                emitter.op(op)
        body, emitter.lines, emitter.depth = emitter.lines, saved, 1
        lines += [f"      if (n{c} < n_cols) {{", *body, "      }"]
    return lines


def qgemm_wgsl(
    func: gpu.FuncOp, number: int, workgroup: int, group: int, overwrite: bool = False, store_y: bool = True
) -> tuple[KernelEmitter, str]:
    """The emitter (arguments and parameter layout) and WGSL text of the kernel; `group` is the
    rows per scale row (0: one scale per output channel; -1: K divided by the scale rows, at run
    time); with `overwrite` it stores y instead of adding to it. With an absorbed epilogue, y is
    stored besides the epilogue's output only with `store_y`."""
    if workgroup != LANES:
        raise WgslError(f"the qgemm template runs {LANES} invocations a workgroup, not {workgroup}", func)
    emitter = KernelEmitter(func)
    emitter.declare_args(measure_all=True)
    infos = list(emitter.memrefs.values())
    if len(infos) < 5:
        raise WgslError("the qgemm template takes five memrefs (xq, xs, q, s, y), then its epilogue's", func)
    xq, xs, q, s, y = infos[:5]
    body, totals = _grouped(xq, q, s, group) if group else _per_channel(xq, q, s)
    scale = f"{xs.var}[{_at(xs, 'm')}]"
    old = [f"{y.var}[{_at(y, 'm', f'n{c}')}] + " if not overwrite else "" for c in range(COLS)]
    stores = _stores(emitter, y, [f"{old[c]}{scale} * ({t})" for c, t in enumerate(totals)], store_y)
    emitter.lines += [
        f"  let m_rows = {y.sizes[0]};",
        f"  let n_cols = {y.sizes[1]};",
        f"  let k = {xq.sizes[1]};",
        f"  let blocks = (n_cols + {BLOCK - 1}i) / {BLOCK}i;",
        "  let l = i32(lid);",
        f"  let quad = l % {BLOCK // COLS}i;",
        f"  let slice = l / {BLOCK // COLS}i;",
        "  if (wgi < m_rows * blocks) {",
        "    let m = wgi / blocks;",
        f"    let n0 = (wgi % blocks) * {BLOCK}i + quad * {COLS}i;",
        *[f"    let n{c} = n0 + {c}i;" for c in range(1, COLS)],
        *body,
        "    if (slice == 0i) {",
        *stores,
        "    }",
        "  }",
    ]
    red = (
        f"var<workgroup> red_f: array<f32, {LANES * COLS}>;"
        if group
        else f"var<workgroup> red_i: array<i32, {LANES * COLS}>;"
    )
    bits = 4 if q.element == "i4" else 8
    header = f"// kernel {number}: @{func.sym_name.data} (qgemm template, int{bits}, {BLOCK} columns a workgroup)"
    prologue = ["  let wgi: i32 = i32(wid.x + wid.y * nwg.x);"]
    text = assemble(emitter, header, workgroup, MAIN_WORKGROUP, prologue, shared=[red, "", *HELPERS])
    return emitter, text
