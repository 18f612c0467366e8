// The "transformer" job: a small decoder-only transformer (GPT-style,
// pre-norm) on the synthetic copy task of sequence_task.h.
//
// Job fields (besides the common ones of job_config.h), with defaults:
//   vocab 16, seq_len 16, d_model 32, heads 2, layers 2,
//   mlp_hidden (2 * d_model), train_size 2048, test_size 256, optimizer.
// heads must divide d_model; seq_len must be even.
//
// Ops, in order (op_graph.h; each is a forward and, but for none here, a
// backward node), for batch B, length L, width D, H heads of width D/H:
//   embed                token + position embedding: tok.weight [vocab, D]
//                        indexed by data/x, plus pos.weight [L, D]
//   block<i>.ln1         layer norm (weight, bias [D])
//   block<i>.qkv         linear D -> 3D (queries, keys, values)
//   block<i>.scores      Q K^T / sqrt(D/H) per head, causally masked (-inf
//                        above the diagonal): [B, H, L, L]
//   block<i>.softmax     softmax over the last axis: attention weights
//   block<i>.context     weights times V, heads concatenated: [B, L, D]
//   block<i>.proj        linear D -> D
//   block<i>.res1        residual add: block input + proj
//   block<i>.ln2         layer norm
//   block<i>.fc1         linear D -> mlp_hidden
//   block<i>.gelu        GELU (erf form)
//   block<i>.fc2         linear mlp_hidden -> D
//   block<i>.res2        residual add: res1 + fc2
//   ln_f                 final layer norm
//   head                 linear D -> vocab, logits as [B * L, vocab]
// then loss.forward / loss.backward (cross-entropy over the scored
// positions), the backward nodes in reverse (with gradient sums where a
// value feeds two ops: a block's input, qkv, res1) and one optimizer node
// per parameter. Linear weights and biases start uniform in
// ±1/sqrt(fan_in), embeddings uniform in ±0.1, layer norms at weight 1 and
// bias 0, each from the init seed (op_graph.h InitOpParams).
//
// At the defaults and batch 16 the graph's FLOP estimates add up to about
// 43 MFLOP per step (forward, backward and optimizer): milliseconds on one
// thread.
//
// Thread-safety: thread-compatible, like every job (job.h).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/train/job.h"
#include "core/train/op_graph.h"

namespace veritrain {

struct TransformerSpec {
  int64_t vocab = 16;
  int64_t seq_len = 16;
  int64_t d_model = 32;
  int64_t heads = 2;
  int64_t layers = 2;
  int64_t mlp_hidden = 64;
};

// The ops above for batches of `batch` sequences (FLOP estimates use it;
// the ops themselves take any batch size).
// REQUIRES: heads divides d_model; every field >= 1.
std::vector<Op> TransformerOps(const TransformerSpec& spec, int64_t batch);

Result<std::unique_ptr<TrainingJob>> MakeTransformerJob(const JobConfig& config);

}  // namespace veritrain
