// Participant names: the safe character set and the reserved names, each
// refused with the reason.
#include "core/protocol/participant_name.h"

#include <gtest/gtest.h>

#include "core/protocol/ledger.h"
#include "core/protocol/settlement.h"

namespace veritrain {
namespace {

std::string NameRefusal(const std::string& name) {
  Status s = CheckParticipantName(name);
  EXPECT_FALSE(s.ok()) << name;
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  return s.message();
}

TEST(ParticipantName, SafeNamesPass) {
  for (const char* name :
       {"v", "solver-1", "verifier_2", "V.3", "9", "a..b", "Jackpot-1", "keys2",
        "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234"}) {
    EXPECT_TRUE(CheckParticipantName(name).ok()) << name;
  }
}

TEST(ParticipantName, EveryAccountNameTheLedgerUsesIsReserved) {
  // The names the ledger and settlement use for themselves.
  for (const std::string& name :
       {std::string(Ledger::kMintAccount), std::string(kJackpotAccount),
        std::string(kBurnAccount)}) {
    EXPECT_NE(NameRefusal(name).find("is reserved for the ledger's"),
              std::string::npos)
        << name;
  }
  for (const std::string& name : ReservedParticipantNames()) {
    EXPECT_NE(NameRefusal(name).find("'" + name + "' is reserved for"),
              std::string::npos)
        << name;
  }
  EXPECT_NE(NameRefusal("arbiter").find("the run's arbiter"),
            std::string::npos);
  EXPECT_NE(NameRefusal("submitter").find("the run's submitter"),
            std::string::npos);
}

TEST(ParticipantName, ReservedNamesAreReservedInAnyCase) {
  EXPECT_NE(NameRefusal("Arbiter").find("'Arbiter' is reserved for the run's arbiter (reserved "
                                        "in any case: on a case-insensitive file system it names "
                                        "the same files as 'arbiter')"),
            std::string::npos);
  EXPECT_NE(NameRefusal("KEYS").find("is reserved for the run's key folder"), std::string::npos);
  EXPECT_NE(NameRefusal("Jackpot").find("is reserved for the ledger's jackpot"),
            std::string::npos);
}

// A name ending as one of the work directory's own files does would give
// the participant's folder another file's name (a verifier "solver-1.json"
// took the solver's configuration's and the run went on without the
// verifier's records).
TEST(ParticipantName, NamesOfTheWorkDirectorysOwnFilesAreRefused) {
  for (const char* name : {"solver-1.json", "owner.lock", "arbiter-requests.sock",
                           "solver-1-serve.sock", "owner.lock.new", "solver-1.crashed",
                           "V.JSON"}) {
    EXPECT_NE(NameRefusal(name).find("which the run's work directory keeps for"),
              std::string::npos)
        << name;
  }
  EXPECT_NE(NameRefusal("a.json").find("the roles' configurations (<work>/<name>.json)"),
            std::string::npos);
  for (const char* name : {"json", "sock", "a.jsonl", "lock-1", "v.news"}) {
    EXPECT_TRUE(CheckParticipantName(name).ok()) << name;
  }
}

// Names that differ only in case fold alike (they share a run's files on a
// case-insensitive file system); others do not.
TEST(ParticipantName, FoldingMakesCaseAloneAlike) {
  EXPECT_EQ(FoldedParticipantName("Verifier-01"), FoldedParticipantName("verifier-01"));
  EXPECT_EQ(FoldedParticipantName("SOLVER_1"), "solver_1");
  EXPECT_NE(FoldedParticipantName("verifier-01"), FoldedParticipantName("verifier-1"));
}

TEST(ParticipantName, PathsAndOptionsAreNotNames) {
  EXPECT_NE(NameRefusal(".").find("must start with a letter or digit"),
            std::string::npos);
  EXPECT_NE(NameRefusal("..").find("must start with a letter or digit"),
            std::string::npos);
  EXPECT_NE(NameRefusal(".hidden").find("must start with a letter or digit"),
            std::string::npos);
  EXPECT_NE(NameRefusal("-rf").find("must start with a letter or digit"),
            std::string::npos);
  EXPECT_NE(NameRefusal("a/b").find("may only hold"), std::string::npos);
  EXPECT_NE(NameRefusal("../x").find("may only hold"), std::string::npos);
  EXPECT_NE(NameRefusal(std::string("a\0b", 3)).find("may only hold"),
            std::string::npos);
  EXPECT_NE(NameRefusal("").find("1 to 64 characters"), std::string::npos);
  EXPECT_NE(NameRefusal(std::string(65, 'a')).find("1 to 64 characters"),
            std::string::npos);
}

}  // namespace
}  // namespace veritrain
