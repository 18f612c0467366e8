// Primitive layers of convolutional models, as Layers (layer_nodes.h): each
// a pure y = forward(x, params) whose forward and backward become step-graph
// nodes the generic way.
//
// Shapes are NCHW. FLOP counts are for one evaluation at the job's batch
// size (multiply–adds count 2).
//
// Thread-safety: Layers are immutable and their functions pure.
#pragma once

#include <cstdint>
#include <string>

#include "core/train/layer_nodes.h"

namespace veritrain {

// y = conv2d(x, weight, bias), stride 1, no padding. weight [out, in, k, k],
// bias [out], both uniform in ±1/sqrt(in·k·k) as torch.nn.Conv2d's default
// initialisation gives. x: [N, in, h, w] -> y: [N, out, h-k+1, w-k+1].
// With flat_input, x is [N, in·h·w] and is viewed as [N, in, h, w] first
// (the first layer of an image model over flat samples; being first, it
// computes no gradient for its input).
// REQUIRES: k <= h, k <= w.
Layer Conv2dLayer(const std::string& name, int64_t in, int64_t out, int64_t k,
                  int64_t h, int64_t w, int64_t batch, bool flat_input = false);

// y = max_pool2d(x, k) (stride k). x: [N, c, h, w] -> [N, c, h/k, w/k].
Layer MaxPool2dLayer(const std::string& name, int64_t channels, int64_t k,
                     int64_t h, int64_t w, int64_t batch);

// y = x.flatten(1): [N, c, h, w] -> [N, c·h·w]. No parameters.
Layer FlattenLayer(const std::string& name);

}  // namespace veritrain
