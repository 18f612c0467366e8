#include "scenarios/runner/results_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/util/json_depth.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;

std::string Now() {
  char buf[32];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string ReadSmall(int fd) {
  char buf[256];
  const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) return "";
  std::string s(buf, static_cast<size_t>(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Whether `name` (an entry at a results folder's top level, or an
// interrupted atomic write's temporary file of one, core/state/atomic_file.h)
// is one a run or sweep writes.
bool IsResultsEntry(const std::string& name) {
  return ResultsFolderEntries().count(AtomicWriteTarget(name)) > 0;
}

// Whether `path` (a manifest.json or sweep.json) is one a veritrain run or
// sweep wrote: a JSON object with its "build" and "scenario". A file of
// the same name the user wrote does not make the folder a results folder.
bool WrittenByVeritrain(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec || size > (uint64_t{256} << 20) || !fs::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (JsonDeeperThan(text, kMaxJsonFileDepth)) return false;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.contains("build") && j["build"].is_object() &&
         j.contains("scenario");
}

// Whether `name` ends with `suffix`, or is an interrupted atomic write's
// temporary file of such a name.
bool NamedLike(const std::string& name, const std::string& suffix) {
  const std::string base = AtomicWriteTarget(name);
  return base.size() > suffix.size() &&
         base.compare(base.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The entries of a run's logs/ or reports/ folder (`entry`) that are not
// the run's: a run writes only files there, <participant>.log and
// <participant>.json. Named from the results folder ("logs/notes.txt");
// the entry itself when it is not a folder. Empty for other entries.
std::vector<std::string> ForeignInside(const fs::path& entry) {
  const std::string folder = entry.filename().string();
  const char* suffix = folder == "logs" ? ".log" : folder == "reports" ? ".json" : nullptr;
  if (suffix == nullptr) return {};
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(entry, ec))) return {folder};
  std::vector<std::string> out;
  for (fs::directory_iterator it(entry, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code inner;
    if (!fs::is_regular_file(it->symlink_status(inner)) || !NamedLike(name, suffix)) {
      out.push_back(folder + "/" + name);
    }
  }
  if (ec) out.push_back(folder + " (cannot be listed: " + ec.message() + ")");
  return out;
}

// The entries under a sweep's runs/ folder that are not a run's: each of
// its entries must be a folder whose own entries a run writes.
std::vector<std::string> ForeignInRuns(const fs::path& runs) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(runs, ec))) return {runs.filename().string()};
  for (fs::directory_iterator it(runs, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string run = it->path().filename().string();
    if (!fs::is_directory(it->symlink_status(ec))) {
      out.push_back(run);
      continue;
    }
    std::error_code inner;
    for (fs::directory_iterator f(it->path(), inner), fend; !inner && f != fend;
         f.increment(inner)) {
      const std::string name = f->path().filename().string();
      if (name != kResultsLockFile && !IsResultsEntry(name)) out.push_back(run + "/" + name);
      for (const std::string& inside : ForeignInside(f->path())) out.push_back(run + "/" + inside);
    }
  }
  return out;
}

}  // namespace

std::string AtomicWriteTarget(const std::string& name) {
  return name.substr(0, name.find(".tmp."));
}

std::string FirstNames(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 3; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 3) out += ", …";
  return out;
}

const std::set<std::string>& ResultsFolderEntries() {
  static const std::set<std::string> kEntries = {
      kResultsLockFile, "manifest.json", "events.jsonl",     "ledger.jsonl", "summary.json",
      "metrics.csv",    "balances.csv",  "logs",             "reports",      "report.html",
      "calibration.json", "calibration.csv", "calibration_nodes.csv", "market.csv",
      "market_tasks.csv", "row.json",     "sweep.json",   "rows.jsonl",
      "sweep.csv",      "aggregates.csv", "runs"};
  return kEntries;
}

ResultsFolder::ResultsFolder(ResultsFolder&& other) noexcept
    : path_(std::move(other.path_)), lock_fd_(other.lock_fd_) {
  other.lock_fd_ = -1;
}

ResultsFolder& ResultsFolder::operator=(ResultsFolder&& other) noexcept {
  if (this != &other) {
    if (lock_fd_ >= 0) ::close(lock_fd_);
    path_ = std::move(other.path_);
    lock_fd_ = other.lock_fd_;
    other.lock_fd_ = -1;
  }
  return *this;
}

ResultsFolder::~ResultsFolder() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

// What a user needs to read beside an error number from writing there.
static std::string FullNote(int error) {
  return error == ENOSPC ? " — the filesystem of the results folder is full" : "";
}

Result<ResultsFolder> OpenResultsFolder(const std::string& dir, ResultsKind kind,
                                        bool keep_contents) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create the results folder " + dir + ": " + ec.message());
  ResultsFolder folder;
  folder.path_ = fs::canonical(dir, ec).string();
  if (ec) return Status::IOError("cannot resolve the results folder " + dir + ": " + ec.message());
  const std::string lock_path = folder.path_ + "/" + kResultsLockFile;
  const bool had_lock = fs::exists(lock_path, ec);
  folder.lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (folder.lock_fd_ < 0) {
    return Status::IOError("cannot write in the results folder " + folder.path_ + ": " +
                           std::strerror(errno) + FullNote(errno));
  }
  if (::flock(folder.lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const std::string holder = ReadSmall(folder.lock_fd_);
    return Status::FailedPrecondition(
        "the results folder " + folder.path_ + " is in use by another veritrain run" +
        (holder.empty() ? std::string() : " (" + holder + ")") +
        "; wait for it to finish or choose another --out");
  }
  const std::string me = "pid " + std::to_string(::getpid()) + ", since " + Now() + "\n";
  if (::ftruncate(folder.lock_fd_, 0) != 0 ||
      ::pwrite(folder.lock_fd_, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size())) {
    return Status::IOError("cannot write in the results folder " + folder.path_ + ": " +
                           std::strerror(errno) + FullNote(errno));
  }
  if (keep_contents) return Result<ResultsFolder>(std::move(folder));

  // The lock file alone does not make a folder a results folder: a
  // refused open (below) may have been the one that created it, and a
  // stray lock file must not turn a folder of the user's files into one
  // that is emptied. The folder is emptied only when everything in it is
  // a run's or a sweep's own (a manifest.json or sweep.json veritrain
  // wrote, not a file of that common name), so nothing else goes with it.
  std::vector<fs::path> entries;
  std::vector<std::string> foreign;
  for (fs::directory_iterator it(folder.path_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name == kResultsLockFile) continue;
    entries.push_back(it->path());
    if (!IsResultsEntry(name) ||
        ((name == "manifest.json" || name == "sweep.json") && !WrittenByVeritrain(it->path()))) {
      foreign.push_back(name);
    } else if (name == "runs") {
      // A sweep's runs: folders of runs, each holding a run's files only.
      for (const std::string& f : ForeignInRuns(it->path())) foreign.push_back("runs/" + f);
    } else {
      // A run's logs/ and reports/ hold its participants' files only.
      for (const std::string& f : ForeignInside(it->path())) foreign.push_back(f);
    }
  }
  if (ec) return Status::IOError("cannot list the results folder " + folder.path_ + ": " + ec.message());
  if (!foreign.empty()) {
    const std::string some = FirstNames(foreign);
    // Left as it was found: without the lock file this open made.
    if (!had_lock) ::unlink(lock_path.c_str());
    return Status::InvalidArgument("the results folder " + folder.path_ +
                                   " holds files that are not a veritrain run's (" + some +
                                   "); nothing was removed: name a new or empty folder");
  }
  // Results of the other kind (both files are veritrain's, checked above).
  const char* other = kind == ResultsKind::kRun ? "sweep.json" : "manifest.json";
  for (const auto& e : entries) {
    if (e.filename() != other) continue;
    if (!had_lock) ::unlink(lock_path.c_str());
    return Status::InvalidArgument(
        "the results folder " + folder.path_ + " holds " +
        (kind == ResultsKind::kRun ? "a sweep's results (sweep.json), which a run"
                                   : "a run's results (manifest.json), which a sweep") +
        " would replace; nothing was removed: name another folder, or remove that one first");
  }
  for (const auto& e : entries) {
    fs::remove_all(e, ec);
    if (ec) {
      return Status::IOError("cannot remove the previous results' " + e.string() + ": " +
                             ec.message());
    }
  }
  return Result<ResultsFolder>(std::move(folder));
}

bool PathIsWithin(const std::string& inner, const std::string& outer) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path a = fs::weakly_canonical(fs::absolute(inner, ec), ec);
  const fs::path b = fs::weakly_canonical(fs::absolute(outer, ec), ec);
  const fs::path rel = a.lexically_relative(b);
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace veritrain
