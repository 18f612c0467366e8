// Conversion between LibTorch tensors and TensorData (core/state).
//
// TensorMap is how the training code names tensors: the step graph's value
// table, a training state, a batch. TensorData/State is how tensors leave
// LibTorch (hashing, checkpoint files, wire messages).
//
// ToTensorData is zero-copy for a contiguous CPU tensor: the TensorData's
// Bytes borrow the tensor's memory and hold a reference to the tensor as
// owner. Tensors are little-endian in memory on every platform this builds
// for (x86-64, aarch64), matching TensorData's byte order.
//
// Thread-safety: pure functions over values.
#pragma once

#include <torch/types.h>

#include <exception>
#include <map>
#include <optional>
#include <string>

#include "core/state/tensor_data.h"
#include "core/util/status.h"

namespace veritrain {

// Ordered by name, so iteration order is the canonical order.
using TensorMap = std::map<std::string, torch::Tensor>;

// The DType of a torch scalar type; kInvalid when it has none (e.g. bool,
// complex).
DType ToDType(torch::ScalarType t);
// REQUIRES: d != DType::kInvalid.
torch::ScalarType ToScalarType(DType d);

// `t` as bytes, without copying when t is a contiguous CPU tensor
// (otherwise a contiguous CPU copy is made and owned by the result).
// The dtype is kInvalid when ToDType(t) is; such a TensorData is not
// consistent().
// REQUIRES: t is defined, and t's memory is not modified in place while the
// result (or a copy of its Bytes) lives.
TensorData ToTensorData(const std::string& name, const torch::Tensor& t);

// The message of an exception from LibTorch's code or a job's: a
// c10::Error's without the C++ backtrace it carries (twenty lines of frames
// a user cannot act on), any other's what().
std::string ErrorText(const std::exception& e);

// A fresh CPU tensor holding a copy of t's bytes. InvalidArgument naming
// the tensor when t is not consistent().
Result<torch::Tensor> FromTensorData(const TensorData& t);

// A CPU tensor over t's bytes without copying them (torch::from_blob), which
// keeps t's buffer (a received ZeroMQ frame, a mapped file) alive for as
// long as the tensor or a view of it lives. A copy, as FromTensorData, when
// the bytes are not aligned to the dtype's element size. InvalidArgument
// naming the tensor when t is not consistent().
// REQUIRES: the result is never written in place (the buffer is immutable:
// a mapped checkpoint is read-only memory). Operations that return new
// tensors (all of training's) are fine.
Result<torch::Tensor> ViewTensorData(const TensorData& t);

// Every tensor of m, in name order (zero-copy as ToTensorData).
// REQUIRES: as for ToTensorData, for every tensor.
State ToState(const TensorMap& m);
// InvalidArgument naming the tensor on an inconsistent tensor or a repeated
// name.
Result<TensorMap> FromState(const State& s);
// FromState without copying: every tensor as ViewTensorData (same errors,
// same REQUIRES). For states received from peers, which are only read.
Result<TensorMap> ViewState(const State& s);

// A deep copy: every tensor cloned (contiguous).
TensorMap CloneTensorMap(const TensorMap& m);

// True when both maps have the same names and every pair of tensors has the
// same dtype, shape and bytes (memcmp: stricter than torch::equal, since
// 0.0 and -0.0 differ and equal NaNs match).
bool BitEqual(const TensorMap& a, const TensorMap& b);
bool BitEqual(const torch::Tensor& a, const torch::Tensor& b);

// `state` with every floating tensor converted to `dtype` (other tensors
// shared). Used when a verifier computes in another precision than the
// solver committed in.
TensorMap CastFloating(const TensorMap& state, torch::ScalarType dtype);

// Why CastFloating(state, dtype) would turn a finite value into an
// infinity: the first such tensor (in name order) and its largest
// magnitude ("opt/v/fc1.weight holds 1.2e+40, beyond float32's largest
// 3.4e+38"); nullopt when every finite value fits (always, for a dtype as
// wide as the state's).
std::optional<std::string> BeyondRange(const TensorMap& state, torch::ScalarType dtype);

// The precision a state was committed in, as a profile dtype name:
// "float64" when its first floating `param/` tensor is double, else
// "float32" (also for a state without floating parameters). The State
// overload reads tensors as bytes (a checkpoint or evidence received).
std::string CommittedDtype(const TensorMap& state);
std::string CommittedDtype(const State& state);

}  // namespace veritrain
