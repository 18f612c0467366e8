// The translation unit veritrain_torch_pch exists for: it builds the
// precompiled <torch/types.h> that the targets including LibTorch reuse
// (cmake/build_speed.cmake). It defines nothing.
