// RUN: charlc %s --target=gpu --emit=wgsl | filecheck %s

// --emit=wgsl prints every kernel of the gpu target (a `// kernel N: @kN` header, one storage
// binding per memref, read-only unless the kernel stores into it, then the parameter block), then
// the dispatch plan: per host function, each launch with its invocations, workgroups and bindings,
// indented under the loops that contain it. int4 data is packed two a byte, eight a u32 word, as on
// the host: a kernel loads its nibble sign-extended (`wrap4`) and stores it leaving its neighbours.

// relu(x * s), fused into one kernel: x read-only, the result writable, the scalar argument `s`
// and the invocation count read from the parameter block.
// CHECK-LABEL: // kernel 0: @k0
// CHECK-NEXT:  @group(0) @binding(0) var<storage, read> m0: array<f32>;
// CHECK-NEXT:  @group(0) @binding(1) var<storage, read_write> m1: array<f32>;
// CHECK-NEXT:  @group(0) @binding(2) var<storage, read> prm: array<u32>;
// CHECK:       fn maximum_f32(a: f32, b: f32) -> f32 {
// CHECK:       @compute @workgroup_size(64)
// CHECK-NEXT:  fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
// CHECK-NEXT:    let gl: i32 = i32(gid.x + gid.y * nwg.x * 64u);
// CHECK-NEXT:    let m0_off: i32 = bitcast<i32>(prm[0]);
// CHECK-NEXT:    let m1_off: i32 = bitcast<i32>(prm[1]);
// CHECK-NEXT:    let [[S:a[0-9]+]]: f32 = bitcast<f32>(prm[2]);
// CHECK-NEXT:    let [[N:a[0-9]+]]: i32 = bitcast<i32>(prm[3]);
// CHECK:         let [[ID:v[0-9]+]]: i32 = gl;
// CHECK-NEXT:    let {{v[0-9]+}}: bool = u32([[ID]]) < u32([[N]]);
// CHECK:         let [[X:v[0-9]+]]: f32 = m0[m0_off + [[ROW:v[0-9]+]] * 3 + [[COL:v[0-9]+]]];
// CHECK-NEXT:    let [[P:v[0-9]+]]: f32 = [[X]] * [[S]];
// CHECK:         let [[R:v[0-9]+]]: f32 = maximum_f32([[P]], {{v[0-9]+}});
// CHECK-NEXT:    m1[m1_off + [[ROW]] * 3 + [[COL]]] = [[R]];

// quantize_tensor(x, int4, ...) stores nibbles: atomics on u32 words of eight.
// CHECK-LABEL: // kernel 6: @k6
// CHECK:       @group(0) @binding(2) var<storage, read_write> m2: array<atomic<u32>>;
// CHECK-NEXT:  @group(0) @binding(3) var<storage, read> prm: array<u32>;
// CHECK:       fn wrap4(x: i32) -> i32 { return (x << 28u) >> 28u; }
// CHECK:       let [[Q:v[0-9]+]]: i32 = wrap4(i32({{v[0-9]+}}));
// CHECK:       let [[SHIFT:v[0-9]+]]: u32 = u32([[AT:v[0-9]+]] & 7) * 4u;
// CHECK-NEXT:  atomicAnd(&m2[[[AT]] >> 3u], ~(0xfu << [[SHIFT]]));
// CHECK-NEXT:  atomicOr(&m2[[[AT]] >> 3u], (u32([[Q]]) & 0xfu) << [[SHIFT]]);

// dequantize loads the packed int4 data read-only, each nibble sign-extended.
// CHECK-LABEL: // kernel 7: @k7
// CHECK-NEXT:  @group(0) @binding(0) var<storage, read> m0: array<u32>;
// CHECK:       let [[AT:v[0-9]+]]: i32 = m0_off + {{v[0-9]+}} * 3 + {{v[0-9]+}};
// CHECK-NEXT:  let {{v[0-9]+}}: i32 = wrap4(i32(((m0[[[AT]] >> 3u] >> (u32([[AT]] & 7) * 4u)) & 0xfu)));

// print(q) widens the int4 data to int8 for the run-time library.
// CHECK-LABEL: // kernel 8: @k8
// CHECK-NEXT:  @group(0) @binding(0) var<storage, read> m0: array<u32>;
// CHECK-NEXT:  @group(0) @binding(1) var<storage, read_write> m1: array<atomic<u32>>;
// CHECK:       atomicOr(&m1[{{v[0-9]+}} >> 2u], (u32({{v[0-9]+}}) & 0xffu) << {{v[0-9]+}});
// CHECK-NOT:   // kernel

// CHECK-LABEL: // dispatch plan
// CHECK-NEXT:  // @scaled:
// CHECK-NEXT:  //   k0  invocations 6  workgroups 1 x 64  bindings [0: %x, 1: %empty, 2: params]
// CHECK-NEXT:  // @main:
// CHECK-NEXT:  //   k1  invocations 6  workgroups 1 x 64  bindings [0: %acc, 1: %alloc, 2: params]
// CHECK-NEXT:  //   for (0..4):
// CHECK-NEXT:  //     k2  invocations 6  workgroups 1 x 64  bindings [0: %acc, 1: %scaled, 2: params]
// CHECK:       //   k6  invocations 6  workgroups 1 x 64  bindings [0: %x, 1: %scale, 2: %q, 3: params]
// CHECK-NEXT:  //   k7  invocations 6  workgroups 1 x 64  bindings [0: %q, 1: %scale, 2: %dequantize, 3: params]
// CHECK-NEXT:  //   k8  invocations 6  workgroups 1 x 64  bindings [0: %q, 1: %alloc, 2: params]
// CHECK-NOT:   {{.}}

fn scaled(x: tensor<float32, [2, 3]>, s: float32) -> tensor<float32, [2, 3]> { return relu(x * s) }

let x = [[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]]
let mut acc = zeros([2, 3])
for i in 0..4 {
    acc = acc + scaled(x, 0.5)
}
print(acc)
let (q, scale) = quantize_tensor(x, int4, axis: 1)
print(q, dequantize(q, scale, axis: 1))
