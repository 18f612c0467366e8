#include "scenarios/report/plot.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/util/scratch_dir.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;

// A gnuplot string literal (single quotes; a quote is doubled).
std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "''";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out + "'";
}

// Text for gnuplot's enhanced mode, which reads '_', '^', '{', '}', '@',
// '&' and '~' as markup: each is escaped with one backslash (the string is
// single-quoted, so the backslash reaches the enhanced-text parser as is).
std::string Plain(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '_' || c == '^' || c == '{' || c == '}' || c == '@' || c == '&' || c == '~') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "1e308" : "-1e308";
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs argv, stdout and stderr to `log`; returns the wait status, or -1 if
// it could not be started.
int RunProgram(const std::vector<std::string>& argv, const std::string& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fd);
    return -1;
  }
  if (pid == 0) {
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  ::close(fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// Series drawn with a title: the entries of the key.
int KeyEntries(const Plot& p) {
  int n = 0;
  for (const auto& ser : p.series) n += !ser.rows.empty() && !ser.title.empty();
  return n;
}

}  // namespace

std::string GnuplotScript(const Plot& p, const std::string& svg_path) {
  std::ostringstream s;
  // Each row of the key takes about 17 pixels under the plot: the picture
  // grows by them so that the plot itself keeps its height.
  const int key_rows = (KeyEntries(p) + 1) / 2;
  s << "set terminal svg size " << p.width << "," << (p.height + 17 * std::max(0, key_rows - 1))
    << " dynamic enhanced font 'Helvetica,12' background rgb 'white'\n";
  s << "set output " << Quote(svg_path) << "\n";
  s << "set encoding utf8\n";
  s << "set title " << Quote(Plain(p.title)) << "\n";
  s << "set xlabel " << Quote(Plain(p.xlabel)) << "\n";
  s << "set ylabel " << Quote(Plain(p.ylabel)) << "\n";
  s << "set grid lc rgb '#dddddd'\n";
  // The key goes under the plot, below the x axis title, never over it:
  // anchored to the bottom of the picture, in at most two columns, with a
  // bottom margin that leaves room for the tic labels, the axis title and
  // every row of the key.
  const int entries = KeyEntries(p);
  const int columns = entries > 1 ? 2 : 1;
  const int rows = (entries + columns - 1) / columns;
  const int tic_lines = p.xtic_labels.empty() ? 1 : 2;  // rotated labels need two
  s << "set bmargin " << (tic_lines + 2 + rows + (rows > 0 ? 1 : 0)) << "\n";
  if (entries > 0) {
    s << "set key at screen 0.5, screen 0.01 center bottom horizontal maxcols " << columns
      << " maxrows " << rows << " box opaque\n";
  } else {
    s << "unset key\n";
  }
  s << "set offsets graph 0.04, graph 0.04, graph 0.02, graph 0.02\n";
  s << "set border 3\nset tics nomirror\n";
  if (p.logx) s << "set logscale x\nset format x '%g'\n";
  if (p.logy) s << "set logscale y\nset format y '10^{%L}'\n";
  if (!p.xrange.empty()) s << "set xrange " << p.xrange << "\n";
  if (!p.yrange.empty()) s << "set yrange " << p.yrange << "\n";
  if (p.xtic_labels.empty() && !p.xtics.empty()) {
    s << "set xtics (";
    for (size_t i = 0; i < p.xtics.size(); ++i) s << (i ? ", " : "") << Number(p.xtics[i]);
    s << ")\n";
  }
  if (!p.xtic_labels.empty()) {
    s << "set xtics (";
    for (size_t i = 0; i < p.xtic_labels.size(); ++i) {
      // Tic labels are format strings: a literal '%' is "%%".
      std::string label;
      for (char c : Plain(p.xtic_labels[i])) label += c == '%' ? std::string("%%") : std::string(1, c);
      s << (i ? ", " : "") << Quote(label) << " " << i;
    }
    s << ") rotate by -20\n";
    if (p.xrange.empty()) {
      s << "set xrange [-0.5:" << (static_cast<double>(p.xtic_labels.size()) - 0.5) << "]\n";
    }
  }
  for (size_t i = 0; i < p.series.size(); ++i) {
    s << "$d" << i << " << EOD\n";
    for (const auto& row : p.series[i].rows) {
      for (size_t c = 0; c < row.size(); ++c) s << (c ? " " : "") << Number(row[c]);
      s << "\n";
    }
    s << "EOD\n";
  }
  s << "plot ";
  bool first = true;
  for (size_t i = 0; i < p.series.size(); ++i) {
    const PlotSeries& ser = p.series[i];
    if (ser.rows.empty()) continue;
    const bool errors = ser.style == "yerrorlines" || ser.style == "yerrorbars";
    s << (first ? "" : ", \\\n     ") << "$d" << i << " using "
      << (errors ? "1:2:3:4" : "1:2") << " with " << ser.style
      << (ser.title.empty() ? std::string(" notitle") : " title " + Quote(Plain(ser.title)));
    if ((ser.style == "linespoints" || ser.style == "points" || errors) &&
        ser.extra.find("pointsize") == std::string::npos) {
      s << " pointsize 0.8";
    }
    if (!ser.extra.empty()) s << " " << ser.extra;
    first = false;
  }
  if (first) s << "NaN notitle";
  s << "\n";
  return s.str();
}

Status GnuplotCheck(const std::string& gnuplot) {
  auto scratch = ScratchDirectory::Make("veritrain-plot-");
  if (!scratch.ok()) return Status::Unavailable(scratch.status().message());
  const std::string log = scratch->path() + "/log.txt";
  const int status = RunProgram({gnuplot, "--version"}, log);
  std::string first_line;
  {
    std::ifstream in(log);
    std::getline(in, first_line);
  }
  if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  // RunProgram's child exits 127 when the program cannot be executed.
  if (status < 0 || (WIFEXITED(status) && WEXITSTATUS(status) == 127)) {
    return Status::Unavailable(gnuplot == "gnuplot"
                                   ? "gnuplot is not installed (apt-get install gnuplot-nox)"
                                   : gnuplot + " cannot be run (is it a program?)");
  }
  std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                      : "was killed by signal " + std::to_string(WTERMSIG(status));
  return Status::Unavailable("\"" + gnuplot + " --version\" " + how +
                             (first_line.empty() ? std::string() : ": " + first_line));
}

bool GnuplotAvailable(const std::string& gnuplot) { return GnuplotCheck(gnuplot).ok(); }

Result<std::string> RenderSvg(const Plot& plot, const std::string& gnuplot) {
  VT_ASSIGN_OR_RETURN(ScratchDirectory scratch, ScratchDirectory::Make("veritrain-plot-"));
  const std::string& dir = scratch.path();
  const std::string script = dir + "/plot.gp", svg = dir + "/plot.svg", log = dir + "/log.txt";
  {
    std::ofstream out(script, std::ios::binary);
    out << GnuplotScript(plot, svg);
    if (!out) return Status::IOError("cannot write " + script);
  }
  const int status = RunProgram({gnuplot, script}, log);
  if (status < 0 || (WIFEXITED(status) && WEXITSTATUS(status) == 127)) {
    return Status::Unavailable("cannot run " + gnuplot + " (install gnuplot-nox)");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string message = ReadAll(log);
    if (message.size() > 2000) message = message.substr(0, 2000) + "…";
    return Status::Internal("gnuplot failed on the plot '" + plot.title + "': " + message);
  }
  std::string text = ReadAll(svg);
  const size_t at = text.find("<svg");
  if (at == std::string::npos) {
    return Status::Internal("gnuplot wrote no SVG for the plot '" + plot.title + "'");
  }
  return text.substr(at);
}

}  // namespace veritrain
