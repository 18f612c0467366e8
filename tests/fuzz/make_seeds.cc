// Writes the fuzz targets' seed corpus (tests/fuzz/corpus/):
//
//   fuzz_make_seeds DIR    writes DIR/message/*, DIR/checkpoint/*, DIR/merkle/*
//
// The scenario target's seeds are the shipped scenarios themselves
// (scenarios/*.json), so they are not written here. Deterministic: the
// same build writes the same bytes (fixed key, fixed tensors), so the
// committed corpus can be checked against a fresh one.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/crypto/merkle.h"
#include "core/crypto/sha256.h"
#include "core/state/atomic_file.h"
#include "core/state/checkpoint_file.h"
#include "core/wire/message.h"
#include "core/wire/messages/all.h"
#include "tests/fuzz/fuzz_input.h"

namespace vt = veritrain;
namespace fs = std::filesystem;

namespace {

bool Write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  return static_cast<bool>(out);
}

vt::TensorData Tensor(const std::string& name, std::vector<int64_t> shape,
                      char fill) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return vt::TensorData{name, vt::DType::kFloat32, std::move(shape),
                        vt::Bytes::FromString(std::string(n * 4, fill))};
}

std::string Message(const vt::Identity& alice, vt::Message m, uint64_t seq) {
  m.from = "alice";
  m.seq = seq;
  return vt::fuzz::JoinFrames(vt::EncodeMessage(m, alice));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds DIR\n");
    return 2;
  }
  const fs::path dir = argv[1];
  const vt::Identity alice =
      *vt::Identity::FromSecretHex(vt::fuzz::kAliceSecretHex);
  bool ok = true;

  // Wire messages, validly signed by the key the codec target trusts.
  ok &= Write(dir / "message/hello",
              Message(alice, vt::Pack(vt::Hello{"solver", "ipc://x"}), 1));
  ok &= Write(dir / "message/heartbeat",
              Message(alice, vt::Pack(vt::Heartbeat{7}), 2));
  // A request with its request id (the header's optional "rid").
  vt::Message query = vt::Pack(vt::ForcedErrorQuery{}, "task-0001");
  query.rid = 41;
  ok &= Write(dir / "message/request_with_rid", Message(alice, query, 4));
  vt::CheckpointReply reply;
  reply.index = 1;
  reply.tensors = {Tensor("param/w", {2, 3}, '\1'),
                   Tensor("param/b", {3}, '\2')};
  ok &= Write(dir / "message/checkpoint",
              Message(alice, vt::Pack(reply, "task-0001"), 3));
  ok &= Write(
      dir / "message/garbage",
      vt::fuzz::JoinFrames({vt::Bytes::FromString("{\"type\":[[[1]]]}"),
                            vt::Bytes::FromString(std::string(64, 'x'))}));

  // Checkpoint files: empty state, and two tensors with metadata; the
  // latter also in format version 1 (its trailer hashes every byte before
  // it), which the reader still accepts.
  const fs::path tmp = dir / "tmp.vtc";
  auto checkpoint = [&](const std::string& name, const vt::State& state,
                        const nlohmann::json& meta, bool version1) {
    if (!vt::WriteCheckpoint(tmp.string(), state, meta).ok()) return false;
    auto bytes = vt::ReadFileBytes(tmp.string());
    if (!bytes.ok()) return false;
    std::string file = bytes->ToString();
    if (version1) {
      const size_t at = file.find("\"version\":2");
      if (at == std::string::npos || file.size() < 40) return false;
      file[at + 10] = '1';
      file[8] = 1;
      const size_t body = file.size() - 40;
      const vt::Digest d = vt::Sha256Of(file.data(), body);
      file.replace(body, 32, std::string(d.view()));
    }
    return Write(dir / "checkpoint" / name, file);
  };
  const vt::State two = {Tensor("param/w", {2, 3}, '\3'), Tensor("step", {1}, '\4')};
  const nlohmann::json two_meta = {{"step", 20}, {"rng", "abc"}};
  ok &= checkpoint("empty", {}, nullptr, false);
  ok &= checkpoint("two-tensors", two, two_meta, false);
  ok &= checkpoint("two-tensors-version1", two, two_meta, true);
  fs::remove(tmp);

  // Merkle proofs in the target's layout: u64 index, u64 tree size, leaf,
  // root, then the path.
  for (size_t leaves : {1, 5, 8}) {
    std::vector<vt::Digest> hashes;
    for (size_t i = 0; i < leaves; ++i)
      hashes.push_back(vt::MerkleLeafHash(std::to_string(i)));
    vt::MerkleTree tree(hashes);
    const size_t index = leaves / 2;
    vt::InclusionProof p = tree.Prove(index);
    std::string bytes;
    for (uint64_t v :
         {static_cast<uint64_t>(p.index), static_cast<uint64_t>(p.tree_size)}) {
      for (int i = 0; i < 8; ++i)
        bytes.push_back(static_cast<char>(v >> (8 * i)));
    }
    bytes += std::string(hashes[index].view());
    bytes += std::string(tree.root().view());
    for (const auto& d : p.path) bytes += std::string(d.view());
    ok &= Write(dir / "merkle" / ("proof-" + std::to_string(leaves)), bytes);
  }
  if (!ok) {
    std::fprintf(stderr, "fuzz_make_seeds: cannot write under %s\n",
                 dir.c_str());
    return 1;
  }
  return 0;
}
