// Checks shared by the subcommands' path options.
//
// Thread-safety: used from main() only.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace veritrain {

// A folder or file option given as "" (a shell variable left unset, as in
// --out "$OUT"): refused, not taken for the option left out, which would
// write the results somewhere the user did not mean.
inline CLI::Validator NotEmptyPath() {
  return CLI::Validator(
      [](std::string& value) {
        return value.empty() ? std::string("is empty: give a path, or leave the option out")
                             : std::string();
      },
      "", "not empty");
}

}  // namespace veritrain
