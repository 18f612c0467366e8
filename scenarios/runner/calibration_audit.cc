#include "scenarios/runner/calibration_audit.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <tuple>

#include "core/pol/calibration.h"
#include "core/protocol/events.h"
#include "core/util/json_depth.h"

namespace veritrain {
namespace {

using json = nlohmann::json;

bool ReadWhole(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  text->assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return true;
}

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.push_back("");
  return out;
}

// `text` as a double when all of it is one.
bool Number(const std::string& text, double* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

// A field as compared: a number in one spelling (%.17g round-trips a
// double), anything else as it is.
std::string Canonical(const std::string& field) {
  double v = 0;
  if (!Number(field, &v)) return field;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::vector<std::string> CanonicalRow(std::vector<std::string> row) {
  for (auto& f : row) f = Canonical(f);
  return row;
}

// The number at j[key] (a double for any JSON number), when there is one.
bool NumberAt(const json& j, const std::string& key, double* out) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return false;
  *out = j[key].get<double>();
  return true;
}

// The rows of a CSV file under its header, or a problem.
bool Rows(const std::string& path, const std::string& header,
          std::vector<std::vector<std::string>>* rows, std::string* problem) {
  std::string text;
  if (!ReadWhole(path, &text)) {
    *problem = "cannot be read";
    return false;
  }
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != header) {
    *problem = "its header is not \"" + header + "\"";
    return false;
  }
  while (std::getline(in, line)) rows->push_back(Split(line));
  return true;
}

}  // namespace

void AuditCalibrationFiles(const std::string& dir, const json& manifest,
                           const std::vector<Event>& events, std::vector<std::string>* problems,
                           std::vector<std::string>* passed) {
  if (!manifest.is_object() || !manifest.contains("calibration") ||
      !manifest["calibration"].is_object()) {
    return;
  }
  const size_t before = problems->size();
  auto problem = [&](const std::string& p) { problems->push_back(p); };
  const json& record = manifest["calibration"];
  std::string text;
  if (!ReadWhole(dir + "/calibration.json", &text)) {
    problem("calibration.json: missing, though manifest.json records a calibration");
    return;
  }
  if (JsonDeeperThan(text, kMaxJsonFileDepth)) {
    problem("calibration.json: JSON nested deeper than " + std::to_string(kMaxJsonFileDepth) +
            " levels");
    return;
  }
  const json cal = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!cal.is_object()) {
    problem("calibration.json: not a JSON object");
    return;
  }
  // 0. Its figures, as its own samples give them (samples scaled, or a δ
  // edited with the samples left, passed before).
  {
    const std::vector<std::string> wrong = CalibrationRecordInconsistencies(cal);
    for (size_t i = 0; i < wrong.size() && i < 5; ++i) problem("calibration.json: " + wrong[i]);
    if (wrong.size() > 5) {
      problem("calibration.json: and " + std::to_string(wrong.size() - 5) +
              " more figures its samples do not give");
    }
    if (wrong.empty()) {
      passed->push_back("calibration.json: every figure its samples give (δ by length, node "
                        "thresholds, the honest summaries) recomputed and equal");
    }
  }
  // 1. The record, as the manifest keeps it.
  for (const auto& [key, value] : record.items()) {
    if (!cal.contains(key) || cal[key] != value) {
      problem("calibration.json: \"" + key + "\" is not the calibration manifest.json records");
    }
  }
  // 2. The thresholds, as the task the arbiter logged carries them.
  json verification;
  for (const Event& e : events) {
    if (e.type != TaskPostedEvent::kType) continue;
    verification = e.data.value("spec", json::object()).value("verification", json::object());
    break;
  }
  const json by_steps = cal.value("delta_by_steps", json::object());
  const json tolerances = cal.value("node_tolerances", json::object());
  if (verification.is_object()) {
    // A local: items() of a temporary would be a view of a destroyed value.
    const json applied_by_steps = verification.value("delta_by_steps", json::object());
    for (const auto& [steps, deltas] : applied_by_steps.items()) {
      for (const auto& [metric, d] : deltas.items()) {
        if (!by_steps.contains(steps) || !by_steps[steps].is_object() ||
            !by_steps[steps].contains(metric) || by_steps[steps][metric] != d) {
          problem("calibration.json: delta_by_steps/" + steps + "/" + metric +
                  " is not the threshold the task in events.jsonl applied (" + d.dump() + ")");
        }
      }
    }
    const json applied = verification.value("node_tolerances", json::object());
    if (applied.is_object() && !applied.empty() && applied != tolerances) {
      problem("calibration.json: node_tolerances are not the ones the task in events.jsonl "
              "applied");
    }
  }
  // 3. The tables, from calibration.json.
  const json profiles = cal.value("profiles", json::array());
  auto profile_at = [&](const json& index, json* out) {
    if (!index.is_number_unsigned() || index.get<size_t>() >= profiles.size()) return false;
    *out = profiles[index.get<size_t>()];
    return out->is_object();
  };
  // calibration.csv: a row per sample and metric, in order.
  {
    std::vector<std::vector<std::string>> rows;
    std::string why;
    if (!Rows(dir + "/calibration.csv",
              "seed,profile,threads,dtype,interval,from,to,steps,metric,distance,delta", &rows,
              &why)) {
      problem("calibration.csv: " + why);
    } else {
      std::vector<std::vector<std::string>> expected;
      bool shaped = true;
      for (const auto& s : cal.value("samples", json::array())) {
        json p;
        double from = 0, to = 0;
        if (!s.is_object() || !profile_at(s.value("profile", json()), &p) ||
            !NumberAt(s, "from", &from) || !NumberAt(s, "to", &to) ||
            !s.value("distances", json()).is_object()) {
          shaped = false;
          break;
        }
        const std::string steps = std::to_string(static_cast<int64_t>(to - from));
        for (const auto& [metric, distance] : s["distances"].items()) {
          if (!record.value("honest", json::object()).contains(metric)) continue;
          expected.push_back({s.value("seed", json()).dump(), s["profile"].dump(),
                              p.value("threads", json()).dump(),
                              p.value("dtype", std::string()), s.value("interval", json()).dump(),
                              s.value("from", json()).dump(), s.value("to", json()).dump(), steps,
                              metric, distance.dump(),
                              by_steps.value(steps, json::object()).value(metric, json()).dump()});
        }
      }
      if (!shaped) {
        problem("calibration.json: a sample is not of the shape veritrain writes");
      } else if (rows.size() != expected.size()) {
        problem("calibration.csv: " + std::to_string(rows.size()) + " rows, calibration.json's "
                "samples give " + std::to_string(expected.size()));
      } else {
        // The metrics of a sample come in the calibration's order, which
        // calibration.json does not keep: compared as sets of rows.
        for (auto& r : rows) r = CanonicalRow(r);
        for (auto& r : expected) r = CanonicalRow(r);
        std::sort(rows.begin(), rows.end());
        std::sort(expected.begin(), expected.end());
        for (size_t i = 0; i < rows.size(); ++i) {
          if (rows[i] != expected[i]) {
            problem("calibration.csv: a row (" + std::to_string(i + 1) + " in sorted order) is "
                    "not one calibration.json gives");
            break;
          }
        }
      }
    }
  }
  // calibration_nodes.csv: a row per node sample, in order.
  {
    std::vector<std::vector<std::string>> rows;
    std::string why;
    if (!Rows(dir + "/calibration_nodes.csv",
              "seed,profile,threads,step,node,kind,deviation,tolerance", &rows, &why)) {
      problem("calibration_nodes.csv: " + why);
    } else {
      const json samples = cal.value("node_samples", json::array());
      if (rows.size() != samples.size()) {
        problem("calibration_nodes.csv: " + std::to_string(rows.size()) +
                " rows, calibration.json's node_samples give " + std::to_string(samples.size()));
      } else {
        for (size_t i = 0; i < rows.size(); ++i) {
          const json& s = samples[i];
          json p;
          double row_deviation = 0, deviation = 0, row_tolerance = 0;
          const std::string node = s.is_object() ? s.value("node", std::string()) : "";
          const bool same =
              s.is_object() && rows[i].size() == 8 && profile_at(s.value("profile", json()), &p) &&
              rows[i][0] == s.value("seed", json()).dump() &&
              rows[i][1] == s["profile"].dump() &&
              rows[i][2] == p.value("threads", json()).dump() &&
              rows[i][3] == s.value("step", json()).dump() && rows[i][4] == node &&
              Number(rows[i][6], &row_deviation) && NumberAt(s, "deviation", &deviation) &&
              row_deviation == deviation && Number(rows[i][7], &row_tolerance) &&
              tolerances.contains(node) && tolerances[node].is_number() &&
              tolerances[node].get<double>() == row_tolerance;
          if (!same) {
            problem("calibration_nodes.csv: row " + std::to_string(i + 1) +
                    " is not the one calibration.json gives");
            break;
          }
        }
      }
    }
  }
  if (problems->size() == before) {
    passed->push_back("calibration.json, calibration.csv, calibration_nodes.csv: the "
                      "calibration manifest.json records and the thresholds events.jsonl applied");
  }
}

}  // namespace veritrain
