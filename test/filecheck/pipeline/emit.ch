// RUN: charlc %s --emit=llvm | filecheck %s --check-prefix=LLVM
// RUN: charlc %s --emit=asm -O2 | filecheck %s --check-prefix=ASM
// RUN: rm -rf %t && mkdir -p %t && charlc %s --emit=exe -o %t/prog && %t/prog | filecheck %s --check-prefix=OUT
// RUN: charlc run %s | filecheck %s --check-prefix=OUT

// --emit=llvm prints the LLVM IR of convert-to-llvm's output (before LLVM's optimizations);
// --emit=asm the host's assembly; --emit=exe links an executable that prints what `charlc run` prints.

// LLVM:     define float @"sq"(float {{.*}})
// LLVM:     define void @"main"()
// LLVM:     declare void @"charl_rt_print_f32"(float {{.*}})
// ASM:      main:
// OUT:      6.25
fn sq(x: float32) -> float32 { return x * x }
print(sq(2.5))
