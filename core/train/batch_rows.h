// The rows of a dataset that form one step's batch, for every job whose
// samples are the rows of an (x, y) pair of tensors (the classifier jobs,
// the op jobs): the data order (data_order.h) picks the indices, and the
// rows are selected in batch order.
//
// Thread-safety: as DataOrder (thread-safe); x and y are only read.
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "core/train/data_order.h"
#include "core/util/status.h"

namespace veritrain {

struct BatchRows {
  torch::Tensor x;
  torch::Tensor y;
};

// The batch of step `step`. InvalidArgument for a negative step; Internal
// naming the step when LibTorch fails.
// REQUIRES: batch_size > 0; x and y have order.dataset_size() rows.
Result<BatchRows> SelectBatchRows(const DataOrder& order, int64_t step, int64_t batch_size,
                                  const torch::Tensor& x, const torch::Tensor& y);

}  // namespace veritrain
