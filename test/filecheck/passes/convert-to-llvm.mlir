// RUN: charlc %s -p convert-to-llvm | filecheck %s

// A static 2-D loop nest: each scf.for is a header block (the induction variable as argument)
// testing the bound, a body, and an exit; elements are reached by one GEP on the aligned pointer.
// CHECK-LABEL: llvm.func @loop_nest(
// CHECK-SAME:    %{{[0-9]+}}: !llvm.ptr {llvm.noalias}, [[A:%[0-9]+]]: !llvm.ptr {llvm.noalias}, %{{[0-9]+}}: i64, %{{[0-9]+}}: i64, %{{[0-9]+}}: i64, %{{[0-9]+}}: i64, %{{[0-9]+}}: i64,
// CHECK-SAME:    %{{[0-9]+}}: !llvm.ptr {llvm.noalias}, [[B:%[0-9]+]]: !llvm.ptr {llvm.noalias}, %{{[0-9]+}}: i64, %{{[0-9]+}}: i64, %{{[0-9]+}}: i64, %{{[0-9]+}}: i64, %{{[0-9]+}}: i64)
// CHECK-SAME:    attributes {charl.signature = "(memref<4x8xf32>, memref<4x8xf32>) -> ()"} {
// CHECK-DAG:     [[C0:%[0-9]+]] = llvm.mlir.constant(0) : i64
// CHECK-DAG:     [[C1:%[0-9]+]] = llvm.mlir.constant(1) : i64
// CHECK-DAG:     [[C4:%[0-9]+]] = llvm.mlir.constant(4) : i64
// CHECK-DAG:     [[C8:%[0-9]+]] = llvm.mlir.constant(8) : i64
// CHECK-DAG:     [[TWO:%[0-9]+]] = llvm.mlir.constant(2.000000e+00 : f32) : f32
// CHECK:         llvm.br ^[[ENTRY:bb[0-9]+]]
// CHECK-NEXT:  ^[[ENTRY]]:
// CHECK-NEXT:    llvm.br ^[[OUTER:bb[0-9]+]]([[C0]] : i64)
// CHECK-NEXT:  ^[[OUTER]]([[I:%[0-9]+]]: i64):
// CHECK-NEXT:    [[CI:%[0-9]+]] = llvm.icmp "slt" [[I]], [[C4]] : i64
// CHECK-NEXT:    llvm.cond_br [[CI]], ^[[OUTER_BODY:bb[0-9]+]], ^[[EXIT:bb[0-9]+]]
// CHECK-NEXT:  ^[[OUTER_BODY]]:
// CHECK-NEXT:    llvm.br ^[[INNER:bb[0-9]+]]([[C0]] : i64)
// CHECK-NEXT:  ^[[INNER]]([[J:%[0-9]+]]: i64):
// CHECK-NEXT:    [[CJ:%[0-9]+]] = llvm.icmp "slt" [[J]], [[C8]] : i64
// CHECK-NEXT:    llvm.cond_br [[CJ]], ^[[INNER_BODY:bb[0-9]+]], ^[[LATCH:bb[0-9]+]]
// CHECK-NEXT:  ^[[INNER_BODY]]:
// CHECK-NEXT:    [[ROW:%[0-9]+]] = llvm.mul [[I]], [[C8]] : i64
// CHECK-NEXT:    [[LIN:%[0-9]+]] = llvm.add [[ROW]], [[J]] : i64
// CHECK-NEXT:    [[PA:%[0-9]+]] = llvm.getelementptr inbounds [[A]]{{\[}}[[LIN]]{{\]}} : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK-NEXT:    [[X:%[0-9]+]] = llvm.load [[PA]] {alignment = 4 : i64} : !llvm.ptr -> f32
// CHECK-NEXT:    [[Y:%[0-9]+]] = llvm.fmul [[X]], [[TWO]] {fastmathFlags = #llvm.fastmath<contract>} : f32
// CHECK:         [[PB:%[0-9]+]] = llvm.getelementptr inbounds [[B]]{{\[}}%{{[0-9]+}}{{\]}} : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK-NEXT:    llvm.store [[Y]], [[PB]] {alignment = 4 : i64} : f32, !llvm.ptr
// CHECK-NEXT:    [[J1:%[0-9]+]] = llvm.add [[J]], [[C1]] : i64
// CHECK-NEXT:    llvm.br ^[[INNER]]([[J1]] : i64)
// CHECK-NEXT:  ^[[LATCH]]:
// CHECK-NEXT:    [[I1:%[0-9]+]] = llvm.add [[I]], [[C1]] : i64
// CHECK-NEXT:    llvm.br ^[[OUTER]]([[I1]] : i64)
// CHECK-NEXT:  ^[[EXIT]]:
// CHECK-NEXT:    llvm.return
func.func @loop_nest(%a: memref<4x8xf32>, %b: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %two = arith.constant 2.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %x = memref.load %a[%i, %j] : memref<4x8xf32>
      %y = arith.mulf %x, %two : f32
      memref.store %y, %b[%i, %j] : memref<4x8xf32>
    }
  }
  func.return
}

// A loop-carried value is a header block argument; a dynamic size comes from the descriptor. Public
// functions keep their MLIR type in `charl.signature`, for the runtime.
// CHECK-LABEL: llvm.func @reduce(
// CHECK-SAME:    %{{[0-9]+}}: !llvm.ptr {llvm.noalias}, [[A:%[0-9]+]]: !llvm.ptr {llvm.noalias}, %{{[0-9]+}}: i64, [[N:%[0-9]+]]: i64, %{{[0-9]+}}: i64) -> f32 attributes {charl.signature = "(memref<?xf32>) -> f32"} {
// CHECK-DAG:     [[ZERO:%[0-9]+]] = llvm.mlir.constant(0.000000e+00 : f32) : f32
// CHECK-DAG:     [[C0:%[0-9]+]] = llvm.mlir.constant(0) : i64
// CHECK:         llvm.br ^[[HEAD:bb[0-9]+]]([[C0]], [[ZERO]] : i64, f32)
// CHECK-NEXT:  ^[[HEAD]]([[I:%[0-9]+]]: i64, [[ACC:%[0-9]+]]: f32):
// CHECK-NEXT:    llvm.icmp "slt" [[I]], [[N]] : i64
// CHECK:         [[P:%[0-9]+]] = llvm.getelementptr inbounds [[A]]{{\[}}[[I]]{{\]}} : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK-NEXT:    [[X:%[0-9]+]] = llvm.load [[P]] {alignment = 4 : i64} : !llvm.ptr -> f32
// CHECK-NEXT:    [[S:%[0-9]+]] = llvm.fadd [[ACC]], [[X]] {fastmathFlags = #llvm.fastmath<contract>} : f32
// CHECK-NEXT:    [[I1:%[0-9]+]] = llvm.add [[I]], %{{[0-9]+}} : i64
// CHECK-NEXT:    llvm.br ^[[HEAD]]([[I1]], [[S]] : i64, f32)
// CHECK-NEXT:  ^{{bb[0-9]+}}:
// CHECK-NEXT:    llvm.return [[ACC]] : f32
func.func @reduce(%a: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %a, %c0 : memref<?xf32>
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %x = memref.load %a[%i] : memref<?xf32>
    %s = arith.addf %acc, %x : f32
    scf.yield %s : f32
  }
  func.return %sum : f32
}

// A subview only computes new descriptor fields: offset i * 8 + 2, strides (16, 1), folded
// into the linearized index of the load.
// CHECK-LABEL: llvm.func @subview(
// CHECK-SAME:    %{{[0-9]+}}: !llvm.ptr {llvm.noalias}, [[A:%[0-9]+]]: !llvm.ptr {llvm.noalias}, %{{[0-9]+}}: i64, %{{[0-9]+}}: i64, %{{[0-9]+}}: i64, %{{[0-9]+}}: i64, %{{[0-9]+}}: i64, [[I:%[0-9]+]]: i64) -> f32 attributes {charl.signature = "(memref<8x8xf32>, index) -> f32"} {
// CHECK-DAG:     [[C1:%[0-9]+]] = llvm.mlir.constant(1) : i64
// CHECK-DAG:     [[C2:%[0-9]+]] = llvm.mlir.constant(2) : i64
// CHECK-DAG:     [[C8:%[0-9]+]] = llvm.mlir.constant(8) : i64
// CHECK-DAG:     [[C16:%[0-9]+]] = llvm.mlir.constant(16) : i64
// CHECK:         [[ROW:%[0-9]+]] = llvm.mul [[I]], [[C8]] : i64
// CHECK-NEXT:    [[OFF:%[0-9]+]] = llvm.add [[ROW]], [[C2]] : i64
// CHECK-NEXT:    [[L1:%[0-9]+]] = llvm.add [[OFF]], [[C16]] : i64
// CHECK-NEXT:    [[L2:%[0-9]+]] = llvm.add [[L1]], [[C1]] : i64
// CHECK-NEXT:    [[P:%[0-9]+]] = llvm.getelementptr inbounds [[A]]{{\[}}[[L2]]{{\]}} : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK-NEXT:    [[X:%[0-9]+]] = llvm.load [[P]] {alignment = 4 : i64} : !llvm.ptr -> f32
// CHECK-NEXT:    llvm.return [[X]] : f32
func.func @subview(%a: memref<8x8xf32>, %i: index) -> f32 {
  %c1 = arith.constant 1 : index
  %v = memref.subview %a[%i, 2] [3, 4] [2, 1] : memref<8x8xf32> to memref<3x4xf32, strided<[16, 1], offset: ?>>
  %x = memref.load %v[%c1, %c1] : memref<3x4xf32, strided<[16, 1], offset: ?>>
  func.return %x : f32
}

// malloc(n * 4 * 4 + 63), aligned up to 64 bytes by a byte GEP (ptrtoint, never inttoptr); a
// memref result is stored field by field through the result pointer, the first argument.
// CHECK-LABEL: llvm.func @alloc_dynamic(
// CHECK-SAME:    [[OUT:%[0-9]+]]: !llvm.ptr {llvm.noalias}, [[N:%[0-9]+]]: i64) attributes {charl.signature = "(index) -> memref<?x4xf32>"} {
// CHECK-DAG:     [[C4:%[0-9]+]] = llvm.mlir.constant(4) : i64
// CHECK-DAG:     [[C63:%[0-9]+]] = llvm.mlir.constant(63) : i64
// CHECK-DAG:     [[C0:%[0-9]+]] = llvm.mlir.constant(0) : i64
// CHECK-DAG:     [[C1:%[0-9]+]] = llvm.mlir.constant(1) : i64
// CHECK:         [[COUNT:%[0-9]+]] = llvm.mul [[N]], [[C4]] : i64
// CHECK-NEXT:    [[BYTES:%[0-9]+]] = llvm.mul [[COUNT]], [[C4]] : i64
// CHECK-NEXT:    [[PADDED:%[0-9]+]] = llvm.add [[BYTES]], [[C63]] : i64
// CHECK-NEXT:    [[RAW:%[0-9]+]] = llvm.call @malloc([[PADDED]]) : (i64) -> !llvm.ptr
// CHECK-NEXT:    [[ADDR:%[0-9]+]] = llvm.ptrtoint [[RAW]] : !llvm.ptr to i64
// CHECK-NEXT:    [[NEG:%[0-9]+]] = llvm.sub [[C0]], [[ADDR]] : i64
// CHECK-NEXT:    [[ADJ:%[0-9]+]] = llvm.and [[NEG]], [[C63]] : i64
// CHECK-NEXT:    [[ALIGNED:%[0-9]+]] = llvm.getelementptr inbounds [[RAW]]{{\[}}[[ADJ]]{{\]}} : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK-NEXT:    [[F0:%[0-9]+]] = llvm.getelementptr [[OUT]][0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(!llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64)>
// CHECK-NEXT:    llvm.store [[RAW]], [[F0]] : !llvm.ptr, !llvm.ptr
// CHECK-NEXT:    [[F1:%[0-9]+]] = llvm.getelementptr [[OUT]][0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(!llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64)>
// CHECK-NEXT:    llvm.store [[ALIGNED]], [[F1]] : !llvm.ptr, !llvm.ptr
// CHECK-NEXT:    [[F2:%[0-9]+]] = llvm.getelementptr [[OUT]][0, 2] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(!llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64)>
// CHECK-NEXT:    llvm.store [[C0]], [[F2]] : i64, !llvm.ptr
// CHECK-NEXT:    [[F3:%[0-9]+]] = llvm.getelementptr [[OUT]][0, 3] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(!llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64)>
// CHECK-NEXT:    llvm.store [[N]], [[F3]] : i64, !llvm.ptr
// CHECK-NOT:     llvm.inttoptr
// CHECK:         llvm.return
func.func @alloc_dynamic(%n: index) -> memref<?x4xf32> {
  %m = memref.alloc(%n) : memref<?x4xf32>
  func.return %m : memref<?x4xf32>
}

// dealloc frees the allocated pointer, the first descriptor field.
// CHECK-LABEL: llvm.func @dealloc(
// CHECK-SAME:    [[ALLOCATED:%[0-9]+]]: !llvm.ptr {llvm.noalias}, %{{[0-9]+}}: !llvm.ptr {llvm.noalias}
// CHECK:         llvm.call @free([[ALLOCATED]]) : (!llvm.ptr) -> ()
// CHECK-NEXT:    llvm.return
func.func @dealloc(%m: memref<?x4xf32>) {
  memref.dealloc %m : memref<?x4xf32>
  func.return
}

// scf.if: a conditional branch to two blocks that branch to a merge block carrying the result.
// CHECK-LABEL: llvm.func @select_if(
// CHECK-SAME:    [[C:%[0-9]+]]: i1 {llvm.zeroext}, [[X:%[0-9]+]]: f32) -> f32 attributes {charl.signature = "(i1, f32) -> f32"} {
// CHECK:         llvm.cond_br [[C]], ^[[THEN:bb[0-9]+]], ^[[ELSE:bb[0-9]+]]
// CHECK-NEXT:  ^[[THEN]]:
// CHECK-NEXT:    [[N:%[0-9]+]] = llvm.fneg [[X]] {fastmathFlags = #llvm.fastmath<contract>} : f32
// CHECK-NEXT:    llvm.br ^[[MERGE:bb[0-9]+]]([[N]] : f32)
// CHECK-NEXT:  ^[[ELSE]]:
// CHECK-NEXT:    llvm.br ^[[MERGE]]([[X]] : f32)
// CHECK-NEXT:  ^[[MERGE]]([[R:%[0-9]+]]: f32):
// CHECK-NEXT:    llvm.return [[R]] : f32
func.func @select_if(%c: i1, %x: f32) -> f32 {
  %r = scf.if %c -> (f32) {
    %n = arith.negf %x : f32
    scf.yield %n : f32
  } else {
    scf.yield %x : f32
  }
  func.return %r : f32
}

// scf.while: the before region's block tests and forwards to the after region or the exit.
// CHECK-LABEL: llvm.func @count_down(
// CHECK-SAME:    [[N:%[0-9]+]]: i64) -> i64 attributes {charl.signature = "(i64) -> i64"} {
// CHECK:         llvm.br ^[[BEFORE:bb[0-9]+]]([[N]] : i64)
// CHECK-NEXT:  ^[[BEFORE]]([[I:%[0-9]+]]: i64):
// CHECK-NEXT:    [[GO:%[0-9]+]] = llvm.icmp "sgt" [[I]], %{{[0-9]+}} : i64
// CHECK-NEXT:    llvm.cond_br [[GO]], ^[[AFTER:bb[0-9]+]]([[I]] : i64), ^[[EXIT:bb[0-9]+]]([[I]] : i64)
// CHECK-NEXT:  ^[[AFTER]]([[J:%[0-9]+]]: i64):
// CHECK-NEXT:    [[NEXT:%[0-9]+]] = llvm.sub [[J]], %{{[0-9]+}} : i64
// CHECK-NEXT:    llvm.br ^[[BEFORE]]([[NEXT]] : i64)
// CHECK-NEXT:  ^[[EXIT]]([[R:%[0-9]+]]: i64):
// CHECK-NEXT:    llvm.return [[R]] : i64
func.func @count_down(%n: i64) -> i64 {
  %zero = arith.constant 0 : i64
  %one = arith.constant 1 : i64
  %r = scf.while (%i = %n) : (i64) -> i64 {
    %go = arith.cmpi sgt, %i, %zero : i64
    scf.condition(%go) %i : i64
  } do {
  ^bb0(%i: i64):
    %next = arith.subi %i, %one : i64
    scf.yield %next : i64
  }
  func.return %r : i64
}

// exp and sqrt are LLVM intrinsics; f32 tanh is a rational polynomial (no call), x itself near 0
// and +-1 beyond 9.02; f64 tanh is libm's.
// CHECK-LABEL: llvm.func @math_ops(
// CHECK-SAME:    [[X:%[0-9]+]]: f32, [[Y:%[0-9]+]]: f64) -> f32 attributes {charl.signature = "(f32, f64) -> f32"} {
// CHECK:         [[E:%[0-9]+]] = llvm.call_intrinsic "llvm.exp.f32"([[X]]) : (f32) -> f32
// CHECK-NEXT:    [[S:%[0-9]+]] = llvm.call_intrinsic "llvm.sqrt.f32"([[E]]) : (f32) -> f32
// CHECK-NOT:     llvm.call @tanhf
// CHECK:         llvm.fdiv
// CHECK:         [[ABS:%[0-9]+]] = llvm.call_intrinsic "llvm.fabs.f32"([[S]]) : (f32) -> f32
// CHECK-NEXT:    [[TINY:%[0-9]+]] = llvm.fcmp "olt" [[ABS]], %{{[0-9]+}} : f32
// CHECK-NEXT:    [[R:%[0-9]+]] = llvm.select [[TINY]], [[S]], %{{[0-9]+}} : i1, f32
// CHECK-NEXT:    [[BIG:%[0-9]+]] = llvm.fcmp "ogt" [[ABS]], %{{[0-9]+}} : f32
// CHECK-NEXT:    [[ONE:%[0-9]+]] = llvm.call_intrinsic "llvm.copysign.f32"(%{{[0-9]+}}, [[S]]) : (f32, f32) -> f32
// CHECK-NEXT:    [[T:%[0-9]+]] = llvm.select [[BIG]], [[ONE]], [[R]] : i1, f32
// CHECK-NEXT:    [[U:%[0-9]+]] = llvm.call @tanh([[Y]]) : (f64) -> f64
// CHECK-NEXT:    [[V:%[0-9]+]] = llvm.fptrunc [[U]] : f64 to f32
// CHECK-NEXT:    [[W:%[0-9]+]] = llvm.fadd [[T]], [[V]] {fastmathFlags = #llvm.fastmath<contract>} : f32
// CHECK-NEXT:    llvm.return [[W]] : f32
func.func @math_ops(%x: f32, %y: f64) -> f32 {
  %e = math.exp %x : f32
  %s = math.sqrt %e : f32
  %t = math.tanh %s : f32
  %u = math.tanh %y : f64
  %v = arith.truncf %u : f64 to f32
  %w = arith.addf %t, %v : f32
  func.return %w : f32
}

// A private function without a body is a C function: an external declaration with the expanded
// signature. A cast to an unranked memref stores the descriptor into a slot allocated in the entry
// block (3 + 2 * rank words) and passes (rank, slot).
// CHECK:       llvm.func @charl_rt_print_tensor_f32(i64, !llvm.ptr, i32)
// CHECK-LABEL: llvm.func @print_tensor(
// CHECK-SAME:    [[ALLOC:%[0-9]+]]: !llvm.ptr {llvm.noalias}, [[ALIGNED:%[0-9]+]]: !llvm.ptr {llvm.noalias}, %{{[0-9]+}}: i64, %{{[0-9]+}}: i64, %{{[0-9]+}}: i64, %{{[0-9]+}}: i64, %{{[0-9]+}}: i64)
// CHECK-NEXT:    [[WORDS:%[0-9]+]] = llvm.mlir.constant(7) : i64
// CHECK-NEXT:    [[SLOT:%[0-9]+]] = llvm.alloca [[WORDS]] x !llvm.ptr {alignment = 8 : i64} : (i64) -> !llvm.ptr
// CHECK-DAG:     [[C0:%[0-9]+]] = llvm.mlir.constant(0) : i64
// CHECK-DAG:     [[C1:%[0-9]+]] = llvm.mlir.constant(1) : i64
// CHECK-DAG:     [[C2:%[0-9]+]] = llvm.mlir.constant(2) : i64
// CHECK-DAG:     [[C3:%[0-9]+]] = llvm.mlir.constant(3) : i64
// CHECK-DAG:     [[CODE:%[0-9]+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK:         llvm.br ^[[BODY:bb[0-9]+]]
// CHECK-NEXT:  ^[[BODY]]:
// CHECK-NEXT:    [[F0:%[0-9]+]] = llvm.getelementptr [[SLOT]][0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(!llvm.ptr, !llvm.ptr, i64, !llvm.array<2 x i64>, !llvm.array<2 x i64>)>
// CHECK-NEXT:    llvm.store [[ALLOC]], [[F0]] : !llvm.ptr, !llvm.ptr
// CHECK-NEXT:    [[F1:%[0-9]+]] = llvm.getelementptr [[SLOT]][0, 1]
// CHECK-NEXT:    llvm.store [[ALIGNED]], [[F1]] : !llvm.ptr, !llvm.ptr
// CHECK-NEXT:    [[F2:%[0-9]+]] = llvm.getelementptr [[SLOT]][0, 2]
// CHECK-NEXT:    llvm.store [[C0]], [[F2]] : i64, !llvm.ptr
// CHECK-NEXT:    [[S0:%[0-9]+]] = llvm.getelementptr [[SLOT]][0, 3, 0]
// CHECK-NEXT:    llvm.store [[C2]], [[S0]] : i64, !llvm.ptr
// CHECK-NEXT:    [[S1:%[0-9]+]] = llvm.getelementptr [[SLOT]][0, 3, 1]
// CHECK-NEXT:    llvm.store [[C3]], [[S1]] : i64, !llvm.ptr
// CHECK-NEXT:    [[T0:%[0-9]+]] = llvm.getelementptr [[SLOT]][0, 4, 0]
// CHECK-NEXT:    llvm.store [[C3]], [[T0]] : i64, !llvm.ptr
// CHECK-NEXT:    [[T1:%[0-9]+]] = llvm.getelementptr [[SLOT]][0, 4, 1]
// CHECK-NEXT:    llvm.store [[C1]], [[T1]] : i64, !llvm.ptr
// CHECK-NEXT:    llvm.call @charl_rt_print_tensor_f32([[C2]], [[SLOT]], [[CODE]]) : (i64, !llvm.ptr, i32) -> ()
// CHECK-NEXT:    llvm.return
func.func private @charl_rt_print_tensor_f32(memref<*xf32>, i32)
func.func @print_tensor(%t: memref<2x3xf32>) {
  %u = "memref.cast"(%t) : (memref<2x3xf32>) -> memref<*xf32>
  %code = arith.constant 0 : i32
  func.call @charl_rt_print_tensor_f32(%u, %code) : (memref<*xf32>, i32) -> ()
  func.return
}

// An unranked argument is (rank, descriptor pointer), the pointer not noalias; a cast to a ranked
// type loads the fields its type does not fix (here the pointers and the dynamic size).
// CHECK-LABEL: llvm.func @read(
// CHECK-SAME:    %{{[0-9]+}}: i64, [[D:%[0-9]+]]: !llvm.ptr) -> f32 attributes {charl.signature = "(memref<*xf32>) -> f32"} {
// CHECK-DAG:     [[C5:%[0-9]+]] = llvm.mlir.constant(5) : i64
// CHECK:         llvm.getelementptr [[D]][0, 0]
// CHECK:         [[P:%[0-9]+]] = llvm.getelementptr [[D]][0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(!llvm.ptr, !llvm.ptr, i64, !llvm.array<2 x i64>, !llvm.array<2 x i64>)>
// CHECK-NEXT:    [[ALIGNED:%[0-9]+]] = llvm.load [[P]] : !llvm.ptr -> !llvm.ptr
// CHECK-NEXT:    [[PN:%[0-9]+]] = llvm.getelementptr [[D]][0, 3, 0]
// CHECK-NEXT:    llvm.load [[PN]] : !llvm.ptr -> i64
// CHECK-NEXT:    [[PX:%[0-9]+]] = llvm.getelementptr inbounds [[ALIGNED]]{{\[}}[[C5]]{{\]}} : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK-NEXT:    [[X:%[0-9]+]] = llvm.load [[PX]] {alignment = 4 : i64} : !llvm.ptr -> f32
// CHECK-NEXT:    llvm.return [[X]] : f32
func.func @read(%u: memref<*xf32>) -> f32 {
  %m = "memref.cast"(%u) : (memref<*xf32>) -> memref<?x4xf32>
  %c1 = arith.constant 1 : index
  %x = memref.load %m[%c1, %c1] : memref<?x4xf32>
  func.return %x : f32
}

// memref.dim of an unranked memref reads size k at i64 word 3 + k of the descriptor.
// CHECK-LABEL: llvm.func @size(
// CHECK-SAME:    %{{[0-9]+}}: i64, [[D:%[0-9]+]]: !llvm.ptr, [[K:%[0-9]+]]: i64) -> i64
// CHECK:         [[C3:%[0-9]+]] = llvm.mlir.constant(3) : i64
// CHECK:         [[W:%[0-9]+]] = llvm.add [[K]], [[C3]] : i64
// CHECK-NEXT:    [[P:%[0-9]+]] = llvm.getelementptr inbounds [[D]]{{\[}}[[W]]{{\]}} : (!llvm.ptr, i64) -> !llvm.ptr, i64
// CHECK-NEXT:    [[N:%[0-9]+]] = llvm.load [[P]] : !llvm.ptr -> i64
// CHECK-NEXT:    llvm.return [[N]] : i64
func.func @size(%u: memref<*xf32>, %k: index) -> index {
  %n = memref.dim %u, %k : memref<*xf32>
  func.return %n : index
}

// i1 is a C bool: zeroext on parameters and results.
// CHECK:       llvm.func @charl_rt_flag(i1) -> (i1 {llvm.zeroext})
// CHECK-LABEL: llvm.func @flag(
// CHECK-SAME:    [[B:%[0-9]+]]: i1 {llvm.zeroext}) -> (i1 {llvm.zeroext}) attributes {charl.signature = "(i1) -> i1"} {
// CHECK:         [[R:%[0-9]+]] = llvm.call @charl_rt_flag([[B]]) : (i1) -> i1
// CHECK-NEXT:    llvm.return [[R]] : i1
func.func private @charl_rt_flag(i1) -> i1
func.func @flag(%b: i1) -> i1 {
  %r = func.call @charl_rt_flag(%b) : (i1) -> i1
  func.return %r : i1
}

// Constant globals of any element type, dense or splat, become LLVM array constants.
// CHECK:       llvm.mlir.global internal constant @text(dense<[104, 105, 10]> : tensor<3xi8>) {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<3 x i8>
// CHECK:       llvm.mlir.global internal constant @ones(dense<1.000000e+00> : tensor<2x2xf64>) {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<4 x f64>
"memref.global"() <{sym_name = "text", sym_visibility = "private", type = memref<3xi8>, initial_value = dense<[104, 105, 10]> : tensor<3xi8>, constant}> : () -> ()
"memref.global"() <{sym_name = "ones", sym_visibility = "private", type = memref<2x2xf64>, initial_value = dense<1.0> : tensor<2x2xf64>, constant}> : () -> ()

// A private function gets internal linkage and no signature; C functions are declared once, at the end.
// CHECK-LABEL: llvm.func internal @helper(
// CHECK-SAME:    %{{[0-9]+}}: f32) -> f32 {
// CHECK-DAG:   llvm.func @malloc(i64) -> !llvm.ptr
// CHECK-DAG:   llvm.func @free(!llvm.ptr)
// CHECK-DAG:   llvm.func @tanh(f64) -> f64
func.func private @helper(%x: f32) -> f32 {
  func.return %x : f32
}
