// RUN: charlc run %s | filecheck %s --match-full-lines

// clock() is a monotonic float64 in seconds.

// CHECK:      true true
let t0 = clock()
let mut acc = 0.0
for i in 0..1000 { acc = acc + 1.0 }
let t1 = clock()
print(t1 >= t0, t1 - t0 < 60.0)
