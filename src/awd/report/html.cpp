#include "awd/report/html.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "awd/experiments/parameters.h"
#include "awd/io/text_file.h"

namespace fs = std::filesystem;

namespace awd::report {
namespace {

/// A table cell: statistics to 4 significant digits, settings (value, lr, ...)
/// to 6 so that they stay recognisable; the CSV keeps full precision.
std::string cell(const std::string& field, int digits) {
  return io::is_finite_number(field) ? io::format_number(io::csv_field_number(field), digits) : field;
}

const char* kCss = R"(body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
.meta { color: #555; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85em; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; white-space: nowrap; }
th { background: #f2f2f2; }
tbody tr:nth-child(even) { background: #fafafa; }
.sd { color: #777; }
figure { margin: 2em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.95em; color: #333; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); column-gap: 1.5em; }
.gallery figure { margin: 1em 0; }
.warning { background: #fff4e5; border-left: 4px solid #e67e22; padding: 0.5em 1em; }
)";

/// The figures section: each figure shown as its PNG and linked to its SVG,
/// numbered in order, with its caption.
std::string figures_html(const FigureSet& figure_set) {
  std::ostringstream s;
  s << "<h2>Figures</h2>\n";
  if (figure_set.files.empty()) s << "<p>No figures.</p>\n";
  // Files are grouped by stem.
  std::vector<std::string> stems;
  for (const auto& file : figure_set.files) {
    const std::string stem = fs::path(file).stem().string();
    if (std::find(stems.begin(), stems.end(), stem) == stems.end()) stems.push_back(stem);
  }
  int number_ = 0;
  for (const auto& stem : stems) {
    std::vector<std::string> files;
    for (const auto& file : figure_set.files)
      if (fs::path(file).stem() == stem) files.push_back(file);
    const auto png = std::find_if(files.begin(), files.end(),
                                  [](const std::string& f) { return fs::path(f).extension() == ".png"; });
    const auto caption = figure_set.captions.find(stem);
    const std::string img = png != files.end() ? *png : files.front();
    s << "<figure id=\"" << html_escape(stem) << "\">\n<img src=\"" << html_escape(img) << "\" alt=\""
      << html_escape(stem) << "\">\n<figcaption><b>Figure " << ++number_ << ".</b> ";
    if (caption != figure_set.captions.end()) s << html_escape(caption->second) << " ";
    for (const auto& file : files)
      s << "<a href=\"" << html_escape(file) << "\">" << html_escape(fs::path(file).extension().string().substr(1))
        << "</a> ";
    s << "</figcaption>\n</figure>\n";
  }
  return s.str();
}

}  // namespace

std::string html_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string html_table(const io::CsvTable& t) {
  struct Col { std::string title; size_t mean; long std; };
  std::vector<Col> cols;
  for (size_t i = 0; i < t.header.size(); ++i) {
    const std::string& h = t.header[i];
    const auto ends = [&](const std::string& suf) {
      return h.size() > suf.size() && h.compare(h.size() - suf.size(), suf.size(), suf) == 0;
    };
    if (ends("_std")) {
      const auto mean = std::find(t.header.begin(), t.header.end(), h.substr(0, h.size() - 4) + "_mean");
      if (mean != t.header.end()) continue;  // shown with its mean
    }
    if (ends("_mean")) {
      const std::string base = h.substr(0, h.size() - 5);
      const auto sd = std::find(t.header.begin(), t.header.end(), base + "_std");
      cols.push_back({base, i, sd == t.header.end() ? -1L : long(sd - t.header.begin())});
    } else {
      cols.push_back({h, i, -1L});
    }
  }
  std::ostringstream s;
  s << "<div class=\"scroll\"><table>\n<thead><tr>";
  for (const auto& c : cols) s << "<th>" << html_escape(c.title) << "</th>";
  s << "</tr></thead>\n<tbody>\n";
  for (const auto& row : t.rows) {
    s << "<tr>";
    for (const auto& c : cols) {
      const int digits = c.title == t.header[c.mean] ? 6 : 4;
      s << "<td>" << html_escape(cell(row[c.mean], digits));
      if (c.std >= 0) s << " <span class=\"sd\">± " << html_escape(cell(row[size_t(c.std)], 4)) << "</span>";
      s << "</td>";
    }
    s << "</tr>\n";
  }
  s << "</tbody></table></div>\n";
  return s.str();
}

std::string csv_html_table(const std::string& path) { return html_table(io::read_csv(path)); }

void write_report_html(const std::string& report_dir, const std::string& title, const std::string& parameter,
                       const FigureSet& figure_set, const std::string& extra_html,
                       const std::string& tail_html) {
  const io::CsvTable summary = io::read_csv((fs::path(report_dir) / "summary.csv").string());
  const std::string symbol = experiments::parameter_symbol(parameter);
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << html_escape(title)
    << "</title>\n<style>\n" << kCss << "</style>\n</head>\n<body>\n"
    << "<h1>" << html_escape(title) << "</h1>\n"
    << "<p class=\"meta\">Swept parameter: <b>" << html_escape(parameter) << "</b>"
    << (symbol != parameter ? " (" + html_escape(symbol) + " in the paper)" : "") << ", "
    << summary.rows.size() << " values. Activity-weight duality analysis after Feng, Zhang &amp; Tu. "
    << "Losses in nats. Data: <a href=\"summary.csv\">summary.csv</a>, <a href=\"ranks.csv\">ranks.csv</a>, "
    << "<a href=\"solutions.csv\">solutions.csv</a>.</p>\n";
  if (!figure_set.warning.empty()) s << "<p class=\"warning\">" << html_escape(figure_set.warning) << "</p>\n";
  s << "<h2>Summary</h2>\n<p>Means ± standard deviations over the finished repeats of each value.</p>\n"
    << html_table(summary) << extra_html;

  s << figures_html(figure_set) << tail_html << "</body>\n</html>\n";
  io::write_atomic((fs::path(report_dir) / "report.html").string(), s.str());
}

void write_page_html(const std::string& report_dir, const std::string& title, const std::string& body_html,
                     const FigureSet& figure_set, const std::string& tail_html) {
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << html_escape(title)
    << "</title>\n<style>\n" << kCss << "</style>\n</head>\n<body>\n"
    << "<h1>" << html_escape(title) << "</h1>\n";
  if (!figure_set.warning.empty()) s << "<p class=\"warning\">" << html_escape(figure_set.warning) << "</p>\n";
  s << body_html << figures_html(figure_set) << tail_html << "</body>\n</html>\n";
  io::write_atomic((fs::path(report_dir) / "report.html").string(), s.str());
}

}  // namespace awd::report
