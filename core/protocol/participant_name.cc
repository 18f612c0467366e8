#include "core/protocol/participant_name.h"

#include <algorithm>
#include <cctype>

namespace veritrain {
namespace {

struct ReservedName {
  const char* name;
  const char* why;
};

constexpr ReservedName kReservedNames[] = {
    {"arbiter", "the run's arbiter"},
    {"submitter", "the run's submitter"},
    {"mint", "the ledger's mint"},
    {"jackpot", "the ledger's jackpot account"},
    {"burn", "the ledger's burn account"},
    {"escrow", "the ledger's escrow accounts (escrow/<task>)"},
    {"stake", "the ledger's stake accounts (stake/<task>/<name>)"},
    {"challenge",
     "the ledger's challenge stake accounts (challenge/<task>/<name>)"},
    {"keys", "the run's key folder in its work directory"},
    // balances.csv's own columns, beside which every participant has one:
    // a participant of one of these names would make two columns of one
    // name, and a reader by name would read the wrong one.
    {"seq", "balances.csv's column of entry numbers"},
    {"task", "balances.csv's column of task ids"},
    {"reason", "balances.csv's column of transfer reasons"},
    {"from", "balances.csv's column of paying accounts"},
    {"to", "balances.csv's column of paid accounts"},
    {"amount", "balances.csv's column of amounts"},
    {"held", "balances.csv's column of escrowed and staked money"},
};

// The endings of the files a run keeps beside the participants' folders in
// its work directory: a participant named with one would have a folder of
// the name of another's file (a verifier "solver-1.json" the solver's
// configuration), and one of the two would fail to be written.
constexpr ReservedName kReservedSuffixes[] = {
    {".json", "the roles' configurations (<work>/<name>.json)"},
    {".sock", "the roles' sockets (<work>/<name>-serve.sock, arbiter-requests.sock)"},
    {".lock", "the work directory's owner lock (owner.lock)"},
    {".new", "files being replaced (owner.lock.new)"},
    {".crashed", "crash markers (<work>/<name>.crashed)"},
};

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool IsNameCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
         c == '-';
}

}  // namespace

const std::vector<std::string>& ReservedParticipantNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const ReservedName& r : kReservedNames) out.push_back(r.name);
    return out;
  }();
  return names;
}

Status CheckParticipantName(std::string_view name) {
  const std::string quoted = "'" + std::string(name.substr(0, 80)) + "'";
  if (name.empty() || name.size() > 64) {
    return Status::InvalidArgument("participant name " + quoted +
                                   " must be 1 to 64 characters long");
  }
  if (!std::all_of(name.begin(), name.end(), IsNameCharacter)) {
    return Status::InvalidArgument(
        "participant name " + quoted +
        " may only hold A-Z, a-z, 0-9, '.', '_' and '-'");
  }
  if (!std::isalnum(static_cast<unsigned char>(name.front()))) {
    return Status::InvalidArgument(
        "participant name " + quoted +
        " must start with a letter or digit (not '.', '_' or '-': "
        "it names files and folders of the run)");
  }
  // In any case: a name is also a file and folder name of the run, and on
  // a case-insensitive file system "Arbiter" and "Keys" are the arbiter's
  // log and the key folder.
  std::string folded(name);
  for (char& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const ReservedName& r : kReservedNames) {
    if (folded == r.name) {
      return Status::InvalidArgument(
          "participant name " + quoted + " is reserved for " + r.why +
          (name == r.name ? std::string()
                          : std::string(" (reserved in any case: on a case-insensitive file "
                                        "system it names the same files as '") +
                                r.name + "')"));
    }
  }
  for (const ReservedName& r : kReservedSuffixes) {
    if (EndsWith(folded, r.name)) {
      return Status::InvalidArgument("participant name " + quoted + " ends in '" + r.name +
                                     "' (in any case), which the run's work directory keeps for " +
                                     r.why + ": the participant's folder there could take "
                                     "another file's name");
    }
  }
  return Status::Ok();
}

std::string FoldedParticipantName(std::string_view name) {
  std::string folded(name);
  for (char& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return folded;
}

}  // namespace veritrain
