// libFuzzer target: the scenario loader (scenarios/spec/scenario.h). Any text
// must parse to a checked scenario or to an error that names the source,
// never crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scenarios/spec/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto s = veritrain::ParseScenario(text, "fuzz-input");
  if (!s.ok() && s.status().message().find("fuzz-input") == std::string::npos)
    std::abort();
  return 0;
}
