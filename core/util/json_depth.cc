#include "core/util/json_depth.h"

namespace veritrain {

bool JsonDeeperThan(std::string_view json, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // skip the escaped character, which may be '"'
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return true;
        break;
      case ']':
      case '}':
        // Unbalanced closers are the parser's problem; never go negative.
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return false;
}

}  // namespace veritrain

namespace veritrain {

Status CheckJsonFileDepth(std::string_view text, const std::string& source, int max_depth) {
  if (!JsonDeeperThan(text, max_depth)) return Status::Ok();
  return Status::InvalidArgument(source + ": JSON nested deeper than " +
                                 std::to_string(max_depth) +
                                 " levels (the limit for files veritrain reads)");
}

}  // namespace veritrain
