#include "scenarios/spec/closest_name.h"

#include <algorithm>

namespace veritrain {
namespace {

std::vector<std::string> Segments(const std::string& name) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    out.push_back(name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

// Whether `short_form` abbreviates `word`: same first letter, and its letters
// appear in `word` in order ("ln" for "layernorm", "fc" for "fully").
bool Abbreviates(const std::string& short_form, const std::string& word) {
  if (short_form.empty() || word.empty() || short_form[0] != word[0]) return false;
  size_t i = 0;
  for (char c : word) {
    if (i < short_form.size() && c == short_form[i]) ++i;
  }
  return i == short_form.size();
}

// Whether `a` and `b` are dotted names that differ in one segment only, one
// of the two being an abbreviation of the other.
bool OneSegmentAbbreviated(const std::string& a, const std::string& b) {
  const auto x = Segments(a), y = Segments(b);
  if (x.size() != y.size() || x.size() < 2) return false;
  int differing = 0;
  bool related = false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] == y[i]) continue;
    ++differing;
    related = Abbreviates(x[i], y[i]) || Abbreviates(y[i], x[i]);
  }
  return differing == 1 && related;
}

}  // namespace

size_t NameDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string ClosestName(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(1, name.size() / 5) + 1;
  for (const auto& c : candidates) {
    const size_t d = NameDistance(name, c);
    if (d < best_distance) best = c, best_distance = d;
  }
  if (!best.empty()) return best;
  for (const auto& c : candidates) {
    if (OneSegmentAbbreviated(name, c)) return c;
  }
  return "";
}

}  // namespace veritrain
