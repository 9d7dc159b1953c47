// RUN: charlc %s -p convert-to-llvm --emit=llvm | filecheck %s
// Copies out of two constant globals of different sizes: both addresses are plain `ptr`s, so the
// one `llvm.memcpy` declaration serves both calls (it used to be declared with the first array type).
// CHECK: %[[G1:.*]] = bitcast [9 x double]* @"g1" to ptr
// CHECK: %[[G2:.*]] = bitcast [7 x double]* @"g2" to ptr
// CHECK: call void @"llvm.memcpy.p0.p0.i64"(ptr %{{.*}}, ptr %[[G1]], i64 72, i1 0)
// CHECK: call void @"llvm.memcpy.p0.p0.i64"(ptr %{{.*}}, ptr %[[G2]], i64 56, i1 0)
"memref.global"() <{sym_name = "g1", type = memref<9xf64>, initial_value = dense<1.0> : tensor<9xf64>, sym_visibility = "private", constant}> : () -> ()
"memref.global"() <{sym_name = "g2", type = memref<7xf64>, initial_value = dense<2.0> : tensor<7xf64>, sym_visibility = "private", constant}> : () -> ()
func.func @f() -> (memref<9xf64>, memref<7xf64>) {
  %a = memref.get_global @g1 : memref<9xf64>
  %b = memref.get_global @g2 : memref<7xf64>
  %c = memref.alloc() : memref<9xf64>
  "memref.copy"(%a, %c) : (memref<9xf64>, memref<9xf64>) -> ()
  %d = memref.alloc() : memref<7xf64>
  "memref.copy"(%b, %d) : (memref<7xf64>, memref<7xf64>) -> ()
  func.return %c, %d : memref<9xf64>, memref<7xf64>
}
