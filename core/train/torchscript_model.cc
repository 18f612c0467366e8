#include "core/train/torchscript_model.h"

#include <torch/script.h>
#include <torch/csrc/jit/runtime/graph_executor.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

#include "core/state/atomic_file.h"
#include "core/train/zip_integrity.h"

namespace veritrain {

namespace {

namespace jit = torch::jit;

// The loaded module and the lock that serialises calls into it (calls set
// parameters as attributes before running).
struct Holder {
  std::mutex mu;
  jit::Module root;
};

// Where one parameter lives: the module that owns it and its attribute.
struct ParamSlot {
  jit::Module owner;
  std::string attr;
};

// One op of the model: a module and its parameters (names relative to it).
struct Piece {
  std::string name;
  jit::Module module;
  std::vector<std::string> param_names;
  std::vector<torch::Tensor> param_values;
};

// The last non-empty line of an error: where the TorchScript interpreter
// puts the error itself, after its traceback.
std::string LastLine(const std::string& what) {
  const size_t end = what.find_last_not_of(" \n");
  if (end == std::string::npos) return what;
  const size_t nl = what.rfind('\n', end);
  const size_t start = nl == std::string::npos ? 0 : nl + 1;
  return what.substr(start, end + 1 - start);
}

std::string FirstLine(const std::string& s) {
  const size_t nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// The children `m`'s forward calls in order when it is a chain (see the
// header); nullopt otherwise.
std::optional<std::vector<std::string>> ChainChildren(const jit::Module& m) {
  auto method = m.find_method("forward");
  if (!method) return std::nullopt;
  std::shared_ptr<jit::Graph> g = method->graph();
  if (g->inputs().size() != 2 || g->outputs().size() != 1) return std::nullopt;
  const jit::Value* self = g->inputs()[0];
  const jit::Value* current = g->inputs()[1];
  std::map<const jit::Value*, std::string> attrs;
  std::vector<std::string> order;
  std::set<std::string> used;
  for (jit::Node* n : g->nodes()) {
    if (n->kind() == c10::prim::GetAttr && n->inputs().size() == 1 &&
        n->input(0) == self) {
      attrs[n->output()] = n->s(c10::attr::name);
    } else if (n->kind() == c10::prim::CallMethod &&
               n->s(c10::attr::name) == "forward" && n->inputs().size() == 2 &&
               attrs.count(n->input(0)) > 0 && n->input(1) == current &&
               n->outputs().size() == 1) {
      const std::string& child = attrs.at(n->input(0));
      if (!used.insert(child).second || !m.attr(child).isModule()) {
        return std::nullopt;
      }
      order.push_back(child);
      current = n->output();
    } else if (n->kind() == c10::prim::Constant && !n->hasUses()) {
      continue;
    } else {
      return std::nullopt;
    }
  }
  if (g->outputs()[0] != current || order.empty()) return std::nullopt;
  return order;
}

// Appends the leaves of the chain rooted at `m`.
void ExpandChain(const jit::Module& m, const std::string& prefix,
                 std::vector<Piece>* pieces) {
  auto chain = ChainChildren(m);
  if (!chain) {
    Piece p;
    p.name = prefix;
    p.module = m;
    pieces->push_back(std::move(p));
    return;
  }
  for (const auto& child : *chain) {
    ExpandChain(m.attr(child).toModule(),
                prefix.empty() ? child : prefix + "." + child, pieces);
  }
}

void CollectParams(Piece* p) {
  for (const auto& np : p->module.named_parameters(/*recurse=*/true)) {
    p->param_names.push_back(np.name);
    p->param_values.push_back(np.value);
  }
}

// The pieces of a chain, or nullopt when the parameters are not split
// cleanly between them (some outside every piece, or shared).
std::optional<std::vector<Piece>> ChainPieces(const jit::Module& root,
                                              std::string* why_not) {
  if (!ChainChildren(root)) {
    *why_not =
        "its forward is not a plain chain of child modules (each child "
        "called once, each output feeding the next: no residual connection, "
        "no functional call)";
    return std::nullopt;
  }
  std::vector<Piece> pieces;
  ExpandChain(root, "", &pieces);
  std::set<const void*> seen;
  size_t count = 0;
  for (auto& p : pieces) {
    CollectParams(&p);
    for (const auto& t : p.param_values) {
      if (!seen.insert(t.unsafeGetTensorImpl()).second) {
        *why_not = "two of its child modules share a parameter";
        return std::nullopt;
      }
      ++count;
    }
  }
  if (count != root.named_parameters(/*recurse=*/true).size()) {
    *why_not = "it has parameters outside the child modules its forward calls";
    return std::nullopt;
  }
  return pieces;
}

// Modules whose eval-mode behaviour differs from training mode (dropout
// off, batch norm on its stored statistics), as "BatchNorm1d 'bn1'".
std::vector<std::string> EvalModeModules(const jit::Module& root) {
  std::vector<std::string> found;
  for (const auto& m : root.named_modules()) {
    const auto type = m.value.type()->name();
    if (!type) continue;
    const std::string cls = type->name();
    if (cls.find("Dropout") == std::string::npos &&
        cls.find("BatchNorm") == std::string::npos) {
      continue;
    }
    const std::string where = m.name.empty() ? "(the model)" : m.name;
    found.push_back(cls + " '" + where + "'");
  }
  return found;
}

ParamSlot SlotOf(const jit::Module& module, const std::string& dotted) {
  ParamSlot slot{module, dotted};
  size_t dot;
  while ((dot = slot.attr.find('.')) != std::string::npos) {
    slot.owner = slot.owner.attr(slot.attr.substr(0, dot)).toModule();
    slot.attr = slot.attr.substr(dot + 1);
  }
  return slot;
}

Op MakeOp(const std::shared_ptr<Holder>& holder, Piece piece,
          const std::string& input) {
  Op op;
  op.name = piece.name;
  op.inputs = {input};
  std::vector<ParamSlot> slots;
  for (size_t i = 0; i < piece.param_names.size(); ++i) {
    // Parameter names are dotted paths; as value names the dots stay.
    op.params.push_back({piece.param_names[i],
                         piece.param_values[i].sizes().vec(), ParamInit::kGiven,
                         0.0});
    slots.push_back(SlotOf(piece.module, piece.param_names[i]));
  }
  jit::Module module = piece.module;
  op.forward = [holder, module, slots](const std::vector<torch::Tensor>& in,
                                       const std::vector<torch::Tensor>& params)
      -> torch::Tensor {
    std::lock_guard<std::mutex> lock(holder->mu);
    jit::GraphOptimizerEnabledGuard no_optimizations(false);
    for (size_t i = 0; i < slots.size(); ++i) {
      jit::Module owner = slots[i].owner;
      owner.setattr(slots[i].attr, params[i]);
    }
    jit::Module m = module;
    c10::IValue out;
    try {
      out = m.forward({in[0]});
    } catch (const c10::Error& e) {
      throw std::runtime_error(LastLine(e.what_without_backtrace()));
    } catch (const std::exception& e) {
      throw std::runtime_error(LastLine(e.what()));
    }
    if (!out.isTensor()) {
      throw std::runtime_error("forward returned a " + out.tagKind() +
                               ", not a tensor");
    }
    return out.toTensor();
  };
  return op;
}

}  // namespace

Result<ScriptOps> LoadScriptOps(const std::string& path,
                                torch::ScalarType dtype, ScriptGraphMode mode,
                                const std::string& input,
                                const std::optional<Digest>& expected_sha256) {
  if (mode == ScriptGraphMode::kInvalid) {
    return Status::InvalidArgument(path + ": no graph mode given");
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::NotFound(path + " does not exist");
  }
  VT_ASSIGN_OR_RETURN(Bytes bytes, ReadFileBytes(path));
  ScriptOps out;
  out.file_sha256 = Sha256Of(bytes.view());
  if (expected_sha256 && *expected_sha256 != out.file_sha256) {
    return Status::FailedPrecondition(path + " has SHA-256 " + out.file_sha256.Hex() +
                                      ", expected " + expected_sha256->Hex());
  }
  // LibTorch's reader does not check the archive's CRCs: damaged bytes
  // would load as other weights.
  const std::string not_module = path + ": not a TorchScript module: ";
  if (Status zip = CheckZipIntegrity(bytes.view(), path + ": not a TorchScript module");
      !zip.ok()) {
    return zip;
  }
  auto holder = std::make_shared<Holder>();
  try {
    holder->root = jit::load(path);
  } catch (const c10::Error& e) {
    return Status::InvalidArgument(not_module +
                                   FirstLine(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(not_module + FirstLine(e.what()));
  }
  try {
    jit::Module& root = holder->root;
    if (!root.find_method("forward")) {
      return Status::InvalidArgument(not_module + "it has no forward method");
    }
    if (root.get_method("forward").function().getSchema().arguments().size() !=
        2) {
      return Status::InvalidArgument(
          not_module + "its forward must take exactly one input (a batch)");
    }
    // The module is cast to the task's dtype, which casts floating-point
    // parameters only: an integer one would be trained as given, or fail
    // deep in an op. Said here, by name.
    for (const auto& np : root.named_parameters(/*recurse=*/true)) {
      if (!np.value.is_floating_point()) {
        return Status::InvalidArgument(
            path + ": parameter '" + np.name + "' is " +
            std::string(c10::toString(np.value.scalar_type())) +
            ": every parameter must be floating point (the module is trained in the task's "
            "dtype); make it a buffer, or a floating-point parameter");
      }
    }
    root.to(dtype);
    root.eval();
    // A NaN or infinite initial value trains to NaN, which the run would
    // call a diverged training rather than a bad model file. Checked in
    // the task's dtype, where a large float64 value may have become inf.
    for (const auto& np : root.named_parameters(/*recurse=*/true)) {
      const int64_t bad = torch::isfinite(np.value).logical_not().sum().item<int64_t>();
      if (bad > 0) {
        return Status::InvalidArgument(
            path + ": parameter '" + np.name + "' holds " + std::to_string(bad) +
            " NaN or infinite value(s) in " + std::string(c10::toString(dtype)) +
            ": training from them gives NaN; fix the model file");
      }
    }
    if (root.named_parameters(/*recurse=*/true).size() == 0) {
      return Status::InvalidArgument(path + ": the model has no parameters: nothing to train");
    }
    std::optional<std::vector<Piece>> pieces;
    std::string why_not = "job.graph is \"whole\"";
    if (mode == ScriptGraphMode::kAuto) pieces = ChainPieces(root, &why_not);
    out.chain = pieces.has_value();
    if (!pieces) {
      out.notes.push_back(
          "the model is trained as one coarse node, model.forward and "
          "model.backward, because " +
          why_not +
          ": a dispute ends at the whole model, and the arbiter re-executes "
          "all of it");
      Piece whole;
      whole.name = "model";
      whole.module = root;
      CollectParams(&whole);
      pieces = std::vector<Piece>{std::move(whole)};
    }
    std::string x = input;
    for (auto& piece : *pieces) {
      for (size_t i = 0; i < piece.param_names.size(); ++i) {
        out.params.emplace("param/" + piece.name + "." + piece.param_names[i],
                           piece.param_values[i].detach().clone());
      }
      out.ops.push_back(MakeOp(holder, std::move(piece), x));
      out.ops.back().coarse = !out.chain;
      x = out.ops.back().OutputValue();
    }
    const std::vector<std::string> eval = EvalModeModules(root);
    if (!eval.empty()) {
      std::string list;
      for (const auto& m : eval) list += (list.empty() ? "" : ", ") + m;
      out.notes.push_back(
          "the model has " + list +
          "; veritrain trains it in eval mode: dropout is off, and batch norm "
          "normalises with the running statistics stored in the file, which "
          "training never updates");
    }
    return out;
  } catch (const c10::Error& e) {
    return Status::InvalidArgument(path + ": " +
                                   FirstLine(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(path + ": " + FirstLine(e.what()));
  }
}

}  // namespace veritrain
