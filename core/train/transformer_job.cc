#include "core/train/transformer_job.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "core/train/job_limits.h"
#include "core/train/json_fields.h"
#include "core/train/op_job.h"
#include "core/train/sequence_task.h"

namespace veritrain {

namespace {

using Tensors = std::vector<torch::Tensor>;

constexpr double kEmbedBound = 0.1;
constexpr double kLayerNormEps = 1e-5;

OpParam Uniform(const std::string& name, std::vector<int64_t> shape,
                double bound) {
  return {name, std::move(shape), ParamInit::kUniform, bound};
}

OpParam Constant(const std::string& name, std::vector<int64_t> shape,
                 double value) {
  return {name, std::move(shape), ParamInit::kConstant, value};
}

Op LinearOp(const std::string& name, const std::string& input, int64_t in,
            int64_t out, int64_t rows) {
  Op op;
  op.name = name;
  op.inputs = {input};
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  op.params = {Uniform("weight", {out, in}, bound), Uniform("bias", {out}, bound)};
  op.forward = [](const Tensors& x, const Tensors& p) {
    return torch::linear(x[0], p[0], p[1]);
  };
  op.forward_flops = LinearFlops(rows, in, out);
  return op;
}

Op LayerNormOp(const std::string& name, const std::string& input, int64_t d,
               int64_t rows) {
  Op op;
  op.name = name;
  op.inputs = {input};
  op.params = {Constant("weight", {d}, 1.0), Constant("bias", {d}, 0.0)};
  op.forward = [d](const Tensors& x, const Tensors& p) {
    return torch::layer_norm(x[0], {d}, p[0], p[1], kLayerNormEps);
  };
  // Mean, variance, normalise, scale and shift: about 8 flops per element.
  op.forward_flops = 8.0 * static_cast<double>(rows * d);
  return op;
}

Op AddOp(const std::string& name, const std::string& a, const std::string& b,
         int64_t numel) {
  Op op;
  op.name = name;
  op.inputs = {a, b};
  op.forward = [](const Tensors& x, const Tensors&) { return x[0].add(x[1]); };
  op.forward_flops = static_cast<double>(numel);
  op.backward_flops = static_cast<double>(numel);
  return op;
}

// [B, L, 3D] -> the part `which` (0 q, 1 k, 2 v) as [B, H, L, D/H].
torch::Tensor Heads(const torch::Tensor& qkv, int64_t which, int64_t heads) {
  const int64_t b = qkv.size(0), l = qkv.size(1), d = qkv.size(2) / 3;
  return qkv.narrow(2, which * d, d).reshape({b, l, heads, d / heads}).transpose(1, 2);
}

void AddBlock(std::vector<Op>* ops, const TransformerSpec& s, int64_t index,
              const std::string& input, int64_t batch) {
  const std::string p = "block" + std::to_string(index) + ".";
  const int64_t d = s.d_model, h = s.heads, l = s.seq_len, f = s.mlp_hidden;
  const int64_t rows = batch * l;
  const double bhll = static_cast<double>(batch * h * l * l);
  const double dh = static_cast<double>(d / h);
  auto act = [&](const std::string& op) { return "act/" + p + op; };

  ops->push_back(LayerNormOp(p + "ln1", input, d, rows));
  ops->push_back(LinearOp(p + "qkv", act("ln1"), d, 3 * d, rows));

  Op scores;
  scores.name = p + "scores";
  scores.inputs = {act("qkv")};
  scores.forward = [h, dh](const Tensors& x, const Tensors&) {
    torch::Tensor q = Heads(x[0], 0, h);
    torch::Tensor k = Heads(x[0], 1, h);
    const int64_t len = q.size(2);
    torch::Tensor mask =
        torch::ones({len, len}, torch::TensorOptions().dtype(torch::kBool)).triu(1);
    return q.matmul(k.transpose(2, 3))
        .div(std::sqrt(dh))
        .masked_fill(mask, -std::numeric_limits<double>::infinity());
  };
  scores.forward_flops = 2.0 * bhll * dh + 2.0 * bhll;
  ops->push_back(std::move(scores));

  Op softmax;
  softmax.name = p + "softmax";
  softmax.inputs = {act("scores")};
  softmax.forward = [](const Tensors& x, const Tensors&) {
    return torch::softmax(x[0], -1);
  };
  softmax.forward_flops = 5.0 * bhll;
  ops->push_back(std::move(softmax));

  Op context;
  context.name = p + "context";
  context.inputs = {act("softmax"), act("qkv")};
  context.forward = [h](const Tensors& x, const Tensors&) {
    torch::Tensor v = Heads(x[1], 2, h);
    torch::Tensor c = x[0].matmul(v);  // [B, H, L, D/H]
    return c.transpose(1, 2).reshape({c.size(0), c.size(2), c.size(1) * c.size(3)});
  };
  context.forward_flops = 2.0 * bhll * dh;
  ops->push_back(std::move(context));

  ops->push_back(LinearOp(p + "proj", act("context"), d, d, rows));
  ops->push_back(AddOp(p + "res1", input, act("proj"), rows * d));
  ops->push_back(LayerNormOp(p + "ln2", act("res1"), d, rows));
  ops->push_back(LinearOp(p + "fc1", act("ln2"), d, f, rows));

  Op gelu;
  gelu.name = p + "gelu";
  gelu.inputs = {act("fc1")};
  gelu.forward = [](const Tensors& x, const Tensors&) { return torch::gelu(x[0]); };
  gelu.forward_flops = 8.0 * static_cast<double>(rows * f);
  ops->push_back(std::move(gelu));

  ops->push_back(LinearOp(p + "fc2", act("gelu"), f, d, rows));
  ops->push_back(AddOp(p + "res2", act("res1"), act("fc2"), rows * d));
}

}  // namespace

std::vector<Op> TransformerOps(const TransformerSpec& s, int64_t batch) {
  std::vector<Op> ops;
  const int64_t rows = batch * s.seq_len;
  Op embed;
  embed.name = "embed";
  embed.inputs = {"data/x"};
  embed.params = {Uniform("tok.weight", {s.vocab, s.d_model}, kEmbedBound),
                  Uniform("pos.weight", {s.seq_len, s.d_model}, kEmbedBound)};
  embed.forward = [](const Tensors& x, const Tensors& p) {
    const int64_t len = x[0].size(1);
    return torch::embedding(p[0], x[0]).add(p[1].narrow(0, 0, len));
  };
  embed.forward_flops = static_cast<double>(rows * s.d_model);
  ops.push_back(std::move(embed));
  std::string x = "act/embed";
  for (int64_t i = 1; i <= s.layers; ++i) {
    AddBlock(&ops, s, i, x, batch);
    x = "act/block" + std::to_string(i) + ".res2";
  }
  ops.push_back(LayerNormOp("ln_f", x, s.d_model, rows));
  Op head = LinearOp("head", "act/ln_f", s.d_model, s.vocab, rows);
  head.forward = [](const Tensors& in, const Tensors& p) {
    torch::Tensor logits = torch::linear(in[0], p[0], p[1]);
    return logits.reshape({-1, logits.size(-1)});
  };
  ops.push_back(std::move(head));
  return ops;
}

Result<std::unique_ptr<TrainingJob>> MakeTransformerJob(const JobConfig& config) {
  const nlohmann::json& p = config.params;
  VT_RETURN_IF_ERROR(RequireObject(p, "job"));
  VT_RETURN_IF_ERROR(RejectUnknownFields(
      p, "job",
      {"vocab", "seq_len", "d_model", "heads", "layers", "mlp_hidden",
       "train_size", "test_size", "optimizer"}));
  TransformerSpec spec;
  SequenceTaskSpec task;
  VT_RETURN_IF_ERROR(GetInt(p, "vocab", "job", 2, 1 << 16, &spec.vocab));
  VT_RETURN_IF_ERROR(GetInt(p, "seq_len", "job", 2, 4096, &spec.seq_len));
  VT_RETURN_IF_ERROR(GetInt(p, "d_model", "job", 1, 1 << 14, &spec.d_model));
  VT_RETURN_IF_ERROR(GetInt(p, "heads", "job", 1, 1 << 10, &spec.heads));
  VT_RETURN_IF_ERROR(GetInt(p, "layers", "job", 1, 64, &spec.layers));
  spec.mlp_hidden = 2 * spec.d_model;
  VT_RETURN_IF_ERROR(GetInt(p, "mlp_hidden", "job", 1, 1 << 16, &spec.mlp_hidden));
  VT_RETURN_IF_ERROR(GetInt(p, "train_size", "job", 1, 1 << 22, &task.train_size));
  VT_RETURN_IF_ERROR(GetInt(p, "test_size", "job", 1, 1 << 22, &task.test_size));
  if (spec.seq_len % 2 != 0) {
    return Status::InvalidArgument("job.seq_len must be even, not " +
                                   std::to_string(spec.seq_len));
  }
  if (spec.d_model % spec.heads != 0) {
    return Status::InvalidArgument("job.heads (" + std::to_string(spec.heads) +
                                   ") must divide job.d_model (" +
                                   std::to_string(spec.d_model) + ")");
  }
  // Embedding, positions, per block: qkv, proj, fc1, fc2 and two layer
  // norms; the final norm and the head (upper bounds for the limit).
  SizeCount parameters;
  parameters.Add(spec.vocab + spec.seq_len, spec.d_model);
  parameters.Add(spec.layers, spec.d_model, 4 * spec.d_model + 2 * spec.mlp_hidden + 8);
  parameters.Add(spec.layers, spec.mlp_hidden);
  parameters.Add(spec.d_model + 2, spec.vocab + 2);
  VT_RETURN_IF_ERROR(CheckModelParameters(
      parameters.value(), "job.vocab, job.seq_len, job.d_model, job.layers, job.mlp_hidden"));
  SizeCount values;  // inputs and targets of both sets
  values.Add(task.train_size + task.test_size, spec.seq_len, 2);
  VT_RETURN_IF_ERROR(
      CheckDatasetValues(values.value(), "job.train_size, job.test_size, job.seq_len"));
  // One sequence in a step: its tokens; per token the embedding, per block
  // ln1, qkv (3), context, proj, res1, ln2, fc2, res2 (9 × d_model) and
  // fc1, gelu (2 × mlp_hidden), then ln_f and the logits; per block and
  // head the attention scores and their softmax (seq_len²); and the
  // gradient of every output. Checked before any op's output exists (the
  // op job measures one example again, op_job.h).
  SizeCount forward;
  forward.Add(spec.seq_len, 2 * spec.d_model + spec.vocab);
  forward.Add(spec.layers, spec.seq_len, 9 * spec.d_model + 2 * spec.mlp_hidden);
  SizeCount squares;
  squares.Add(spec.seq_len, spec.seq_len, 2 * spec.heads);
  forward.Add(spec.layers, squares.value());
  SizeCount example;
  example.Add(spec.seq_len);
  example.Add(forward.value(), 2);
  VT_RETURN_IF_ERROR(CheckBatchBytes(
      config.batch_size, example.value(), DTypeBytes(config.dtype),
      "job.vocab, job.seq_len, job.d_model, job.heads, job.layers, job.mlp_hidden"));
  task.vocab = spec.vocab;
  task.seq_len = spec.seq_len;
  OpJobSpec job;
  job.ops = TransformerOps(spec, config.batch_size);
  job.train = MakeSequenceDataset(task, config.data_seed, true);
  job.test = MakeSequenceDataset(task, config.data_seed, false);
  return MakeOpJob(config, std::move(job));
}

}  // namespace veritrain
