"""The runtime: memref ABI, the CPU JIT and the GPU device."""
