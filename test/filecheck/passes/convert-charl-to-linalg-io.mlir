// RUN: charlc %s -p convert-charl-to-linalg | filecheck %s

// Strings are private constant i8 globals, shared by equal strings; shapes i64 globals (-1: dynamic).
// CHECK:       "memref.global"() <{sym_name = "charl_str_0", type = memref<5xi8>, initial_value = dense<[115, 116, 101, 112, 32]> : tensor<5xi8>, sym_visibility = "private", constant}>
// CHECK:       "memref.global"() <{sym_name = "charl_str_1", type = memref<7xi8>, initial_value = dense<[32, 108, 111, 115, 115, 32, 123]> : tensor<7xi8>, sym_visibility = "private", constant}>
// CHECK:       "memref.global"() <{sym_name = "charl_str_2", type = memref<4xi8>, initial_value = dense<[125, 32, 119, 32]> : tensor<4xi8>, sym_visibility = "private", constant}>
// CHECK:       "memref.global"() <{sym_name = "charl_i64_0", type = memref<2xi64>, initial_value = dense<[-1, 64]> : tensor<2xi64>, sym_visibility = "private", constant}>

// print "step {} loss {{{}}} w {}": literal segments (`{{` and `}}` unescaped), a printer per
// value (tensors as unranked memrefs of their element type, with their type code: 0 for f32), then
// the newline.
// CHECK-LABEL: func.func @print(
// CHECK-SAME:    %[[STEP:.*]]: i32, %[[LOSS:.*]]: f32, %[[W:.*]]: tensor<2x3xf32>, %[[Q:.*]]: i8)
// CHECK-NEXT:    %[[G0:.*]] = memref.get_global @charl_str_0 : memref<5xi8>
// CHECK-NEXT:    %[[S0:.*]] = "memref.cast"(%[[G0]]) : (memref<5xi8>) -> memref<?xi8>
// CHECK-NEXT:    func.call @charl_rt_print_str(%[[S0]]) : (memref<?xi8>) -> ()
// CHECK-NEXT:    func.call @charl_rt_print_i32(%[[STEP]]) : (i32) -> ()
// CHECK-NEXT:    %[[G1:.*]] = memref.get_global @charl_str_1 : memref<7xi8>
// CHECK-NEXT:    %[[S1:.*]] = "memref.cast"(%[[G1]]) : (memref<7xi8>) -> memref<?xi8>
// CHECK-NEXT:    func.call @charl_rt_print_str(%[[S1]]) : (memref<?xi8>) -> ()
// CHECK-NEXT:    func.call @charl_rt_print_f32(%[[LOSS]]) : (f32) -> ()
// CHECK-NEXT:    %[[G2:.*]] = memref.get_global @charl_str_2 : memref<4xi8>
// CHECK-NEXT:    %[[S2:.*]] = "memref.cast"(%[[G2]]) : (memref<4xi8>) -> memref<?xi8>
// CHECK-NEXT:    func.call @charl_rt_print_str(%[[S2]]) : (memref<?xi8>) -> ()
// CHECK-NEXT:    %[[BUF:.*]] = bufferization.to_buffer %[[W]] read_only : tensor<2x3xf32> to memref<2x3xf32>
// CHECK-NEXT:    %[[U:.*]] = "memref.cast"(%[[BUF]]) : (memref<2x3xf32>) -> memref<*xf32>
// CHECK-NEXT:    %[[F32:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    func.call @charl_rt_print_tensor_f32(%[[U]], %[[F32]]) : (memref<*xf32>, i32) -> ()
// CHECK-NEXT:    memref.get_global @charl_str_3 : memref<1xi8>
// CHECK-NEXT:    "memref.cast"
// CHECK-NEXT:    func.call @charl_rt_print_str(%{{.*}}) : (memref<?xi8>) -> ()
// CHECK-NEXT:    %[[WIDE:.*]] = arith.extsi %[[Q]] : i8 to i32
// CHECK-NEXT:    func.call @charl_rt_print_i32(%[[WIDE]]) : (i32) -> ()
// CHECK-NEXT:    func.call @charl_rt_print_newline() : () -> ()
// CHECK-NEXT:    func.return
func.func @print(%step: i32, %loss: f32, %w: tensor<2x3xf32>, %q: i8) {
  charl.print "step {} loss {{{}}} w {} {}", %step, %loss, %w, %q : i32, f32, tensor<2x3xf32>, i8 loc("a.ch":2:1)
  func.return
}

// A format without placeholders is one string and the newline.
// CHECK-LABEL: func.func @print_text(
// CHECK-NEXT:    memref.get_global
// CHECK-NEXT:    "memref.cast"
// CHECK-NEXT:    func.call @charl_rt_print_str
// CHECK-NEXT:    func.call @charl_rt_print_newline() : () -> ()
// CHECK-NEXT:    func.return
func.func @print_text() {
  charl.print "done" loc("a.ch":3:1)
  func.return
}

// CHECK-LABEL: func.func @clock(
// CHECK-NEXT:    %[[T:.*]] = func.call @charl_rt_clock() : () -> f64
// CHECK-NEXT:    func.return %[[T]] : f64
func.func @clock() -> f64 {
  %t = charl.clock loc("a.ch":4:1)
  func.return %t : f64
}

// load_npy: open (path, where, the declared type as written, dtype, shape), the file's size of
// each `?` dim, an allocation of that size, the read, and the buffer as a tensor.
// CHECK-LABEL: func.func @load(
// CHECK:         %[[PATH:.*]] = "memref.cast"(%{{.*}}) : (memref<5xi8>) -> memref<?xi8>
// CHECK:         %[[WHERE:.*]] = "memref.cast"(%{{.*}}) : (memref<8xi8>) -> memref<?xi8>
// CHECK-NEXT:    %[[CODE:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    %[[TG:.*]] = memref.get_global @[[TYPE:charl_str_[0-9]+]] : memref<24xi8>
// CHECK-NEXT:    %[[TYPESTR:.*]] = "memref.cast"(%[[TG]]) : (memref<24xi8>) -> memref<?xi8>
// CHECK-NEXT:    %[[SG:.*]] = memref.get_global @charl_i64_0 : memref<2xi64>
// CHECK-NEXT:    %[[SHAPE:.*]] = "memref.cast"(%[[SG]]) : (memref<2xi64>) -> memref<?xi64>
// CHECK-NEXT:    func.call @charl_rt_npy_open(%[[PATH]], %[[WHERE]], %[[TYPESTR]], %[[CODE]], %[[SHAPE]]) : (memref<?xi8>, memref<?xi8>, memref<?xi8>, i32, memref<?xi64>) -> ()
// CHECK-NEXT:    %[[AXIS:.*]] = arith.constant 0 : i64
// CHECK-NEXT:    %[[N:.*]] = func.call @charl_rt_npy_dim(%[[PATH]], %[[AXIS]]) : (memref<?xi8>, i64) -> i64
// CHECK-NEXT:    %[[NI:.*]] = arith.index_cast %[[N]] : i64 to index
// CHECK-NEXT:    %[[BUF:.*]] = memref.alloc(%[[NI]]) : memref<?x64xf32>
// CHECK-NEXT:    %[[DEST:.*]] = "memref.cast"(%[[BUF]]) : (memref<?x64xf32>) -> memref<*xf32>
// CHECK-NEXT:    %[[CODE2:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    func.call @charl_rt_npy_read_f32(%[[PATH]], %[[WHERE]], %[[DEST]], %[[CODE2]]) : (memref<?xi8>, memref<?xi8>, memref<*xf32>, i32) -> ()
// CHECK-NEXT:    %[[X:.*]] = bufferization.to_tensor %[[BUF]] restrict writable : memref<?x64xf32> to tensor<?x64xf32>
// CHECK-NEXT:    func.return %[[X]] : tensor<?x64xf32>
func.func @load() -> tensor<?x64xf32> {
  %x = charl.load_npy "x.npy" : tensor<?x64xf32> loc("a.ch":5:1)
  func.return %x : tensor<?x64xf32>
}

// A size given by `dims(...)` is compared with the file's at run time.
// CHECK-LABEL: func.func @load_bound(
// CHECK-SAME:    %[[N:.*]]: index)
// CHECK:         %[[GOT:.*]] = func.call @charl_rt_npy_dim(
// CHECK:         %[[WANT:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK-NEXT:    func.call @charl_rt_check_dim(%[[GOT]], %[[WANT]], %{{.*}}, %{{.*}}) : (i64, i64, memref<?xi8>, memref<?xi8>) -> ()
func.func @load_bound(%n: index) -> tensor<?xi64> {
  %x = charl.load_npy "n.npy" dims(%n) : tensor<?xi64> loc("a.ch":6:1)
  func.return %x : tensor<?xi64>
}

// int4 travels as int8 (code 5) and is narrowed after the read; a scalar is a rank-0 buffer.
// CHECK-LABEL: func.func @load_narrow(
// CHECK:         %[[B4:.*]] = memref.alloc() : memref<4xi8>
// CHECK:         func.call @charl_rt_npy_read_i8(
// CHECK-NEXT:    %[[T8:.*]] = bufferization.to_tensor %[[B4]] restrict writable : memref<4xi8> to tensor<4xi8>
// CHECK:         linalg.generic {{.*}} ins(%[[T8]] : tensor<4xi8>) outs(%{{.*}} : tensor<4xi4>)
// CHECK:           arith.trunci %{{.*}} : i8 to i4
// CHECK:         %[[B0:.*]] = memref.alloc() : memref<f64>
// CHECK:         func.call @charl_rt_npy_read_f64(
// CHECK-NEXT:    %[[T0:.*]] = bufferization.to_tensor %[[B0]] restrict writable : memref<f64> to tensor<f64>
// CHECK-NEXT:    %{{.*}} = tensor.extract %[[T0]][] : tensor<f64>
func.func @load_narrow() -> (tensor<4xi4>, f64) {
  %q = charl.load_npy "q.npy" : tensor<4xi4> loc("a.ch":7:1)
  %s = charl.load_npy "s.npy" : f64 loc("a.ch":8:1)
  func.return %q, %s : tensor<4xi4>, f64
}

// save_npy of a scalar goes through a rank-0 tensor.
// CHECK-LABEL: func.func @save(
// CHECK-SAME:    %[[X:.*]]: tensor<?x3xi32>, %[[B:.*]]: i1)
// CHECK:         %[[BUF:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<?x3xi32> to memref<?x3xi32>
// CHECK-NEXT:    %[[U:.*]] = "memref.cast"(%[[BUF]]) : (memref<?x3xi32>) -> memref<*xi32>
// CHECK-NEXT:    %[[CODE:.*]] = arith.constant 2 : i32
// CHECK-NEXT:    func.call @charl_rt_npy_save_i32(%{{.*}}, %{{.*}}, %[[U]], %[[CODE]]) : (memref<?xi8>, memref<?xi8>, memref<*xi32>, i32) -> ()
// CHECK:         %[[T:.*]] = tensor.from_elements %[[B]] : tensor<i1>
// CHECK-NEXT:    %[[BB:.*]] = bufferization.to_buffer %[[T]] read_only : tensor<i1> to memref<i1>
// CHECK-NEXT:    %[[UB:.*]] = "memref.cast"(%[[BB]]) : (memref<i1>) -> memref<*xi1>
// CHECK-NEXT:    %[[C4:.*]] = arith.constant 4 : i32
// CHECK-NEXT:    func.call @charl_rt_npy_save_i1(%{{.*}}, %{{.*}}, %[[UB]], %[[C4]])
func.func @save(%x: tensor<?x3xi32>, %b: i1) {
  charl.save_npy "x.npy", %x : tensor<?x3xi32> loc("a.ch":9:1)
  charl.save_npy "b.npy", %b : i1 loc("a.ch":10:1)
  func.return
}

// .npz: begin, one add per named array, end; reading is one call per array into a new buffer.
// CHECK-LABEL: func.func @npz(
// CHECK-SAME:    %[[A:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<8xf64>)
// CHECK:         func.call @charl_rt_npz_save_begin(%[[PATH:.*]], %{{.*}}) : (memref<?xi8>, memref<?xi8>) -> ()
// CHECK:         func.call @charl_rt_npz_save_add_f32(%{{.*}}, %{{.*}}, %{{.*}}) : (memref<?xi8>, memref<*xf32>, i32) -> ()
// CHECK:         func.call @charl_rt_npz_save_add_f64(%{{.*}}, %{{.*}}, %{{.*}}) : (memref<?xi8>, memref<*xf64>, i32) -> ()
// CHECK-NEXT:    func.call @charl_rt_npz_save_end() : () -> ()
// CHECK:         %[[BUF:.*]] = memref.alloc() : memref<4x8xf32>
// CHECK:         func.call @charl_rt_npz_read_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (memref<?xi8>, memref<?xi8>, memref<?xi8>, memref<?xi8>, i32, memref<?xi64>, memref<*xf32>) -> ()
// CHECK-NEXT:    %[[LW:.*]] = bufferization.to_tensor %[[BUF]] restrict writable
// CHECK:         func.call @charl_rt_npz_read_f64(
// CHECK-NEXT:    %[[LB:.*]] = bufferization.to_tensor
// CHECK-NEXT:    func.return %[[LW]], %[[LB]] : tensor<4x8xf32>, tensor<8xf64>
func.func @npz(%a: tensor<4x8xf32>, %b: tensor<8xf64>) -> (tensor<4x8xf32>, tensor<8xf64>) {
  charl.save_npz "m.npz" ["l1.w", "l1.b"], %a, %b : tensor<4x8xf32>, tensor<8xf64> loc("a.ch":11:1)
  %lw, %lb = charl.load_npz "m.npz" ["l1.w", "l1.b"] : tensor<4x8xf32>, tensor<8xf64> loc("a.ch":12:1)
  func.return %lw, %lb : tensor<4x8xf32>, tensor<8xf64>
}

// One declaration per run-time function and element type; tensor arguments are unranked memrefs.
// CHECK-DAG:   func.func private @charl_rt_print_str(memref<?xi8>) -> ()
// CHECK-DAG:   func.func private @charl_rt_print_tensor_f32(memref<*xf32>, i32) -> ()
// CHECK-DAG:   func.func private @charl_rt_clock() -> f64
// CHECK-DAG:   func.func private @charl_rt_npy_open(memref<?xi8>, memref<?xi8>, memref<?xi8>, i32, memref<?xi64>) -> ()
// CHECK-DAG:   func.func private @charl_rt_npy_dim(memref<?xi8>, i64) -> i64
// CHECK-DAG:   func.func private @charl_rt_npy_read_f32(memref<?xi8>, memref<?xi8>, memref<*xf32>, i32) -> ()
// CHECK-DAG:   func.func private @charl_rt_check_dim(i64, i64, memref<?xi8>, memref<?xi8>) -> ()
// CHECK-DAG:   func.func private @charl_rt_npz_save_begin(memref<?xi8>, memref<?xi8>) -> ()
