// Tests for the torchscript job: step graphs cut at child modules (or not),
// node-alone replay, agreement with the module's own autograd, training,
// and the errors users meet.
#include "core/train/torchscript_job.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <string>

#include "core/train/job.h"
#include "core/train/job_files.h"
#include "tests/unit/train/replay_util.h"
#include "tests/unit/train/train_test_util.h"

namespace veritrain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_util::NodeNames;

const std::string kData = std::string(VERITRAIN_SOURCE_DIR) + "/tests/unit/train/data/";
const std::string kExamples = std::string(VERITRAIN_SOURCE_DIR) + "/examples/torchscript/";

nlohmann::json SyntheticData() {
  return {{"format", "synthetic"}, {"features", 16}, {"classes", 4},
          {"train_size", 256},     {"test_size", 128}};
}

nlohmann::json ScriptJson(const std::string& model) {
  return {{"name", "torchscript"}, {"batch_size", 32}, {"data_seed", 4},
          {"model", kData + model}, {"dataset", SyntheticData()}};
}

Result<std::unique_ptr<TrainingJob>> Make(const nlohmann::json& j) {
  auto config = JobConfig::FromJson(j);
  if (!config.ok()) return config.status();
  return MakeJob(*config);
}

// The chain job with its model file replaced by `path`.
Result<std::unique_ptr<TrainingJob>> MakeWithModel(const std::string& path) {
  auto j = ScriptJson("chain.pt");
  j["model"] = path;
  return Make(j);
}

// `m` saved under the test's temp dir as `name`; its path.
std::string Saved(torch::jit::Module& m, const std::string& name) {
  const std::string path = ::testing::TempDir() + "/" + name;
  m.save(path);
  return path;
}

class TorchScriptJobTest : public ::testing::Test {
 protected:
  void SetUp() override { testing_util::UseTestProfile(); }
};

TEST_F(TorchScriptJobTest, ChainModuleGetsANodePairPerChild) {
  auto job = testing_util::MakeJobOrDie(ScriptJson("chain.pt"));
  ASSERT_NE(job, nullptr);
  EXPECT_THAT(NodeNames(*job),
              ElementsAre("fc1.forward", "norm.forward", "act.forward",
                          "fc2.forward", "loss.forward", "loss.backward",
                          "fc2.backward", "act.backward", "norm.backward",
                          "fc1.backward", "adam.fc1.weight", "adam.fc1.bias",
                          "adam.norm.weight", "adam.norm.bias",
                          "adam.fc2.weight", "adam.fc2.bias"));
  const Node& fc2b = job->graph().nodes()[6];
  EXPECT_THAT(fc2b.inputs, ElementsAre("act/act", "param/fc2.weight",
                                       "param/fc2.bias", "grad/act/fc2"));
  EXPECT_THAT(fc2b.outputs, ElementsAre("grad/act/act", "grad/param/fc2.weight",
                                        "grad/param/fc2.bias"));
  // fc1 reads the data: no gradient for its input.
  EXPECT_THAT(job->graph().nodes()[9].outputs,
              ElementsAre("grad/param/fc1.weight", "grad/param/fc1.bias"));
  // FLOP estimate of fc1 (16 -> 8 on 32 rows): 2*32*16*8 + 32*8.
  EXPECT_DOUBLE_EQ(job->graph().nodes()[0].flops, 2.0 * 32 * 16 * 8 + 32 * 8);
  // The initial parameters are the file's (and no buffer is state).
  torch::jit::Module m = torch::jit::load(kData + "chain.pt");
  TensorMap state = job->InitialState(0);
  for (const auto& p : m.named_parameters()) {
    SCOPED_TRACE(p.name);
    ASSERT_EQ(state.count("param/" + p.name), 1u);
    EXPECT_TRUE(BitEqual(state.at("param/" + p.name), p.value));
  }
  EXPECT_EQ(state.count("param/norm.running_mean"), 0u);
}

TEST_F(TorchScriptJobTest, ChainNodesReplayBitExactly) {
  auto job = testing_util::MakeJobOrDie(ScriptJson("chain.pt"));
  ASSERT_NE(job, nullptr);
  testing_util::ExpectNodesReplayBitExactly(*job, 0);
  testing_util::ExpectNodesReplayBitExactly(*job, 3);
}

TEST_F(TorchScriptJobTest, StateLayoutIsTheInitialStates) {
  // The parameters come from the module (given values), chain or coarse.
  for (const char* model : {"chain.pt", "traced_sequential.pt", "residual.pt"}) {
    auto job = testing_util::MakeJobOrDie(ScriptJson(model));
    ASSERT_NE(job, nullptr);
    EXPECT_EQ(job->StateLayout(), LayoutOf(job->InitialState(3))) << model;
  }
}

TEST_F(TorchScriptJobTest, Float64ProfileCastsTheModule) {
  auto j = ScriptJson("chain.pt");
  j["dtype"] = "float64";
  auto job = testing_util::MakeJobOrDie(j);
  ASSERT_NE(job, nullptr);
  TensorMap state = job->InitialState(0);
  EXPECT_EQ(state.at("param/fc1.weight").scalar_type(), torch::kFloat64);
  EXPECT_EQ(job->Batch(0)->at("data/x").scalar_type(), torch::kFloat64);
  testing_util::ExpectNodesReplayBitExactly(*job, 1);
}

TEST_F(TorchScriptJobTest, TracedSequentialIsAChainNamedByIndex) {
  auto job = testing_util::MakeJobOrDie(ScriptJson("traced_sequential.pt"));
  ASSERT_NE(job, nullptr);
  auto names = NodeNames(*job);
  ASSERT_GE(names.size(), 4u);
  EXPECT_THAT(std::vector<std::string>(names.begin(), names.begin() + 4),
              ElementsAre("0.forward", "1.forward", "2.forward", "loss.forward"));
  testing_util::ExpectNodesReplayBitExactly(*job, 2);
}

TEST_F(TorchScriptJobTest, NonChainModuleIsOneCoarseNodePair) {
  auto job = testing_util::MakeJobOrDie(ScriptJson("residual.pt"));
  ASSERT_NE(job, nullptr);
  EXPECT_THAT(NodeNames(*job),
              ElementsAre("model.forward", "loss.forward", "loss.backward",
                          "model.backward", "adam.model.fc.weight",
                          "adam.model.fc.bias", "adam.model.head.weight",
                          "adam.model.head.bias"));
  testing_util::ExpectNodesReplayBitExactly(*job, 2);
}

TEST_F(TorchScriptJobTest, GraphWholeForcesTheCoarseGraph) {
  auto j = ScriptJson("chain.pt");
  j["graph"] = "whole";
  auto job = testing_util::MakeJobOrDie(j);
  ASSERT_NE(job, nullptr);
  EXPECT_EQ(job->graph().nodes()[0].name, "model.forward");
  EXPECT_EQ(job->graph().size(), 4u + 6u);
}

TEST_F(TorchScriptJobTest, NotesSayWhatRunsInEvalModeAndWhyAModelIsCoarse) {
  auto chain = testing_util::MakeJobOrDie(ScriptJson("chain.pt"));
  ASSERT_NE(chain, nullptr);
  EXPECT_THAT(chain->Notes(),
              ElementsAre(HasSubstr("the model has BatchNorm1d 'norm'; veritrain trains it in "
                                    "eval mode")));
  for (const auto& n : chain->graph().nodes()) EXPECT_FALSE(n.coarse) << n.name;

  auto residual = testing_util::MakeJobOrDie(ScriptJson("residual.pt"));
  ASSERT_NE(residual, nullptr);
  EXPECT_THAT(residual->Notes(),
              ElementsAre(HasSubstr("trained as one coarse node, model.forward and "
                                    "model.backward, because its forward is not a plain chain")));
  for (const auto& n : residual->graph().nodes()) {
    EXPECT_EQ(n.coarse, n.name == "model.forward" || n.name == "model.backward") << n.name;
  }

  auto j = ScriptJson("chain.pt");
  j["graph"] = "whole";
  auto whole = testing_util::MakeJobOrDie(j);
  ASSERT_NE(whole, nullptr);
  EXPECT_THAT(whole->Notes(), ::testing::Contains(HasSubstr("because job.graph is \"whole\"")));
}

// The per-child backward nodes against the module's own forward and one
// loss.backward() through it, on the same parameters and batch.
TEST_F(TorchScriptJobTest, ChainGradientsMatchTheModulesOwnAutograd) {
  auto job = testing_util::MakeJobOrDie(ScriptJson("chain.pt"));
  ASSERT_NE(job, nullptr);
  TensorMap state = job->InitialState(0);
  std::vector<NodeRecord> record;
  ASSERT_TRUE(TrainStep(*job, state, &record).ok());
  auto batch = job->Batch(0);
  ASSERT_TRUE(batch.ok());
  std::map<std::string, torch::Tensor> values;
  for (const auto& r : record) {
    for (const auto& [k, v] : r.outputs) values[k] = v;
  }

  torch::jit::Module m = torch::jit::load(kData + "chain.pt");
  m.eval();
  for (const auto& p : m.named_parameters()) p.value.requires_grad_(true);
  torch::Tensor logits = m.forward({batch->at("data/x")}).toTensor();
  torch::Tensor loss =
      torch::nn::functional::cross_entropy(logits, batch->at("data/y"));
  loss.backward();
  EXPECT_TRUE(torch::allclose(values.at("loss"), loss.detach(), 0, 1e-6));
  for (const auto& p : m.named_parameters()) {
    SCOPED_TRACE(p.name);
    const torch::Tensor& g = values.at("grad/param/" + p.name);
    EXPECT_TRUE(torch::allclose(g, p.value.grad(), 1e-5, 1e-7))
        << "max diff " << (g - p.value.grad()).abs().max().item<double>();
  }
}

TEST_F(TorchScriptJobTest, TrainsTheModel) {
  auto j = ScriptJson("chain.pt");
  j["optimizer"] = {{"name", "adam"}, {"lr", 0.01}};
  auto job = testing_util::MakeJobOrDie(j);
  ASSERT_NE(job, nullptr);
  TensorMap state = job->InitialState(0);
  auto before = job->TestAccuracy(state);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  for (int i = 0; i < 150; ++i) {
    auto next = TrainStep(*job, state);
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    state = std::move(next).value();
  }
  auto after = job->TestAccuracy(state);
  ASSERT_TRUE(after.ok());
  EXPECT_GT(*after, 0.8);
  EXPECT_GT(*after, *before + 0.2);
}

TEST_F(TorchScriptJobTest, FashionCnnExampleIsAChainOfItsChildren) {
  auto job = testing_util::MakeJobOrDie(
      {{"name", "torchscript"},
       {"batch_size", 16},
       {"model", kExamples + "fashion_cnn.pt"},
       {"dataset", {{"format", "fashion-mnist"}, {"train_limit", 256},
                    {"test_limit", 64}}}});
  ASSERT_NE(job, nullptr);
  // As docs/bring-your-own-job.md lists them. unflatten depends on the data
  // only: no backward node.
  EXPECT_THAT(
      NodeNames(*job),
      ElementsAre("unflatten.forward", "conv1.forward", "relu1.forward",
                  "flatten.forward", "fc1.forward", "relu2.forward",
                  "fc2.forward", "loss.forward", "loss.backward", "fc2.backward",
                  "relu2.backward", "fc1.backward", "flatten.backward",
                  "relu1.backward", "conv1.backward", "adam.conv1.weight",
                  "adam.conv1.bias", "adam.fc1.weight", "adam.fc1.bias",
                  "adam.fc2.weight", "adam.fc2.bias"));
  // conv1: 4 filters of 1x5x5 over a 12x12 output, 16 images.
  EXPECT_DOUBLE_EQ(job->graph().nodes()[1].flops,
                   2.0 * 100 * (16 * 4 * 12 * 12) / 4 + 16 * 4 * 12 * 12);
  testing_util::ExpectNodesReplayBitExactly(*job, 1);
}

TEST_F(TorchScriptJobTest, RelativeModelPathsResolveAgainstTheJobFileDir) {
  auto j = ScriptJson("chain.pt");
  j["model"] = "chain.pt";
  SetJobFileDir(kData);
  auto job = Make(j);
  SetJobFileDir("");
  EXPECT_TRUE(job.ok()) << job.status().ToString();
  auto missing = Make(j);  // relative to the working directory now
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(),
              HasSubstr("job.model: chain.pt does not exist"));
}

TEST_F(TorchScriptJobTest, FileThatIsNotAModuleIsAClearError) {
  const std::string path = ::testing::TempDir() + "/veritrain_not_a_module.pt";
  {
    std::ofstream out(path, std::ios::binary);
    out << "these bytes are not a zip archive";
  }
  auto r = MakeWithModel(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              HasSubstr("job.model: " + path + ": not a TorchScript module: "));
  EXPECT_THAT(r.status().message(), Not(HasSubstr("\n")));
}

// A module with nothing to train is a TorchScript module all the same:
// the error says what is wrong with it.
TEST_F(TorchScriptJobTest, ModelWithoutParametersSaysSo) {
  torch::jit::Module m(c10::QualifiedName("Fixed"));
  m.define("def forward(self, x):\n    return torch.cat([x, x], 1)\n");
  const std::string path = Saved(m, "veritrain_no_parameters.pt");
  auto r = MakeWithModel(path);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr(path + ": the model has no parameters: nothing to train"));
  EXPECT_THAT(r.status().message(), Not(HasSubstr("not a TorchScript module")));
}

// A parameter that is not floating point is not cast to the task's dtype:
// it was trained as given (or failed deep in an op) without a word.
TEST_F(TorchScriptJobTest, AnIntegerParameterIsRefusedByName) {
  torch::jit::Module m(c10::QualifiedName("IntWeights"));
  m.register_parameter("w", torch::ones({784, 10}, torch::kLong), /*is_buffer=*/false);
  m.define("def forward(self, x):\n    return torch.matmul(x, self.w.float())\n");
  const std::string path = Saved(m, "veritrain_int_parameter.pt");
  auto r = MakeWithModel(path);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr(path + ": parameter 'w' is Long: every parameter must be floating point"));
}

// A NaN or infinite weight trained to NaN, paid, and was called a
// diverged training: the model file is refused, naming the parameter.
TEST_F(TorchScriptJobTest, ANonFiniteParameterIsRefusedByName) {
  for (const double bad : {std::nan(""), HUGE_VAL, 1e39}) {
    torch::jit::Module m(c10::QualifiedName("BadWeights"));
    torch::Tensor w = torch::zeros({784, 10}, torch::kFloat64);
    w[3][4] = bad;
    m.register_parameter("w", w, /*is_buffer=*/false);
    m.define("def forward(self, x):\n    return torch.matmul(x, self.w)\n");
    const std::string path = Saved(m, "veritrain_nonfinite_parameter.pt");
    auto r = MakeWithModel(path);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.status().message(),
                HasSubstr(path + ": parameter 'w' holds 1 NaN or infinite value(s) in Float"))
        << bad;
  }
}

// LibTorch's reader does not check the archive's CRCs: a model damaged on
// disk loaded as other weights, unless the scenario pinned its SHA-256.
TEST_F(TorchScriptJobTest, AModelDamagedOnDiskIsRefused) {
  std::ifstream in(kData + "chain.pt", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t data = bytes.find("/data/0");
  ASSERT_NE(data, std::string::npos);
  // Past the entry's local header and name, inside its stored bytes.
  bytes[data + 7 + 64] ^= 0x40;
  const std::string path = ::testing::TempDir() + "/veritrain_damaged.pt";
  std::ofstream(path, std::ios::binary) << bytes;
  auto r = MakeWithModel(path);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr(path + ": not a TorchScript module: a damaged zip archive: entry "));
}

TEST_F(TorchScriptJobTest, ModelReturningATupleIsAClearError) {
  auto r = Make(ScriptJson("pair.pt"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("op 'model' fails on the first batch"));
  EXPECT_THAT(r.status().message(), HasSubstr("not a tensor"));
}

TEST_F(TorchScriptJobTest, ShaMismatchIsRefused) {
  auto j = ScriptJson("chain.pt");
  j["model_sha256"] = std::string(64, '0');
  auto r = Make(j);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("job.model_sha256: "));
  EXPECT_THAT(r.status().message(), HasSubstr(", expected 0000"));
  j["model_sha256"] = "xyz";
  EXPECT_THAT(Make(j).status().message(), HasSubstr("must be 64 hex digits"));
}

TEST_F(TorchScriptJobTest, ShapeProblemsNameTheShapes) {
  auto j = ScriptJson("chain.pt");
  j["dataset"]["classes"] = 6;  // the model has 4 outputs
  auto r = Make(j);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("the model outputs [32, 4] for 32 labels; expected "
                        "floating logits [32, >= 6]"));
  j = ScriptJson("chain.pt");
  j["input_shape"] = {3, 5};
  EXPECT_THAT(Make(j).status().message(),
              HasSubstr("input_shape [3, 5] holds 15 values, but a sample has 16"));
  j = ScriptJson("chain.pt");
  j["dataset"]["features"] = 10;
  EXPECT_THAT(Make(j).status().message(),
              HasSubstr("op 'fc1' fails on the first batch (data/x [32, 10])"));
}

TEST_F(TorchScriptJobTest, MissingAndUnknownFieldsAreNamed) {
  auto j = ScriptJson("chain.pt");
  j.erase("model");
  EXPECT_THAT(Make(j).status().message(), HasSubstr("job.model is required"));
  j = ScriptJson("chain.pt");
  j.erase("dataset");
  EXPECT_THAT(Make(j).status().message(), HasSubstr("job.dataset is required"));
  j = ScriptJson("chain.pt");
  j["modle"] = "x";
  EXPECT_THAT(Make(j).status().message(), HasSubstr("job.modle: unknown field"));
  j = ScriptJson("chain.pt");
  j["graph"] = "fine";
  EXPECT_THAT(Make(j).status().message(),
              HasSubstr("job.graph must be \"auto\" or \"whole\""));
}

}  // namespace
}  // namespace veritrain
