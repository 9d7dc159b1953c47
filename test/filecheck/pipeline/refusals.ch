// RUN: not charlc %s --emit=wgsl 2>&1 | filecheck %s --check-prefix=WGSL
// RUN: not charlc %s --target=gpu --stop-after=target 2>&1 | filecheck %s --check-prefix=GPU
// RUN: not charlc run %s --target=gpu 2>&1 | filecheck %s --check-prefix=EXEC
// RUN: not charlc run %s --quantize=int8 2>&1 | filecheck %s --check-prefix=QUANT
// RUN: not charlc %s --target=gpu --emit=llvm 2>&1 | filecheck %s --check-prefix=TARGET

// The gpu target stops after loops in this version: stages past it are refused with one line
// that names the first missing stage. When a stage is added to charlc/pipeline.py, move its line
// from here to a test of what it produces.

// WGSL:       charlc: error: --emit=wgsl needs the 'target' stage and later for --target=gpu, which this version of charlc does not have yet
// GPU:        charlc: error: --stop-after=target needs the 'target' stage and later for --target=gpu, which this version of charlc does not have yet
// EXEC:       charlc: error: charlc run needs the 'target' stage and later for --target=gpu, which this version of charlc does not have yet
// QUANT:      charlc: error: --quantize=int8 needs the charl-quantize pass, which this version of charlc does not have yet
// TARGET:     charlc: error: --emit=llvm is for --target=cpu, not --target=gpu
print(1.0)
