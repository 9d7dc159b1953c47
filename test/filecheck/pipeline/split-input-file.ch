// RUN: not charlc %s --split-input-file 2>&1 | filecheck %s --check-prefix=ERR
// RUN: not charlc %s --split-input-file 2>/dev/null | filecheck %s

// Chunks are compiled independently; line numbers stay those of the whole file.

// CHECK:       charl.exp
// CHECK-NEXT:  charl.print
// CHECK:       // -----
// CHECK-NEXT:  // -----
// CHECK:       charl.sqrt
let a = exp([1.0, 2.0])
print(a)

// -----

// ERR: {{.*}}split-input-file.ch:17:9: error: unknown name `undefined_name`
let b = undefined_name

// -----

print(sqrt(4.0))
