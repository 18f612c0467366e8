// The market section of a run report (docs/market.md): strategy shares,
// the jackpot and the cost of security over the task stream, from
// market_tasks.csv, and each participant's final state from summary.json.
#include <fstream>
#include <map>
#include <sstream>

#include "scenarios/report/html.h"
#include "scenarios/report/report_parts.h"

namespace veritrain::report {
namespace {

using json = nlohmann::json;

// The rows of market_tasks.csv by column name (its fields hold no commas).
std::vector<std::map<std::string, std::string>> ReadMarketTasks(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::map<std::string, std::string>> rows;
  std::vector<std::string> header;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields;
    std::stringstream split(line);
    for (std::string f; std::getline(split, f, ',');) fields.push_back(f);
    if (header.empty()) {
      header = fields;
      continue;
    }
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size() && i < fields.size(); ++i) row[header[i]] = fields[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

double Number(const std::map<std::string, std::string>& row, const std::string& column) {
  auto it = row.find(column);
  if (it == row.end() || it->second.empty()) return 0;
  try {
    return std::stod(it->second);
  } catch (const std::exception&) {
    return 0;
  }
}

// A task's place on the plots: its row, 1-based — its index + 1 for tasks
// in a row, the order it ended in on the market clock.
double Position(size_t row) { return static_cast<double>(row + 1); }

}  // namespace

std::string MarketSection(const std::string& dir, const json& summary, Canvas& canvas) {
  const json market = summary.value("market", json::object());
  const auto rows = ReadMarketTasks(dir + "/market_tasks.csv");
  if (rows.empty()) return canvas.Skipped("the market", "market_tasks.csv is missing or empty");
  std::string out;
  std::vector<std::vector<std::string>> totals;
  for (const char* f : {"switches", "joins", "leaves", "exits"}) {
    totals.push_back({f, Cell(market.value(f, json()))});
  }
  for (const auto& [group, fields] : market.items()) {
    if (group != "tasks" && group != "forced_errors" && group != "cheating" && group != "jackpot" &&
        group != "security_cost" && group != "clock") {
      continue;
    }
    for (const auto& [k, v] : fields.items()) {
      if (!v.is_object()) {
        totals.push_back({group + "." + k, Cell(v)});
        continue;
      }
      for (const auto& [k2, v2] : v.items()) totals.push_back({group + "." + k + "." + k2, Cell(v2)});
    }
  }
  out += HtmlTable({"figure", "value"}, totals);

  const double last = static_cast<double>(rows.size());
  Plot shares;
  shares.title = "Share of each strategy among active participants";
  shares.xlabel = "task";
  shares.ylabel = "share";
  shares.yrange = "[0:1.05]";
  shares.xrange = "[0:" + std::to_string(rows.size()) + "]";
  for (const auto& [column, value] : rows.front()) {
    if (column.rfind("share.", 0) != 0) continue;
    PlotSeries s{column.substr(6), {}, "steps", "lw 2"};
    for (size_t i = 0; i < rows.size(); ++i) s.rows.push_back({Position(i), Number(rows[i], column)});
    shares.series.push_back(std::move(s));
  }
  out += canvas.Figure(shares);

  Plot money;
  money.title = "Jackpot and cost of security per task";
  money.xlabel = "task";
  money.ylabel = "token units";
  money.xrange = "[0:" + std::to_string(rows.size()) + "]";
  PlotSeries jackpot{"jackpot", {}, "steps", "lw 2"};
  PlotSeries security{"security cost (fees + tax + verifiers' compute)", {}, "points", "pt 7"};
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    jackpot.rows.push_back({Position(i), Number(r, "jackpot")});
    if (Number(r, "posted") > 0) {
      security.rows.push_back({Position(i), Number(r, "security_cost")});
    }
  }
  money.series = {jackpot, security};
  out += canvas.Figure(money);

  Plot caught;
  caught.title = "Forced errors and cheating, cumulative";
  caught.xlabel = "task";
  caught.ylabel = "tasks";
  caught.xrange = "[0:" + std::to_string(static_cast<int64_t>(last)) + "]";
  PlotSeries fe_caught{"forced errors caught", {}, "steps", "lw 2"},
      fe_missed{"forced errors missed", {}, "steps", "lw 2"},
      ch_caught{"cheating caught", {}, "steps", "lw 2"},
      ch_missed{"cheating missed", {}, "steps", "lw 2"};
  double a = 0, b = 0, c = 0, d = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const double x = Position(i);
    const bool forced = Number(r, "forced_error") > 0, fc = Number(r, "forced_error_caught") > 0;
    const bool cheat = Number(r, "cheating") > 0, cc = Number(r, "cheating_caught") > 0;
    a += forced && fc;
    b += forced && !fc;
    c += cheat && cc;
    d += cheat && !cc;
    fe_caught.rows.push_back({x, a});
    fe_missed.rows.push_back({x, b});
    ch_caught.rows.push_back({x, c});
    ch_missed.rows.push_back({x, d});
  }
  caught.series = {fe_caught, fe_missed, ch_caught, ch_missed};
  out += canvas.Figure(caught);

  std::vector<std::vector<std::string>> people;
  const json participants = market.value("participants", json::object());
  for (const auto& [name, p] : participants.items()) {
    people.push_back({name, Cell(p.value("role", json())), Cell(p.value("strategy", json())),
                      Cell(p.value("active", json())), Cell(p.value("out", json())),
                      Cell(p.value("balance", json())), Cell(p.value("profit", json())),
                      Cell(p.value("plays", json())), Cell(p.value("switches", json()))});
  }
  out += HtmlTable({"participant", "role", "strategy", "active", "out", "balance", "profit",
                    "tasks", "switches"},
                   people);
  return out;
}

}  // namespace veritrain::report
