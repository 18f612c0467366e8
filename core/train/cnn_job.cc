#include "core/train/cnn_job.h"

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "core/train/classifier_job.h"
#include "core/train/conv_layers.h"
#include "core/train/dataset.h"
#include "core/train/job_files.h"
#include "core/train/job_limits.h"
#include "core/train/json_fields.h"

namespace veritrain {

namespace {

constexpr int64_t kImage = 28;  // Fashion-MNIST images are 28 x 28
constexpr int64_t kPool = 2;

// The numbers one example holds in a step: the image, each conv block's
// conv, ReLU and pooled outputs, each head layer's output (Linear, ReLU),
// and the gradient of every output. Blocks that do not fit are reported
// by CnnLayers.
int64_t CnnExampleValues(const std::vector<int64_t>& channels, int64_t kernel,
                         const std::vector<int64_t>& hidden) {
  SizeCount count;
  count.Add(kImage, kImage);
  int64_t side = kImage;
  for (int64_t c : channels) {
    const int64_t conv = side - kernel + 1;
    if (conv < kPool) break;
    count.Add(c, conv * conv, 4);  // conv and ReLU, value and gradient
    side = conv / kPool;
    count.Add(c, side * side, 2);  // pooled, value and gradient
  }
  for (int64_t h : hidden) count.Add(h, 4);
  count.Add(kFashionMnistClasses, 2);
  return count.value();
}

// The conv blocks and the classifier head, checking that every block fits.
Result<std::vector<Layer>> CnnLayers(const std::vector<int64_t>& channels,
                                     int64_t kernel,
                                     const std::vector<int64_t>& hidden,
                                     int64_t batch, int64_t element_bytes) {
  std::vector<Layer> layers;
  int64_t in = 1;
  int64_t size = kImage;
  VT_RETURN_IF_ERROR(CheckLayerCount(static_cast<int64_t>(channels.size()), "job.channels"));
  VT_RETURN_IF_ERROR(CheckLayerCount(static_cast<int64_t>(hidden.size()), "job.hidden"));
  // Counted before any layer is built (a layer may allocate its weights).
  SizeCount parameters;
  {
    int64_t c_in = 1, side = kImage;
    for (int64_t c : channels) {
      if (side - kernel + 1 < kPool) break;  // reported below
      parameters.Add(c_in, kernel * kernel, c);
      parameters.Add(c);
      side = (side - kernel + 1) / kPool;
      c_in = c;
    }
    SizeCount flat;
    flat.Add(c_in, side, side);
    int64_t width = flat.value();
    for (size_t i = 0; i <= hidden.size(); ++i) {
      const int64_t out = i < hidden.size() ? hidden[i] : kFashionMnistClasses;
      parameters.Add(width, out);
      parameters.Add(out);
      width = out;
    }
  }
  VT_RETURN_IF_ERROR(
      CheckModelParameters(parameters.value(), "job.channels, job.kernel, job.hidden"));
  VT_RETURN_IF_ERROR(CheckBatchBytes(batch, CnnExampleValues(channels, kernel, hidden),
                                     element_bytes, "job.channels, job.kernel, job.hidden"));
  for (size_t i = 0; i < channels.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    if (size - kernel + 1 < kPool) {
      return Status::InvalidArgument(
          "job.channels: conv block " + n + " does not fit: a " +
          std::to_string(size) + " x " + std::to_string(size) +
          " input is too small for kernel " + std::to_string(kernel) +
          " and 2 x 2 pooling");
    }
    layers.push_back(Conv2dLayer("conv" + n, in, channels[i], kernel, size,
                                 size, batch, /*flat_input=*/i == 0));
    size = size - kernel + 1;
    layers.push_back(ReluLayer("relu_c" + n, channels[i] * size * size, batch));
    layers.push_back(
        MaxPool2dLayer("pool" + n, channels[i], kPool, size, size, batch));
    size /= kPool;
    in = channels[i];
  }
  layers.push_back(FlattenLayer("flatten"));
  int64_t width = in * size * size;
  for (size_t i = 0; i <= hidden.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    const int64_t out = i < hidden.size() ? hidden[i] : kFashionMnistClasses;
    layers.push_back(LinearLayer("fc" + n, width, out, batch));
    if (i < hidden.size()) layers.push_back(ReluLayer("relu" + n, out, batch));
    width = out;
  }
  return layers;
}

}  // namespace

Result<std::unique_ptr<TrainingJob>> MakeCnnJob(const JobConfig& config) {
  const nlohmann::json& p = config.params;
  VT_RETURN_IF_ERROR(RequireObject(p, "job"));
  VT_RETURN_IF_ERROR(
      RejectUnknownFields(p, "job",
                          {"channels", "kernel", "hidden", "optimizer",
                           "dataset_dir", "train_limit", "test_limit"}));
  std::vector<int64_t> channels = {8, 16};
  std::vector<int64_t> hidden = {64};
  int64_t kernel = 5;
  std::string dir = kFashionMnistDefaultDir;
  int64_t train_limit = 0;
  int64_t test_limit = 0;
  VT_RETURN_IF_ERROR(GetIntList(p, "channels", "job", 1, &channels));
  VT_RETURN_IF_ERROR(GetIntList(p, "hidden", "job", 1, &hidden));
  VT_RETURN_IF_ERROR(GetInt(p, "kernel", "job", 1, kImage, &kernel));
  VT_RETURN_IF_ERROR(GetString(p, "dataset_dir", "job", &dir));
  dir = ResolveJobFile(dir);  // relative to the scenario file
  VT_RETURN_IF_ERROR(
      GetInt(p, "train_limit", "job", 0, int64_t{1} << 40, &train_limit));
  VT_RETURN_IF_ERROR(
      GetInt(p, "test_limit", "job", 0, int64_t{1} << 40, &test_limit));
  if (channels.empty()) {
    return Status::InvalidArgument(
        "job.channels must list at least one conv block");
  }
  VT_ASSIGN_OR_RETURN(std::vector<Layer> layers,
                      CnnLayers(channels, kernel, hidden, config.batch_size,
                                DTypeBytes(config.dtype)));
  const torch::ScalarType dtype =
      config.dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
  VT_ASSIGN_OR_RETURN(FashionMnistSplits data,
                      LoadFashionMnistForJob("job.dataset_dir", dir, train_limit, test_limit, dtype));
  return MakeLayeredClassifierJob(config, std::move(layers), kFashionMnistClasses,
                                  std::move(data.train), std::move(data.test));
}

}  // namespace veritrain
