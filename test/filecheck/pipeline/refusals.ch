// RUN: not charlc %s --emit=llvm 2>&1 | filecheck %s --check-prefix=LLVM
// RUN: not charlc %s --emit=wgsl 2>&1 | filecheck %s --check-prefix=WGSL
// RUN: not charlc %s --stop-after=linalg 2>&1 | filecheck %s --check-prefix=LINALG
// RUN: not charlc %s --target=gpu --stop-after=loops 2>&1 | filecheck %s --check-prefix=GPU
// RUN: not charlc run %s 2>&1 | filecheck %s --check-prefix=EXEC

// Stages this version does not have are refused, naming the first missing one. When a stage is
// added to charlc/pipeline.py, move its line from here to a test of what it produces.

// LLVM:   charlc: error: --emit=llvm needs the 'linalg' stage and later, which this version of charlc does not have yet
// WGSL:   charlc: error: --emit=wgsl needs the 'linalg' stage and later for --target=gpu, which this version of charlc does not have yet
// LINALG: charlc: error: --stop-after=linalg needs the 'linalg' stage and later, which this version of charlc does not have yet
// GPU:    charlc: error: --stop-after=loops needs the 'linalg' stage and later for --target=gpu, which this version of charlc does not have yet
// EXEC:   charlc: error: charlc run needs the 'linalg' stage and later, which this version of charlc does not have yet
print(1.0)
