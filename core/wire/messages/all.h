// Every message type of wire protocol v1, and the set of their names that
// receivers accept. Adding a type: a header here, a line in KnownTypes(),
// a row in docs/wire.md and a round-trip test.
#pragma once

#include <set>
#include <string>

#include "core/wire/messages/ack.h"
#include "core/wire/messages/availability_challenge.h"
#include "core/wire/messages/checkpoint_demand.h"
#include "core/wire/messages/checkpoint_delivery.h"
#include "core/wire/messages/checkpoint_reply.h"
#include "core/wire/messages/dispute_data.h"
#include "core/wire/messages/dispute_opened.h"
#include "core/wire/messages/fetch_checkpoint.h"
#include "core/wire/messages/fetch_dispute_data.h"
#include "core/wire/messages/forced_error_notice.h"
#include "core/wire/messages/forced_error_query.h"
#include "core/wire/messages/forced_error_revealed.h"
#include "core/wire/messages/game_move.h"
#include "core/wire/messages/game_update.h"
#include "core/wire/messages/goodbye.h"
#include "core/wire/messages/heartbeat.h"
#include "core/wire/messages/hello.h"
#include "core/wire/messages/message_type.h"
#include "core/wire/messages/node_evidence.h"
#include "core/wire/messages/post_task.h"
#include "core/wire/messages/proof_posted.h"
#include "core/wire/messages/real_trace.h"
#include "core/wire/messages/shutdown.h"
#include "core/wire/messages/task_assigned.h"
#include "core/wire/messages/task_settled.h"
#include "core/wire/messages/trace_commit.h"
#include "core/wire/messages/training_failed.h"
#include "core/wire/messages/verdict.h"

namespace veritrain {

inline const std::set<std::string, std::less<>>& KnownMessageTypes() {
  static const std::set<std::string, std::less<>> kTypes = {
      Ack::kType,         CheckpointReply::kType, FetchCheckpoint::kType,
      Heartbeat::kType,   Hello::kType,           PostTask::kType,
      ProofPosted::kType, Shutdown::kType,        TaskAssigned::kType,
      TaskSettled::kType, TraceCommit::kType,     Verdict::kType,
      DisputeOpened::kType, GameUpdate::kType,    GameMove::kType,
      NodeEvidence::kType,   ForcedErrorNotice::kType, ForcedErrorQuery::kType,
      Goodbye::kType,        FetchDisputeData::kType,  DisputeData::kType,
      TrainingFailed::kType, AvailabilityChallenge::kType, CheckpointDemand::kType,
      CheckpointDelivery::kType, RealTrace::kType, ForcedErrorRevealed::kType};
  return kTypes;
}

}  // namespace veritrain
