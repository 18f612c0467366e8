#include "scenarios/cli/cache_command.h"

#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include "core/train/dataset_cache.h"
#include "scenarios/runner/run.h"
#include "scenarios/cli/path_options.h"

namespace veritrain {
namespace {

std::string Size(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

}  // namespace

void AddCacheDirOption(CLI::App* command) {
  command
      ->add_option_function<std::string>(
          "--cache-dir",
          [](const std::string& dir) {
            // Before anything else runs: the role processes inherit it.
            ::setenv("VERITRAIN_CACHE_DIR", dir.c_str(), 1);
          },
          "decoded-dataset cache directory, or \"off\" (default: $VERITRAIN_CACHE_DIR, "
          "else $XDG_CACHE_HOME/veritrain, else ~/.cache/veritrain)")
      ->type_name("DIR")
      ->check(NotEmptyPath());  // "" would be the default cache (cache clear empties it)
}

struct CacheCommand::State {
  CLI::App* command = nullptr;
  CLI::App* dir = nullptr;
  CLI::App* list = nullptr;
  CLI::App* clear = nullptr;
};

CacheCommand::CacheCommand(CLI::App& app) : s_(new State) {
  State& s = *s_;
  s.command = app.add_subcommand("cache", "show or clear the decoded-dataset cache");
  s.command->require_subcommand(1);
  s.dir = s.command->add_subcommand("dir", "print the cache directory");
  s.list = s.command->add_subcommand("list", "list the cached datasets and their sizes");
  s.clear = s.command->add_subcommand("clear", "remove every cached dataset");
  for (CLI::App* sub : {s.dir, s.list, s.clear}) AddCacheDirOption(sub);
}

CacheCommand::~CacheCommand() = default;

std::optional<int> CacheCommand::Dispatch() {
  if (!*s_->command) return std::nullopt;
  const std::string dir = DatasetCacheDir();
  if (*s_->dir) {
    std::cout << (dir.empty() ? "off" : dir) << "\n";
    return 0;
  }
  if (dir.empty()) {
    std::cerr << "cache: the dataset cache is off (--cache-dir off, VERITRAIN_CACHE_DIR=off, "
                 "or no HOME): nothing to list or clear\n";
    return kRunBadInput;
  }
  auto files = *s_->list ? ListDatasetCache(dir) : ClearDatasetCache(dir);
  if (!files.ok()) {
    std::cerr << "cache: " << files.status().message() << "\n";
    return files.status().code() == Status::Code::kInvalidArgument ? kRunBadInput : kRunFailed;
  }
  int64_t total = 0;
  for (const auto& f : *files) {
    std::cout << (*s_->clear ? "removed " : "") << f.path << "  " << Size(f.bytes)
              << (f.temporary ? "  (left by an interrupted write)" : "") << "\n";
    total += f.bytes;
  }
  std::cout << dir << ": " << files->size() << (*s_->clear ? " file(s) removed, " : " file(s), ")
            << Size(total) << "\n";
  return 0;
}

}  // namespace veritrain
