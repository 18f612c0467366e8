// ResultsFolder: the folder a run or a sweep writes its results into, held
// by that writer for as long as it lives.
//
// OpenResultsFolder, before anything of the run starts:
//   1. creates the folder (and its parents) and checks that a file can be
//      written in it;
//   2. locks it: an exclusive flock(2) on "<folder>/.veritrain.lock", held
//      until the ResultsFolder is destroyed. The kernel releases it when
//      the process ends however it ends (SIGKILL included), so a lock is
//      never left behind. The lock file holds the holder's pid and start
//      time, for the message a second writer gets;
//   3. unless told to keep it (sweep --resume), empties the folder when it
//      holds an earlier run's or sweep's results, so that no file of the old
//      run is left beside the new ones. It is emptied only when everything
//      in it is a run's or sweep's own: names a run or sweep writes
//      (ResultsFolderEntries; under runs/, folders of such names), with a
//      manifest.json or sweep.json that veritrain wrote (a JSON object with
//      its "build" and "scenario"). Any other non-empty folder — a user's
//      file beside a run's, a manifest.json of another program — is refused
//      and left as it was found (the lock file this open created is removed
//      again). So are the results of the other kind: a run's folder holding
//      a sweep (sweep.json), a sweep's holding a single run (manifest.json
//      at its top): replacing a whole sweep by one run, or a run by a
//      sweep, is a mistaken --out far more often than a wish.
//
// Thread-safety: a ResultsFolder is used by one thread; several may be open
// at once in one process for different folders (the runs of a sweep). Two
// opens of the same folder, in one process or two, exclude each other.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/util/status.h"

namespace veritrain {

inline constexpr const char* kResultsLockFile = ".veritrain.lock";

// What the folder is opened for: one run's results, or a sweep's (a sweep
// or a merge).
enum class ResultsKind { kRun, kSweep };

// Whether the path `inner` is `outer` or lies inside it (both made
// absolute and normal, links that exist followed).
bool PathIsWithin(const std::string& inner, const std::string& outer);

// Names a run's or a sweep's folder holds at its top level.
const std::set<std::string>& ResultsFolderEntries();

// The name of the file that `name` is an interrupted atomic write's
// temporary file of ("summary.json.tmp.123.0" -> "summary.json",
// core/state/atomic_file.h); `name` itself otherwise.
std::string AtomicWriteTarget(const std::string& name);

// The first three of `names`, comma-separated, then ", …" when there are
// more: how a refusal lists what it found.
std::string FirstNames(const std::vector<std::string>& names);

class ResultsFolder {
 public:
  ResultsFolder() = default;
  ResultsFolder(ResultsFolder&& other) noexcept;
  ResultsFolder& operator=(ResultsFolder&& other) noexcept;
  ResultsFolder(const ResultsFolder&) = delete;
  ResultsFolder& operator=(const ResultsFolder&) = delete;
  ~ResultsFolder();  // releases the lock

  // The folder's absolute path.
  const std::string& path() const { return path_; }

 private:
  friend Result<ResultsFolder> OpenResultsFolder(const std::string& dir, ResultsKind kind,
                                                 bool keep_contents);
  std::string path_;
  int lock_fd_ = -1;
};

// Errors, each naming the folder: IOError when it cannot be created or
// written; FailedPrecondition when another writer holds it (naming that
// writer's pid and start time); InvalidArgument when it is not empty and not
// a results folder (naming a few of the entries that are not a run's), or
// when it holds results of the other kind.
Result<ResultsFolder> OpenResultsFolder(const std::string& dir, ResultsKind kind,
                                        bool keep_contents = false);

}  // namespace veritrain
