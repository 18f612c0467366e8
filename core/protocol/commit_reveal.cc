#include "core/protocol/commit_reveal.h"

#include <string>

namespace veritrain {

namespace {
constexpr std::string_view kCommitTag = "vt-commit-v1";
constexpr std::string_view kSeedTag = "vt-seed-v1";
constexpr std::string_view kSecretTag = "vt-secret-v1";
}  // namespace

Commitment MakeCommitment(const Digest& secret) {
  Sha256 h;
  h.Update(kCommitTag).UpdateU8(0).Update(secret);
  return Commitment{secret, h.Finish()};
}

Status CheckReveal(const Digest& commitment, const Digest& secret) {
  const Digest expected = MakeCommitment(secret).commitment;
  if (expected != commitment) {
    return Status::Unauthenticated("revealed secret " + secret.Hex() +
                                   " does not open commitment " +
                                   commitment.Hex());
  }
  return Status::Ok();
}

Digest DeriveSeed(const Digest& secret, const Digest& trace_root,
                  std::string_view label) {
  Sha256 h;
  h.Update(kSeedTag).UpdateU8(0).Update(label).UpdateU8(0);
  h.Update(secret).Update(trace_root);
  return h.Finish();
}

Digest SecretFromSeed(uint64_t run_seed, std::string_view task_id) {
  Sha256 h;
  h.Update(kSecretTag).UpdateU8(0).UpdateU64(run_seed).Update(task_id);
  return h.Finish();
}

}  // namespace veritrain
