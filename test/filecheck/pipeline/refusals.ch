// RUN: not charlc run %s --group=16 2>&1 | filecheck %s --check-prefix=QUANT
// RUN: not charlc %s --target=gpu --emit=llvm 2>&1 | filecheck %s --check-prefix=TARGET

// What charlc refuses with one line: an option that needs another (--group without --quantize),
// and an --emit kind that does not exist for the target.

// QUANT:      charlc: error: --group is the group size of --quantize; add --quantize=int8 or --quantize=int4
// TARGET:     charlc: error: --emit=llvm is for --target=cpu, not --target=gpu
print(1.0)
