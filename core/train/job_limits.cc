#include "core/train/job_limits.h"

#include <algorithm>
#include <limits>

namespace veritrain {
namespace {

// 16777216 -> "16,777,216".
std::string GroupedDigits(int64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// A count that SizeCount saturated is at least the int64 maximum.
std::string CountText(int64_t n) {
  return n == std::numeric_limits<int64_t>::max()
             ? GroupedDigits(n) + " or more"
             : GroupedDigits(n);
}

}  // namespace

void SizeCount::Add(int64_t a, int64_t b, int64_t c) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t ab = 0, abc = 0, sum = 0;
  if (a < 0 || b < 0 || c < 0 || __builtin_mul_overflow(a, b, &ab) ||
      __builtin_mul_overflow(ab, c, &abc) ||
      __builtin_add_overflow(value_, abc, &sum)) {
    value_ = kMax;
    return;
  }
  value_ = sum;
}

Status CheckModelParameters(int64_t parameters, const std::string& fields) {
  if (parameters <= kMaxModelParameters) return Status::Ok();
  return Status::InvalidArgument(
      fields + ": the model would have " + CountText(parameters) +
      " parameters, more than the limit of " +
      GroupedDigits(kMaxModelParameters) +
      " (built-in jobs stay small enough to check and train on a CPU)");
}

Status CheckDatasetValues(int64_t values, const std::string& fields) {
  if (values <= kMaxDatasetValues) return Status::Ok();
  return Status::InvalidArgument(
      fields + ": the training and test sets would hold " + CountText(values) +
      " numbers, more than the limit of " + GroupedDigits(kMaxDatasetValues));
}

Status CheckLayerCount(int64_t count, const std::string& field) {
  if (count <= kMaxLayers) return Status::Ok();
  return Status::InvalidArgument(field + " lists " + GroupedDigits(count) +
                                 " layers, more than the limit of " +
                                 GroupedDigits(kMaxLayers));
}

int64_t DTypeBytes(const std::string& dtype) { return dtype == "float64" ? 8 : 4; }

Status CheckBatchBytes(int64_t batch_size, int64_t values_per_example,
                       int64_t element_bytes, const std::string& fields) {
  SizeCount example;
  example.Add(values_per_example, element_bytes);
  SizeCount batch;
  batch.Add(batch_size, example.value());
  if (batch.value() <= kMaxBatchBytes) return Status::Ok();
  return Status::InvalidArgument(
      "job.batch_size: a batch of " + GroupedDigits(batch_size) +
      (batch_size == 1 ? " example" : " examples") + " would hold about " + CountText(batch.value()) +
      " bytes of inputs and activations (" + CountText(example.value()) +
      " bytes an example, estimated from " + fields + "), more than the limit of " +
      GroupedDigits(kMaxBatchBytes) + " bytes; lower job.batch_size");
}

int64_t TestChunkRows(int64_t batch_size) {
  return std::clamp<int64_t>(batch_size, 1, kMaxTestChunkRows / 2) * 2;
}

}  // namespace veritrain
