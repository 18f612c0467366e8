// The "torchscript" job: a classifier exported from PyTorch with
// torch.jit.script or torch.jit.trace, trained by veritrain's step graph
// with its optimizers and data order.
//
// Job fields (besides the common ones of job_config.h):
//   model         path of the TorchScript file (required; relative paths as
//                 job_files.h says)
//   model_sha256  hex SHA-256 of the file; when given, a file with other
//                 bytes is refused before LibTorch parses it (put it in
//                 shared scenarios, so every party provably trains the
//                 same model)
//   dataset       the data (required; dataset_spec.h)
//   input_shape   shape of one sample as the model takes it, e.g. [1, 28,
//                 28]; the flat features are reshaped to [batch, ...]
//                 (default: flat [batch, features])
//   optimizer     see optimizer_config.h (default Adam, lr 1e-3)
//   graph         "auto" (default): one op per child module when the model
//                 is a chain, else the whole model; "whole": always the
//                 whole model
//
// The model maps [batch, ...] to logits [batch, classes] and is trained
// with mean cross-entropy; the class count is the model's output width,
// which must exceed every label. The initial parameters are the file's
// (init_seed is not used). Step graph (torchscript_model.h, op_graph.h):
// <child>.forward per child, loss.forward, loss.backward, <child>.backward
// per child with parameters or upstream parameters, then one optimizer
// node per parameter tensor; or model.forward, loss.forward,
// loss.backward, model.backward and the optimizer nodes when the model is
// not a chain (one coarse node for the whole forward and one for the whole
// backward: a dispute then ends at the whole model, not at a layer).
// Node FLOPs are estimated from a forward on the first batch: a module with
// a weight W of rank >= 2 costs 2 * W.numel * output.numel / W.size(0) +
// output.numel, any other module output.numel.
//
// Errors name the field or the file: "job.model: m.pt does not exist",
// "m.pt: not a TorchScript module: ...", "job.model_sha256: m.pt has
// SHA-256 ab.., expected cd..", "job: the model outputs 5 logits per
// sample, but the labels go up to 9".
//
// Thread-safety: thread-compatible, like every job (job.h).
#pragma once

#include <memory>

#include "core/train/job.h"

namespace veritrain {

Result<std::unique_ptr<TrainingJob>> MakeTorchScriptJob(const JobConfig& config);

}  // namespace veritrain
