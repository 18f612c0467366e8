#include "core/train/conv_layers.h"

#include <torch/torch.h>

#include <cmath>

namespace veritrain {

Layer Conv2dLayer(const std::string& name, int64_t in, int64_t out, int64_t k,
                  int64_t h, int64_t w, int64_t batch, bool flat_input) {
  Layer l;
  l.name = name;
  const double bound = 1.0 / std::sqrt(static_cast<double>(in * k * k));
  l.params = {{"weight", {out, in, k, k}, bound}, {"bias", {out}, bound}};
  l.forward = [flat_input, in, h, w](const torch::Tensor& x,
                                     const std::vector<torch::Tensor>& p) {
    return torch::conv2d(flat_input ? x.reshape({x.size(0), in, h, w}) : x,
                         p[0], p[1]);
  };
  const double outputs = static_cast<double>(batch) * static_cast<double>(out) *
                         static_cast<double>((h - k + 1) * (w - k + 1));
  const double macs = outputs * static_cast<double>(in * k * k);
  l.forward_flops = 2.0 * macs + outputs;
  l.param_grad_flops = 2.0 * macs + outputs;
  l.input_grad_flops = 2.0 * macs;
  return l;
}

Layer MaxPool2dLayer(const std::string& name, int64_t channels, int64_t k,
                     int64_t h, int64_t w, int64_t batch) {
  Layer l;
  l.name = name;
  l.forward = [k](const torch::Tensor& x, const std::vector<torch::Tensor>&) {
    return torch::max_pool2d(x, {k, k});
  };
  const double n = static_cast<double>(batch * channels * h * w);
  l.forward_flops = n;
  l.input_grad_flops = n;
  return l;
}

Layer FlattenLayer(const std::string& name) {
  Layer l;
  l.name = name;
  l.forward = [](const torch::Tensor& x, const std::vector<torch::Tensor>&) {
    return x.flatten(1);
  };
  return l;
}

}  // namespace veritrain
