#include "core/train/batch_rows.h"

#include "core/train/torch_bridge.h"

#include <string>
#include <vector>

namespace veritrain {

Result<BatchRows> SelectBatchRows(const DataOrder& order, int64_t step, int64_t batch_size,
                                  const torch::Tensor& x, const torch::Tensor& y) {
  if (step < 0) {
    return Status::InvalidArgument("batch of step " + std::to_string(step) +
                                   ": the step is negative");
  }
  std::vector<int64_t> idx = order.Batch(step, batch_size);
  try {
    torch::Tensor i = torch::from_blob(idx.data(), {static_cast<int64_t>(idx.size())},
                                       torch::TensorOptions().dtype(torch::kInt64));
    return BatchRows{x.index_select(0, i), y.index_select(0, i)};
  } catch (const std::exception& e) {
    return Status::Internal("batch of step " + std::to_string(step) + ": " + ErrorText(e));
  }
}

}  // namespace veritrain
