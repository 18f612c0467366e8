// ArbiterCore (arbiter/arbiter_core.h): data-availability challenges —
// a verifier's demand for a checkpoint, the solver's delivery, the relay,
// and the task withheld when a demand fails.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>

#include "arbiter/arbiter_core.h"
#include "arbiter/task_rules.h"
#include "core/protocol/duration.h"
#include "core/state/checkpoint_file.h"

namespace veritrain {

std::string ArbiterCore::DeliveryFile(const std::string& task, int64_t index) const {
  return config_.work_dir + "/" + config_.name + "-deliveries/" + task + "-" +
         std::to_string(index) + ".ckpt";
}

Status ArbiterCore::PublishDemand(Task& task, const Demand& demand) {
  return Publish(NoteDemand(task, demand));
}

Status ArbiterCore::OnAvailabilityChallenge(const Message& m, Ack* reply,
                                            std::optional<Message>* answer) {
  Task* found = TaskOf(m, reply);
  if (found == nullptr) return Status::Ok();
  Task& task = *found;
  const std::optional<AvailabilityChallenge> challenge = BodyOf<AvailabilityChallenge>(m, reply);
  if (!challenge) return Status::Ok();
  const int64_t index = challenge->index;
  const Demand* known = task.availability.Find(index);
  const bool asked_before = known != nullptr && std::count(known->challengers.begin(),
                                                           known->challengers.end(), m.from) > 0;
  if (!asked_before) {
    // A new demand, or a verifier joining one: only a selected verifier of
    // a task being verified, before its own verdict. The task's state
    // first: a verifier that asks too late was selected all the same.
    if (!InState(task, TaskState::kVerifying, "verifying", reply)) return Status::Ok();
    const auto& vs = task.selected;
    if (std::find(vs.begin(), vs.end(), m.from) == vs.end()) {
      *reply = Ack{false, m.from + " is not a selected verifier of " + task.id, {}};
      return Status::Ok();
    }
    if (task.verdicts.count(m.from) > 0) {
      *reply = Ack{false, m.from + " has already posted a verdict", {}};
      return Status::Ok();
    }
    const int64_t now = Now();
    auto opened = task.availability.Open(
        m.from, index, task.trace->num_checkpoints,
        DemandsPerVerifier(task.spec.top_q, task.spec.random_samples, task.trace->num_checkpoints),
        now, AddMs(now, task.clock_ms));
    if (!opened.ok()) {
      *reply = Ack{false, opened.status().message(), {}};
      return Status::Ok();
    }
    known = *opened;
    spdlog::info("arbiter: {}: {} asks for checkpoint {} ({})", task.id, m.from, index,
                 challenge->reason);
    VT_RETURN_IF_ERROR(
        Log(task.id, AvailabilityChallengeEvent{m.from, index, challenge->reason, known->opened_ms,
                                                known->deadline_ms}));
    if (known->challengers.size() == 1) VT_RETURN_IF_ERROR(PublishDemand(task, *known));
  }
  const Demand& d = *known;
  if (d.state != DemandState::kDelivered) {
    *reply = Ack{true,
                 "",
                 {{"index", index},
                  {"state", DemandStateName(d.state)},
                  {"deadline_ms", d.deadline_ms},
                  {"reason", d.reason}}};
    // Joining a demand that failed: this verifier may have been the last
    // the withheld task waited for.
    if (!asked_before && d.state == DemandState::kFailed && ReadyToConclude(task)) {
      return Conclude(task);
    }
    return Status::Ok();
  }
  RelayCheckpoint(task, d, m.from, reply, answer);
  return Status::Ok();
}

void ArbiterCore::RelayCheckpoint(Task& task, const Demand& d, const std::string& to, Ack* reply,
                                  std::optional<Message>* answer) {
  const int64_t index = d.index;
  // Delivered: relayed to the verifier, a bounded number of times.
  if (Status relay = task.availability.NoteRelay(index, to); !relay.ok()) {
    *reply = Ack{false, relay.message(), {}};
    return;
  }
  CheckpointReply relayed;
  relayed.index = index;
  relayed.state_hash = d.state_hash;
  auto proof = task.delivered_proofs.find(index);
  auto kept = task.delivered.find(index);
  if (kept != task.delivered.end()) {
    relayed.tensors = kept->second;
  } else {
    // After a restart: read back from the work dir (checked on reading).
    auto file = task.delivered_files.find(index);
    auto read = file == task.delivered_files.end() ? Result<Checkpoint>(Status::NotFound("no file"))
                                                   : ReadCheckpoint(file->second);
    if (!read.ok() || read->state_hash != d.state_hash || proof == task.delivered_proofs.end()) {
      *reply = Ack{
          false,
          "the delivered checkpoint " + std::to_string(index) + " is no longer held by the arbiter",
          {}};
      return;
    }
    relayed.tensors = std::move(read->state);
  }
  if (proof != task.delivered_proofs.end()) relayed.proof = proof->second;
  relayed.meta = {{"relayed_by", config_.name}};
  *answer = Pack(relayed, task.id);
}

Status ArbiterCore::OnCheckpointDelivery(const Message& m, Ack* reply) {
  Task* found = TaskOf(m, reply);
  if (found == nullptr) return Status::Ok();
  Task& task = *found;
  // The sender before the body: a checkpoint is large, and only its solver
  // sends one.
  if (!FromSolver(task, m, reply)) return Status::Ok();
  const std::optional<CheckpointDelivery> delivery = BodyOf<CheckpointDelivery>(m, reply);
  if (!delivery) return Status::Ok();
  const int64_t index = delivery->index;
  const Demand* d = task.availability.Find(index);
  if (d != nullptr && d->state == DemandState::kDelivered) {
    *reply = Ack{true, "", {{"index", index}, {"state", "delivered"}}};  // a resend
    return Status::Ok();
  }
  // Nothing is hashed unless a demand for it is open.
  if (d == nullptr || d->state != DemandState::kOpen || !task.trace ||
      task.machine.state() != TaskState::kVerifying) {
    *reply =
        Ack{false,
            "no demand for checkpoint " + std::to_string(index) + " of " + task.id + " is open",
            {}};
    return Status::Ok();
  }
  const DeliveryContext ctx{task.trace->trace_root, task.trace->num_checkpoints,
                            task.spec.checkpoint_interval};
  const Status valid =
      CheckDelivery(ctx, index, delivery->state_hash, delivery->proof, delivery->tensors);
  std::string file;
  if (valid.ok()) {
    file = DeliveryFile(task.id, index);
    ::mkdir((config_.work_dir + "/" + config_.name + "-deliveries").c_str(), 0700);
    Status written =
        WriteCheckpoint(file, delivery->tensors, {{"task", task.id}, {"index", index}});
    if (!written.ok()) {
      // Kept in memory still; only a restart would lose it.
      spdlog::warn("arbiter: keeping delivered checkpoint {}: {}", index, written.ToString());
      file.clear();
    }
  }
  VT_RETURN_IF_ERROR(task.availability.Resolve(index, valid.ok(), delivery->state_hash,
                                               valid.ok() ? "" : valid.message()));
  d = task.availability.Find(index);
  VT_RETURN_IF_ERROR(
      Log(task.id, CheckpointDeliveredEvent{index, valid.ok(), valid.ok() ? "" : valid.message(),
                                            delivery->state_hash, delivery->proof, file}));
  VT_RETURN_IF_ERROR(PublishDemand(task, *d));
  if (!valid.ok()) {
    spdlog::warn("arbiter: {}: the solver delivered an invalid checkpoint {}: {}", task.id, index,
                 valid.message());
    VT_RETURN_IF_ERROR(
        Log(task.id, AvailabilityFailedEvent{index, d->first_challenger,
                                             "the solver delivered an invalid checkpoint " +
                                                 std::to_string(index) + ": " + valid.message()}));
    *reply = Ack{true, "", {{"index", index}, {"state", "failed"}}};
    // The task is lost for the solver; it settles once the other verifiers
    // are done (ReadyToConclude).
    if (ReadyToConclude(task)) return Conclude(task);
    return Status::Ok();
  }
  spdlog::info("arbiter: {}: the solver delivered checkpoint {}", task.id, index);
  task.delivered[index] = delivery->tensors;
  // The verifiers that asked now verify: they get the verification time
  // again from here.
  NoteDelivery(task, index, delivery->proof, file, Now());
  *reply = Ack{true, "", {{"index", index}, {"state", "delivered"}}};
  if (ReadyToConclude(task)) return Conclude(task);
  return Status::Ok();
}

Status ArbiterCore::Withhold(Task& task, const std::string& reason) {
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kDataWithheld));
  return Settle(task, reason);
}

}  // namespace veritrain
