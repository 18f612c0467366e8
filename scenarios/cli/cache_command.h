// `veritrain cache`: the decoded-dataset cache (core/train/dataset_cache.h)
// seen and cleared by its user.
//
//   veritrain cache dir     the cache directory ("off" when turned off)
//   veritrain cache list    each entry file and its size, then the total
//   veritrain cache clear   removes every entry (and temporary files left
//                           by an interrupted write), nothing else
//
// Every one takes --cache-dir DIR, as run and check do (it stands for
// VERITRAIN_CACHE_DIR). Exit status: 0 done; 1 a file could not be listed
// or removed (the error names it); 2 bad input (no directory can be named).
//
// Thread-safety: used from main() only.
#pragma once

#include <memory>
#include <optional>
#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace veritrain {

// Adds --cache-dir to `command`: when given, its value replaces
// VERITRAIN_CACHE_DIR for this process and the role processes it starts.
void AddCacheDirOption(CLI::App* command);

class CacheCommand {
 public:
  // Adds the subcommand to `app`.
  explicit CacheCommand(CLI::App& app);
  ~CacheCommand();

  // After app.parse(): the exit status when `cache` was chosen, else
  // nullopt.
  std::optional<int> Dispatch();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace veritrain
