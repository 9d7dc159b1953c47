// RUN: charlc run %s | filecheck %s --match-full-lines

// if/else chains, for over a half-open range, while, break, continue, and early returns.

fn classify(x: float32) -> int32 {
    if x < 0.0 { return -1 }
    if x == 0.0 { return 0 }
    return 1
}

fn first_above(x: tensor<float32, [6]>, limit: float32) -> int32 {
    for i in 0..6 {
        if x[i] > limit { return i }
    }
    return -1
}

// CHECK:      training
let loss = 0.5
if loss < 0.01 { print("converged") } else if loss > 10.0 { print("diverging") } else { print("training") }

// CHECK-NEXT: 0
// CHECK-NEXT: 2
for i in 0..5 {
    if i == 1 { continue }
    if i == 3 { break }
    print(i)
}

// CHECK-NEXT: step 100
let mut step = 0
for epoch in 0..10 { step = step + 1 }
while step < 100 { step = step + 1 }
print("step", step)

// CHECK-NEXT: -1 0 1
print(classify(-2.5), classify(0.0), classify(3.0))

// CHECK-NEXT: 3 -1
let xs = [0.5, 1.0, 1.5, 2.5, 0.1, 3.0]
print(first_above(xs, 2.0), first_above(xs, 5.0))

// CHECK-NEXT: 45 9
let mut total = 0
let mut odd = 0
for i in 0..10 {
    total = total + i
    if i % 2 == 0 { continue }
    if i > 5 { continue }
    odd = odd + i
}
print(total, odd)

// CHECK-NEXT: 6
let mut n = 0
let mut k = 0
while true {
    k = k + 1
    if k > 3 { break }
    n = n + k
}
print(n)

// CHECK-NEXT: [ 0.  1.  4.  9. 16.]
let mut squares = zeros([5])
let count = 5
for i in 0..count {
    squares[i] = cast(i * i, float32)
}
print(squares)

// CHECK-NEXT: 18
let mut nested = 0
for i in 0..4 {
    for j in 0..4 {
        if j > i { break }
        if i == j { continue }
        nested = nested + i + j
    }
}
print(nested)
