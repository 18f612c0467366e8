// What build this is: veritrain's version and git commit, and the versions
// of the libraries it was built against. Recorded in every run manifest.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace veritrain {

std::string VeritrainVersion();
std::string VeritrainCommit();
// {"veritrain": ..., "commit": ..., "nlohmann_json": ..., "compiler": ...};
// components that know more (LibTorch, OpenSSL, ZeroMQ) add their own.
nlohmann::json BuildInfo();

}  // namespace veritrain
