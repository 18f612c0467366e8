// "Did you mean …?": the closest of a list of names to a misspelt one, for
// the errors that name a node, a summary field or a participant.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace veritrain {

// Levenshtein distance: single-character insertions, deletions and
// substitutions.
size_t NameDistance(const std::string& a, const std::string& b);

// The candidate closest to `name` — by NameDistance, when at most a fifth
// of `name` changes (at least one character); else a dotted name that
// differs in one segment written short or long ("b2.layernorm.backward"
// for "b2.ln.backward") — or "" when no candidate is a likely typo of it.
// Ties go to the first candidate.
std::string ClosestName(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace veritrain
