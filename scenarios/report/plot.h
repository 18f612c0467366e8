// Plots for reports, drawn by gnuplot (Debian's gnuplot-nox) as SVG.
//
// A Plot is data and a few settings; RenderSvg writes a gnuplot script with
// the data inline, runs gnuplot on it with the svg terminal, and returns the
// SVG text (no scripts, no external references), ready to embed in a page.
// The key sits under the plot, below the x axis title, in up to two
// columns; the picture grows by the key's rows so the plot keeps its size.
//
// Thread-safety: Plot is a value; RenderSvg may run concurrently (each call
// uses its own temporary files).
#pragma once

#include <string>
#include <vector>

#include "core/util/status.h"

namespace veritrain {

struct PlotSeries {
  std::string title;  // its entry in the key; "" for none
  // Rows of numbers; the columns the style needs: "linespoints", "points",
  // "lines" and "steps" use (x, y); "yerrorlines" and "yerrorbars" use
  // (x, y, ylow, yhigh).
  std::vector<std::vector<double>> rows;
  std::string style = "linespoints";
  std::string extra;  // appended to the plot clause, e.g. "dashtype 2"
};

struct Plot {
  std::string title;
  std::string xlabel;
  std::string ylabel;
  bool logx = false;
  bool logy = false;
  std::string xrange;  // e.g. "[0:10]"; "" for automatic
  std::string yrange;
  // Category labels: when non-empty, x values 0..n-1 are shown as these.
  std::vector<std::string> xtic_labels;
  // Tick positions on a numeric x axis (e.g. the swept values); "" for
  // gnuplot's own.
  std::vector<double> xtics;
  std::vector<PlotSeries> series;
  int width = 860;
  int height = 460;
};

// The gnuplot script for `plot`, writing SVG to `svg_path`.
std::string GnuplotScript(const Plot& plot, const std::string& svg_path);

// Runs `gnuplot` (a program name found on PATH, or a path) on the plot's
// script. Unavailable when gnuplot cannot be run; Internal with gnuplot's
// message when it fails.
Result<std::string> RenderSvg(const Plot& plot, const std::string& gnuplot = "gnuplot");

// Whether `gnuplot` can be run: OK when "`gnuplot` --version" exits 0;
// Unavailable "gnuplot is not installed (apt-get install gnuplot-nox)" when
// it cannot be started, and naming the program, its exit status and the
// first line it printed when it fails.
Status GnuplotCheck(const std::string& gnuplot = "gnuplot");
bool GnuplotAvailable(const std::string& gnuplot = "gnuplot");

}  // namespace veritrain
