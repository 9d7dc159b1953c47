// RUN: not charlc run %s --quantize=int8 2>&1 | filecheck %s --check-prefix=QUANT
// RUN: not charlc %s --target=gpu --emit=llvm 2>&1 | filecheck %s --check-prefix=TARGET

// What charlc refuses with one line: an option that needs a pass this version lacks, and an
// --emit kind that does not exist for the target.

// QUANT:      charlc: error: --quantize=int8 needs the charl-quantize pass, which this version of charlc does not have yet
// TARGET:     charlc: error: --emit=llvm is for --target=cpu, not --target=gpu
print(1.0)
