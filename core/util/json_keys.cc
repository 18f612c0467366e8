#include "core/util/json_keys.h"

#include <set>

namespace veritrain {

using json = nlohmann::json;

json ParseNotingDuplicateKeys(std::string_view text, std::vector<std::string>* duplicates) {
  struct Frame {
    bool object = false;
    std::set<std::string> keys;
    std::string key;   // object: the member being read
    size_t index = 0;  // array: the element being read
  };
  std::vector<Frame> stack;
  auto escaped = [](const std::string& token) {
    std::string out;
    for (char c : token) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
    return out;
  };
  auto element_done = [&stack] {
    if (!stack.empty() && !stack.back().object) ++stack.back().index;
  };
  json::parser_callback_t note = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        stack.push_back(Frame{event == json::parse_event_t::object_start, {}, {}, 0});
        break;
      case json::parse_event_t::key:
        stack.back().key = parsed.get<std::string>();
        if (!stack.back().keys.insert(stack.back().key).second) {
          std::string pointer;
          for (size_t i = 0; i < stack.size(); ++i) {
            pointer += "/" + (stack[i].object ? escaped(stack[i].key)
                                              : std::to_string(stack[i].index));
          }
          duplicates->push_back(pointer);
        }
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        stack.pop_back();
        element_done();
        break;
      case json::parse_event_t::value:
        element_done();
        break;
    }
    return true;
  };
  return json::parse(text.begin(), text.end(), note);
}

Result<json> ParseStrictJson(std::string_view text, const std::string& what) {
  if (text.find('\0') != std::string_view::npos) {
    return Status::Corruption(what + " holds a NUL byte: not a JSON file veritrain writes");
  }
  std::vector<std::string> duplicates;
  json j;
  try {
    j = ParseNotingDuplicateKeys(text, &duplicates);
  } catch (const json::exception&) {
    return Status::Corruption(what + " is not JSON");
  }
  if (!duplicates.empty()) {
    return Status::Corruption(what + " repeats the key " + duplicates.front() +
                              " in one object (a reader keeps one of its values: which one "
                              "depends on the reader)");
  }
  return j;
}

}  // namespace veritrain
