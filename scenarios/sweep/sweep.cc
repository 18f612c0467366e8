#include "scenarios/sweep/sweep.h"

#include <cctype>
#include <set>

#include "core/crypto/sha256.h"
#include "scenarios/sweep/sweep_table.h"

namespace veritrain {
namespace {

using nlohmann::json;

// Top-level fields a sweep may not vary.
const std::set<std::string>& ReservedFields() {
  static const std::set<std::string> kReserved = {"seed", "sweep", "format", "name", "execution"};
  return kReserved;
}

std::string EscapeToken(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string ValueText(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// Whether `a` is `b` or one of its ancestors ("/protocol" of
// "/protocol/top_q"): setting both, the later one decides the other's field.
bool PointerCovers(const std::string& a, const std::string& b) {
  return b == a || (b.size() > a.size() && b.compare(0, a.size(), a) == 0 && b[a.size()] == '/');
}

// The first problem with a parameter's values and labels as a grid axis:
// two equal values, or two equal labels, would give two points that look
// the same in every table and plot. "" when there is none.
// A label as a table shows it: without leading or trailing whitespace,
// and runs of whitespace inside as one space.
std::string ShownLabel(const std::string& label) {
  std::string out;
  bool space = false;
  for (char c : label) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string RepeatedValueOrLabel(const SweepParameter& p) {
  for (size_t i = 0; i < p.values.size(); ++i) {
    if (i < p.labels.size() && ShownLabel(p.labels[i]).empty()) {
      return "labels: label " + std::to_string(i) + " (of " + p.values[i].dump() +
             ") is blank: it would name the value in no table or plot";
    }
    for (size_t j = 0; j < i; ++j) {
      if (p.values[i] == p.values[j]) {
        return "values: " + p.values[i].dump() + " is given twice (values " + std::to_string(j) +
               " and " + std::to_string(i) + ")";
      }
      if (i < p.labels.size() && p.labels[i] == p.labels[j]) {
        return "labels: \"" + p.labels[i] + "\" labels two values (" + p.values[j].dump() +
               " and " + p.values[i].dump() + ")";
      }
      if (i < p.labels.size() && ShownLabel(p.labels[i]) == ShownLabel(p.labels[j])) {
        return "labels: \"" + p.labels[j] + "\" and \"" + p.labels[i] +
               "\" differ only in whitespace: the two values (" + p.values[j].dump() + " and " +
               p.values[i].dump() + ") would look the same in a table or plot";
      }
    }
  }
  return "";
}

// Sets `value` at `pointer` in `doc`. A missing parent is created when its
// nearest existing ancestor is an object; an array element must exist.
Status SetAt(json* doc, const std::string& pointer, const json& value) {
  json::json_pointer ptr;
  try {
    ptr = json::json_pointer(pointer);
  } catch (const json::exception&) {
    return Status::InvalidArgument("\"" + pointer + "\" is not a valid JSON pointer");
  }
  if (ptr.empty()) return Status::InvalidArgument("the path names the whole scenario");
  json::json_pointer parent = ptr.parent_pointer();
  const std::string last = ptr.back();
  if (doc->contains(parent)) {
    const json& p = doc->at(parent);
    if (p.is_array()) {
      size_t index = 0;
      bool numeric = !last.empty() && last.find_first_not_of("0123456789") == std::string::npos;
      if (numeric) index = std::stoull(last);
      if (!numeric || index >= p.size()) {
        return Status::InvalidArgument("no element '" + last + "' in the array at " +
                                       (parent.empty() ? "(root)" : parent.to_string()) +
                                       " (it has " + std::to_string(p.size()) + ")");
      }
    } else if (!p.is_object()) {
      return Status::InvalidArgument((parent.empty() ? "(root)" : parent.to_string()) +
                                     " is a " + p.type_name() + ", not an object or array");
    }
  } else {
    json::json_pointer a = parent;
    while (!a.empty() && !doc->contains(a)) a = a.parent_pointer();
    if (!doc->at(a).is_object()) {
      return Status::InvalidArgument("cannot create " + parent.to_string() + " inside the " +
                                     doc->at(a).type_name() + " at " +
                                     (a.empty() ? "(root)" : a.to_string()));
    }
  }
  try {
    (*doc)[ptr] = value;
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("cannot set the value: ") + e.what());
  }
  return Status::Ok();
}

// The problem when `p`'s path and an earlier parameter's overlap, one
// inside the other: the parameter set later would replace (or be
// replaced inside) the other's value, and sweep.csv would show a value no
// run had. "" when they do not.
std::string OverlappingParameter(const SweepSpec& spec, const SweepParameter& p) {
  for (const SweepParameter& q : spec.parameters) {
    if (!PointerCovers(q.pointer, p.pointer) && !PointerCovers(p.pointer, q.pointer)) continue;
    const bool parent_first = PointerCovers(q.pointer, p.pointer);
    return "\"" + p.path + "\" and \"" + q.path + "\" overlap (" +
           (parent_first ? q.path + " holds " + p.path : p.path + " holds " + q.path) +
           "): one would overwrite the other's value; sweep the field or the object that "
           "holds it, not both";
  }
  return "";
}

}  // namespace

nlohmann::json SweepParameter::Shown(size_t i) const {
  if (i < labels.size()) return labels[i];
  return i < values.size() ? values[i] : json();
}

int64_t SweepSpec::points() const {
  int64_t n = 1;
  for (const auto& p : parameters) {
    if (__builtin_mul_overflow(n, static_cast<int64_t>(p.values.size()), &n)) return INT64_MAX;
  }
  return n;
}

int64_t SweepSpec::runs() const {
  int64_t n = 0;
  return __builtin_mul_overflow(points(), repetitions, &n) ? INT64_MAX : n;
}

Status CheckSweepSize(const SweepSpec& spec) {
  const int64_t runs = spec.runs();
  if (runs <= kMaxSweepRuns) return Status::Ok();
  auto text = [](int64_t n) {
    return n == INT64_MAX ? std::string("more than 2^63 - 1") : std::to_string(n);
  };
  return Status::InvalidArgument(
      "/sweep: " + text(spec.points()) + " points × " + std::to_string(spec.repetitions) +
      " repetitions = " + text(runs) + " runs, more than a sweep may have (" +
      std::to_string(kMaxSweepRuns) +
      "): every run is planned in memory before the first starts; split the grid into "
      "several sweeps or give fewer values");
}

std::vector<std::string> SweepSpec::names() const {
  std::vector<std::string> out;
  for (const auto& p : parameters) out.push_back(p.name);
  return out;
}

Result<std::string> SweepPathToPointer(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("the path is empty");
  if (path[0] == '/') {
    try {
      json::json_pointer check(path);
    } catch (const json::exception&) {
      return Status::InvalidArgument("\"" + path +
                                     "\" is not a valid JSON pointer ('~' must be followed by "
                                     "0 or 1)");
    }
    return path;
  }
  std::string out;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string segment = path.substr(start, dot == std::string::npos ? std::string::npos
                                                                       : dot - start);
    if (segment.empty()) {
      return Status::InvalidArgument("\"" + path + "\" has an empty segment");
    }
    out += "/" + EscapeToken(segment);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

Result<Shard> ParseShard(const std::string& text) {
  const size_t slash = text.find('/');
  auto bad = [&] {
    return Status::InvalidArgument("--shard must be i/n with 0 <= i < n (e.g. 0/3), not \"" +
                                   text + "\"");
  };
  if (slash == std::string::npos) return bad();
  const std::string a = text.substr(0, slash), b = text.substr(slash + 1);
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 9 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!digits(a) || !digits(b)) return bad();
  Shard s{std::stoll(a), std::stoll(b)};
  if (s.count < 1 || s.index >= s.count) return bad();
  return s;
}

uint64_t SweepSeed(uint64_t scenario_seed, int64_t point, int64_t repetition,
                   bool common_seeds) {
  const std::string text = "veritrain/sweep/" + std::to_string(scenario_seed) + "/" +
                           (common_seeds ? std::string("common") : std::to_string(point)) + "/" +
                           std::to_string(repetition);
  const Digest d = Sha256Of(text);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | d.bytes[i];
  return v >> 11;
}

Result<SweepSpec> SweepSpecOf(const Scenario& scenario) {
  SweepSpec spec;
  auto it = scenario.resolved.find("sweep");
  if (it == scenario.resolved.end()) return spec;
  const json& block = *it;
  spec.repetitions = block.value("repetitions", int64_t{1});
  spec.common_seeds = block.value("seeds", std::string("independent")) == "common";
  std::vector<std::string> errors;
  std::set<std::string> names = {"run", "point", "repetition", "seed"};
  std::set<std::string> pointers;
  const json params = block.value("parameters", json::array());
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string at = "/sweep/parameters/" + std::to_string(i);
    SweepParameter p;
    p.path = params[i].value("path", std::string());
    p.name = params[i].value("name", p.path);
    for (const auto& v : params[i].value("values", json::array())) p.values.push_back(v);
    for (const auto& l : params[i].value("labels", json::array())) {
      p.labels.push_back(l.is_string() ? l.get<std::string>() : l.dump());
    }
    if (!p.labels.empty() && p.labels.size() != p.values.size()) {
      errors.push_back(at + "/labels: " + std::to_string(p.labels.size()) + " labels for " +
                       std::to_string(p.values.size()) + " values");
      continue;
    }
    auto pointer = SweepPathToPointer(p.path);
    if (!pointer.ok()) {
      errors.push_back(at + "/path: " + pointer.status().message());
      continue;
    }
    p.pointer = *pointer;
    json::json_pointer ptr(p.pointer);
    const std::string top = ptr.empty() ? "" : json::json_pointer(p.pointer).to_string().substr(1);
    const std::string first = top.substr(0, top.find('/'));
    if (ptr.empty()) {
      errors.push_back(at + "/path: \"" + p.path + "\" names the whole scenario");
      continue;
    }
    if (ReservedFields().count(first) != 0) {
      errors.push_back(at + "/path: \"" + p.path + "\" cannot be swept" +
                       (first == "seed" ? " (every run gets its own seed; use repetitions)" : ""));
      continue;
    }
    if (!pointers.insert(p.pointer).second) {
      errors.push_back(at + "/path: \"" + p.path + "\" is swept twice");
      continue;
    }
    if (const std::string overlap = OverlappingParameter(spec, p); !overlap.empty()) {
      errors.push_back(at + "/path: " + overlap);
      continue;
    }
    if (const std::string repeated = RepeatedValueOrLabel(p); !repeated.empty()) {
      errors.push_back(at + "/" + repeated);
      continue;
    }
    if (IsTableColumnName(p.name)) {
      errors.push_back(at + "/name: \"" + p.name +
                       "\" is the name of a column of sweep.csv or aggregates.csv; give the "
                       "parameter a \"name\"");
      continue;
    }
    if (!names.insert(p.name).second) {
      errors.push_back(at + "/name: the column name \"" + p.name + "\" is already used");
      continue;
    }
    spec.parameters.push_back(std::move(p));
  }
  if (!errors.empty()) {
    std::string msg;
    for (const auto& e : errors) msg += (msg.empty() ? "" : "\n") + e;
    return Status::InvalidArgument(msg);
  }
  VT_RETURN_IF_ERROR(CheckSweepSize(spec));
  return spec;
}

std::vector<SweepRun> SweepRuns(const SweepSpec& spec, uint64_t scenario_seed, const Shard& shard) {
  std::vector<SweepRun> out;
  const int64_t total = spec.runs();
  for (int64_t i = 0; i < total; ++i) {
    if (!shard.Contains(i)) continue;
    SweepRun r;
    r.index = i;
    r.point = i / spec.repetitions;
    r.repetition = i % spec.repetitions;
    r.seed = SweepSeed(scenario_seed, r.point, r.repetition, spec.common_seeds);
    int64_t rest = r.point;
    const size_t np = spec.parameters.size();
    r.values.resize(np);
    r.value_index.resize(np);
    r.shown.resize(np);
    for (size_t k = np; k-- > 0;) {
      const SweepParameter& p = spec.parameters[k];
      const int64_t n = static_cast<int64_t>(p.values.size());
      const size_t i = static_cast<size_t>(rest % n);
      r.values[k] = p.values[i];
      r.value_index[k] = i;
      r.shown[k] = p.Shown(i);
      rest /= n;
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string DescribePoint(const SweepSpec& spec, const std::vector<nlohmann::json>& shown) {
  std::string out;
  for (size_t i = 0; i < spec.parameters.size() && i < shown.size(); ++i) {
    out += (out.empty() ? "" : ", ") + spec.parameters[i].name + "=" + ValueText(shown[i]);
  }
  return out.empty() ? "(no parameters)" : out;
}

std::string PointName(const SweepSpec& spec, const SweepRun& run) {
  return "point " + std::to_string(run.point) + " (" + DescribePoint(spec, run.shown) + ")";
}

void PointProblems::Add(const std::string& where, const std::string& text) {
  size_t start = 0;
  while (start <= text.size()) {
    const size_t nl = text.find('\n', start);
    const std::string line =
        text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    auto [it, fresh] = seen_.emplace(line, std::make_pair(where, int64_t{0}));
    if (fresh) order_.push_back(line);
    else ++it->second.second;
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
}

std::vector<std::string> PointProblems::Lines() const {
  std::vector<std::string> out;
  for (const auto& line : order_) {
    const auto& [where, more] = seen_.at(line);
    out.push_back(where + (more > 0 ? " and " + std::to_string(more) + " more" : "") + ": " +
                  line);
  }
  return out;
}

Result<Scenario> SweepRunScenario(const Scenario& base, const SweepSpec& spec,
                                  const SweepRun& run) {
  json doc = base.resolved;
  doc.erase("sweep");
  doc.erase("execution");
  // A market's participants were generated from its pool when the base was
  // resolved; the point generates its own from the pool it sweeps.
  if (doc.contains("market")) doc.erase("participants");
  const std::string where = PointName(spec, run);
  for (size_t i = 0; i < spec.parameters.size(); ++i) {
    Status s = SetAt(&doc, spec.parameters[i].pointer, run.values.at(i));
    if (!s.ok()) {
      return Status::InvalidArgument("/sweep/parameters/" + std::to_string(i) + "/path: " +
                                     where + ": " + s.message());
    }
  }
  doc["seed"] = run.seed;
  auto sc = ParseScenario(doc.dump(), where);
  if (!sc.ok()) return Status::InvalidArgument(sc.status().message());
  sc->source_dir = base.source_dir;  // relative paths stay relative to the file
  return sc;
}

std::vector<ScenarioError> CheckSweep(const Scenario& base) {
  std::vector<ScenarioError> errors;
  auto spec = SweepSpecOf(base);
  if (!spec.ok()) {
    const std::string& m = spec.status().message();
    size_t start = 0;
    while (start <= m.size()) {
      size_t nl = m.find('\n', start);
      std::string line = m.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      size_t colon = line.find(": ");
      errors.push_back({line.substr(0, colon), colon == std::string::npos ? line
                                                                           : line.substr(colon + 2)});
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    return errors;
  }
  SweepSpec one = *spec;
  one.repetitions = 1;
  // Each distinct error once, with the first point that has it and how many
  // more do: a typo in a parameter's path is one error, not one a point.
  PointProblems problems;
  for (const SweepRun& run : SweepRuns(one, base.seed)) {
    auto sc = SweepRunScenario(base, *spec, run);
    if (sc.ok()) continue;
    // Lines of "<where>: <path>: <message>" (or "<param path>: <where>:
    // <message>"): without the point's name, the same error is one line.
    const std::string where = PointName(*spec, run);
    std::string m = sc.status().message();
    for (size_t at = m.find(where + ": "); at != std::string::npos;
         at = m.find(where + ": ", at)) {
      m.erase(at, where.size() + 2);
    }
    problems.Add(where, m);
  }
  for (const std::string& line : problems.Lines()) errors.push_back({"/sweep", line});
  return errors;
}

}  // namespace veritrain
