// OpJob: a TrainingJob over a list of ops (op_graph.h) and a classification
// dataset. The torchscript and transformer jobs are OpJobs, and a C++ job
// (in-tree or a plug-in) can be one by describing its layers as ops.
//
// The batch of step s is data/x = train.x[rows] reshaped to [batch,
// input_shape...] and data/y = train.y[rows] flattened, where rows are
// BatchIndices(data_seed, s, batch_size, N) (data_order.h). The ops read
// data/x; the last op's output is the logits, [M, classes] with M = the
// number of labels in a batch (batch for one label per sample, more for a
// label per token). The loss is the mean cross-entropy over labels that
// are not -100 (PyTorch's ignore_index), so a sequence task can leave
// positions out. Step graph, in order: the ops' forward nodes,
// loss.forward, loss.backward, the ops' backward nodes and gradient sums,
// one optimizer node per parameter tensor.
//
// At construction, before the first batch is drawn, the ops run on the
// first training example to measure what one example's activations hold,
// and a batch past the limit of job_limits.h is refused (InvalidArgument
// "job.batch_size: a batch of 420 examples would hold about …"). Then the
// ops run once on the first batch: the logits' shape
// is checked (InvalidArgument "the model outputs [64, 5] for 64 labels;
// expected [64, >= 10]"), and an op whose forward_flops is 0 gets an
// estimate: 2 * W.numel * y.numel / W.size(0) + y.numel when it has a
// parameter W of rank >= 2, else y.numel (y = the op's output).
//
// Thread-safety: thread-compatible (const methods may run concurrently).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/train/dataset.h"
#include "core/train/job.h"
#include "core/train/op_graph.h"

namespace veritrain {

struct OpJobSpec {
  std::vector<Op> ops;  // in topological order; the first read data/x
  // Initial values of the kGiven parameters, by ParamValue name; other
  // parameters start as InitOpParams(init_seed) makes them.
  TensorMap given_params;
  Dataset train;  // y: int64 labels in [0, classes) or -100 (ignored)
  Dataset test;   // the held-out set for TestAccuracy
  std::vector<int64_t> input_shape;  // one sample's shape; empty: as stored
  std::vector<std::string> notes;    // TrainingJob::Notes()
};

// InvalidArgument naming the problem (ops that do not check, a missing
// given parameter, a wrong logits shape, labels out of range); errors are
// prefixed "job '<name>': ".
Result<std::unique_ptr<TrainingJob>> MakeOpJob(const JobConfig& config,
                                               OpJobSpec spec);

}  // namespace veritrain
