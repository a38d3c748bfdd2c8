#pragma once
// Line charts as PNG, drawn with Cairo: axes with ticks, labels, a title and a
// legend. Written atomically (temporary name, then renamed).
#include <optional>
#include <string>
#include <vector>

namespace rtm::evaluate {

struct ChartSeries {
  std::string name;
  std::vector<double> x;
  std::vector<std::optional<double>> y;  // nullopt: undefined (the line breaks there)
  double width = 1.5;                     // line width in pixels
  int dash = 0;                           // 0 solid, 1 dashed, 2 dotted
};

struct LineChart {
  std::string title;
  std::string subtitle;
  std::string x_label, y_label;
  bool x_is_date = false;  // x in days since 1970-01-01, ticks labelled YYYY-MM-DD
  bool markers = true;
  std::optional<double> reference_y;  // a dashed horizontal line (e.g. PAI = 1, no better than chance)
  std::vector<ChartSeries> series;
};

// Throws RenderError when Cairo fails, OutputError when the file cannot be written.
void write_line_chart_png(const std::string& path, const LineChart& chart, int width_px = 1100, int height_px = 650);

}  // namespace rtm::evaluate
