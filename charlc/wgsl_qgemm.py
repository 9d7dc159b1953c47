"""The generated WGSL of an integer matmul kernel (`charl.template = "qgemm"`, `passes/_gpu_qgemm.py`).

The kernel computes the `charl_qgemm` generic of `charl-quantize`:
`y[m, n] += xs[m] * sum_g float(sum_{k in g} xq[m, k] * q[k, n]) * s[g, n]`, one invocation per
output element (`gl = m * N + n`, as the generic's launch counts them). The int8 activations and
the int8 or int4 weights are read from their packed `u32` words (four bytes, or eight nibbles, a
word) and unpacked in registers; each group's products are summed exactly in `i32` and scaled
once, as the CPU's micro-kernel does (runtime/c/qgemm.c), so both targets compute the same math.
Adjacent invocations read adjacent weights of one row: the same words, coalesced.

Bindings are those of any kernel (xq, xs, q, s, y, then the parameter block); every size and
stride comes from the emitter's parameter `let`s.
"""

from __future__ import annotations

from xdsl.dialects import gpu

from charlc.wgsl_emit import KernelEmitter, MemRefInfo, compute_shader
from charlc.wgsl_types import WgslError

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


def qgemm_wgsl(func: gpu.FuncOp, number: int, workgroup: int, group: int) -> tuple[KernelEmitter, str]:
    """The emitter (arguments and parameter layout) and WGSL text of the kernel; `group` is the
    rows per scale row (0: one scale per output channel)."""
    emitter = KernelEmitter(func)
    emitter.declare_args(measure_all=True)
    infos = list(emitter.memrefs.values())
    if len(infos) != 5:
        raise WgslError("the qgemm template takes five memrefs (xq, xs, q, s, y)", func)
    xq, xs, q, s, y = infos
    per_group = f"{group}i" if group else "k"
    scale = _at(s, "g", "n") if group else _at(s, "n")
    body = [
        f"  let m_rows = {y.sizes[0]};",
        f"  let n_cols = {y.sizes[1]};",
        f"  let k = {xq.sizes[1]};",
        "  if (gl >= m_rows * n_cols) { return; }",
        "  let m = gl / n_cols;",
        "  let n = gl % n_cols;",
        "  var acc: f32 = 0.0;",
        f"  let per = {per_group};",
        "  for (var g = 0i; g * per < k; g = g + 1i) {",
        "    var isum: i32 = 0i;",
        "    for (var kk = g * per; kk < (g + 1i) * per; kk = kk + 1i) {",
        f"      isum = isum + {_packed(xq, _at(xq, 'm', 'kk'))} * {_packed(q, _at(q, 'kk', 'n'))};",
        "    }",
        f"    acc = acc + f32(isum) * {s.var}[{scale}];",
        "  }",
        f"  let out = {_at(y, 'm', 'n')};",
        f"  {y.var}[out] = {y.var}[out] + {xs.var}[{_at(xs, 'm')}] * acc;",
    ]
    header = f"// kernel {number}: @{func.sym_name.data} (qgemm template, int{4 if q.element == 'i4' else 8})"
    text = compute_shader(header, emitter, [*HELPERS, ""], workgroup, [*emitter.lines, *body])
    return emitter, text
