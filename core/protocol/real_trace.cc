#include "core/protocol/real_trace.h"

#include <string>

namespace veritrain {
namespace {
constexpr std::string_view kCommitTag = "vt-real-trace-v1";
constexpr std::string_view kNonceTag = "vt-real-nonce-v1";
}  // namespace

Digest RealTraceCommitment(std::string_view task_id,
                           const RealTraceReveal& opening) {
  Sha256 h;
  h.Update(kCommitTag).UpdateU8(0).Update(task_id).UpdateU8(0);
  h.Update(opening.trace_root).Update(opening.final_state_hash);
  h.UpdateU64(static_cast<uint64_t>(opening.num_checkpoints))
      .Update(opening.nonce);
  return h.Finish();
}

Status CheckRealTraceReveal(const Digest& commitment, std::string_view task_id,
                            const RealTraceReveal& opening) {
  const Digest opened = RealTraceCommitment(task_id, opening);
  if (opened != commitment) {
    return Status::Unauthenticated("the revealed real trace (root " +
                                   opening.trace_root.Hex() + ") opens " +
                                   opened.Hex() + ", not the commitment " +
                                   commitment.Hex() + " posted with the trace");
  }
  return Status::Ok();
}

Digest RealTraceNonce(uint64_t solver_seed, std::string_view task_id) {
  Sha256 h;
  h.Update(kNonceTag).UpdateU8(0).UpdateU64(solver_seed).Update(task_id);
  return h.Finish();
}

}  // namespace veritrain
