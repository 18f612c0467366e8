#include "core/train/torch_bridge.h"

#include <torch/torch.h>

#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <set>

namespace veritrain {

std::string ErrorText(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
  return e.what();
}

DType ToDType(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat32:
      return DType::kFloat32;
    case torch::kFloat64:
      return DType::kFloat64;
    case torch::kInt64:
      return DType::kInt64;
    case torch::kInt32:
      return DType::kInt32;
    case torch::kUInt8:
      return DType::kUInt8;
    case torch::kFloat16:
      return DType::kFloat16;
    case torch::kBFloat16:
      return DType::kBFloat16;
    default:
      return DType::kInvalid;
  }
}

torch::ScalarType ToScalarType(DType d) {
  switch (d) {
    case DType::kFloat32:
      return torch::kFloat32;
    case DType::kFloat64:
      return torch::kFloat64;
    case DType::kInt64:
      return torch::kInt64;
    case DType::kInt32:
      return torch::kInt32;
    case DType::kUInt8:
      return torch::kUInt8;
    case DType::kFloat16:
      return torch::kFloat16;
    case DType::kBFloat16:
      return torch::kBFloat16;
    case DType::kInvalid:
      break;
  }
  return torch::ScalarType::Undefined;
}

TensorData ToTensorData(const std::string& name, const torch::Tensor& t) {
  // detach() shares memory; to(kCPU) and contiguous() return `t` itself
  // when there is nothing to do, so a contiguous CPU tensor is not copied.
  torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
  TensorData out;
  out.name = name;
  out.dtype = ToDType(c.scalar_type());
  out.shape.assign(c.sizes().begin(), c.sizes().end());
  const size_t size = c.numel() * c.element_size();
  const void* data = size == 0 ? nullptr : c.data_ptr();
  out.bytes =
      Bytes::Borrow(std::make_shared<torch::Tensor>(std::move(c)), data, size);
  return out;
}

Result<torch::Tensor> FromTensorData(const TensorData& t) {
  if (!t.consistent()) {
    return Status::InvalidArgument(
        "tensor '" + t.name + "': inconsistent (dtype " + DTypeName(t.dtype) +
        ", " + std::to_string(t.bytes.size()) + " bytes for its shape)");
  }
  try {
    auto options = torch::TensorOptions().dtype(ToScalarType(t.dtype));
    torch::Tensor out = torch::empty(t.shape, options);
    if (t.bytes.size() > 0) {
      std::memcpy(out.data_ptr(), t.bytes.data(), t.bytes.size());
    }
    return out;
  } catch (const std::exception& e) {
    return Status::Internal("tensor '" + t.name + "': " + ErrorText(e));
  }
}

Result<torch::Tensor> ViewTensorData(const TensorData& t) {
  const size_t element = DTypeSize(t.dtype);
  const auto address = reinterpret_cast<uintptr_t>(t.bytes.data());
  if (!t.consistent() || t.bytes.empty() || element == 0 ||
      address % element != 0) {
    return FromTensorData(t);  // errors, empty tensors and misaligned bytes
  }
  try {
    auto options = torch::TensorOptions().dtype(ToScalarType(t.dtype));
    // The deleter owns a copy of the Bytes: the buffer lives as long as the
    // tensor's storage.
    return torch::from_blob(const_cast<uint8_t*>(t.bytes.data()), t.shape,
                            [keep = t.bytes](void*) {}, options);
  } catch (const std::exception& e) {
    return Status::Internal("tensor '" + t.name + "': " + ErrorText(e));
  }
}

State ToState(const TensorMap& m) {
  State s;
  s.reserve(m.size());
  for (const auto& [name, t] : m) s.push_back(ToTensorData(name, t));
  return s;
}

Result<TensorMap> FromState(const State& s) {
  TensorMap m;
  for (const auto& t : s) {
    if (m.count(t.name) != 0) {
      return Status::InvalidArgument("tensor '" + t.name +
                                     "' appears twice in the state");
    }
    VT_ASSIGN_OR_RETURN(torch::Tensor v, FromTensorData(t));
    m.emplace(t.name, std::move(v));
  }
  return m;
}

Result<TensorMap> ViewState(const State& s) {
  TensorMap m;
  for (const auto& t : s) {
    if (m.count(t.name) != 0) {
      return Status::InvalidArgument("tensor '" + t.name +
                                     "' appears twice in the state");
    }
    VT_ASSIGN_OR_RETURN(torch::Tensor v, ViewTensorData(t));
    m.emplace(t.name, std::move(v));
  }
  return m;
}

TensorMap CloneTensorMap(const TensorMap& m) {
  TensorMap out;
  for (const auto& [name, t] : m) {
    out.emplace(name, t.detach().clone(torch::MemoryFormat::Contiguous));
  }
  return out;
}

bool BitEqual(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.defined() != b.defined()) return false;
  if (!a.defined()) return true;
  if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) {
    return false;
  }
  torch::Tensor ca = a.detach().to(torch::kCPU).contiguous();
  torch::Tensor cb = b.detach().to(torch::kCPU).contiguous();
  const size_t size = ca.numel() * ca.element_size();
  return size == 0 || std::memcmp(ca.data_ptr(), cb.data_ptr(), size) == 0;
}

bool BitEqual(const TensorMap& a, const TensorMap& b) {
  if (a.size() != b.size()) return false;
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
    if (ia->first != ib->first || !BitEqual(ia->second, ib->second)) {
      return false;
    }
  }
  return true;
}

TensorMap CastFloating(const TensorMap& state, torch::ScalarType dtype) {
  TensorMap out;
  for (const auto& [name, t] : state) {
    out.emplace(name, t.is_floating_point() && t.scalar_type() != dtype
                          ? t.to(dtype)
                          : t);
  }
  return out;
}

std::optional<std::string> BeyondRange(const TensorMap& state, torch::ScalarType dtype) {
  if (!torch::isFloatingType(dtype)) return std::nullopt;
  double largest = std::numeric_limits<double>::max();
  const char* dtype_name = "float64";
  if (dtype == torch::kFloat32) {
    largest = std::numeric_limits<float>::max();
    dtype_name = "float32";
  } else if (dtype == torch::kFloat16) {
    largest = 65504.0;
    dtype_name = "float16";
  } else if (dtype == torch::kBFloat16) {
    largest = 3.3895313892515355e38;
    dtype_name = "bfloat16";
  }
  for (const auto& [name, t] : state) {
    if (!t.is_floating_point() || t.scalar_type() == dtype || t.numel() == 0) continue;
    if (torch::elementSize(t.scalar_type()) <= torch::elementSize(dtype) &&
        t.scalar_type() != torch::kBFloat16) {
      continue;  // as wide: every finite value fits
    }
    const torch::Tensor finite = torch::where(torch::isfinite(t), t.abs(), torch::zeros_like(t));
    const double most = finite.max().item<double>();
    if (most > largest) {
      char line[200];
      std::snprintf(line, sizeof line, "%s holds %.3g, beyond %s's largest %.3g", name.c_str(),
                    most, dtype_name, largest);
      return std::string(line);
    }
  }
  return std::nullopt;
}

std::string CommittedDtype(const TensorMap& state) {
  for (const auto& [name, t] : state) {
    if (name.rfind("param/", 0) == 0 && t.is_floating_point()) {
      return t.scalar_type() == torch::kFloat64 ? "float64" : "float32";
    }
  }
  return "float32";
}

std::string CommittedDtype(const State& state) {
  for (const auto& t : state) {
    if (t.name.rfind("param/", 0) == 0 &&
        (t.dtype == DType::kFloat32 || t.dtype == DType::kFloat64)) {
      return t.dtype == DType::kFloat64 ? "float64" : "float32";
    }
  }
  return "float32";
}

}  // namespace veritrain
