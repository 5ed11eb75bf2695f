#include "awd/report/layers_report.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "awd/io/csv.h"
#include "awd/io/text_file.h"
#include "awd/report/figures.h"
#include "awd/report/folder_compare.h"
#include "awd/report/html.h"
#include "awd/store/config_json.h"
#include "awd/store/layers_record.h"
#include "awd/store/run_layout.h"

namespace fs = std::filesystem;

namespace awd::report {
namespace {

/// The columns of layers.csv taken from each layer's analysis folder (kFolderMetrics' names).
const std::vector<std::string> kLayerMetrics = {"N",    "directions", "dL",  "dL_p",       "sum_dL_i", "dL_rest",
                                                "dL_s", "dL_f",       "n_s", "lambda_max", "||W||"};

/// Columns that count (weights, directions, ranks): written as integers.
bool is_count(const std::string& metric) { return metric == "N" || metric == "directions" || metric == "n_s"; }

struct LayerRow {
  std::string layer;
  std::vector<double> metrics;  ///< per kLayerMetrics
  std::string certificate;
  double seconds = 0;
  double at(const std::string& name) const {
    return metrics[size_t(std::find(kLayerMetrics.begin(), kLayerMetrics.end(), name) - kLayerMetrics.begin())];
  }
};

/// Whether the directions of a top-k analysis are the sharpest by sigma_g
/// (SPEC §5): "exact" for all N, "certified" when no other direction
/// outranks a computed one, else how many ranks are final and whether they
/// cover the sharp ones (n_s).
std::string certificate(const std::string& folder, const LayerRow& row) {
  if (row.at("directions") >= row.at("N")) return "exact";
  const auto path = store::summary_file(folder);
  const auto j = store::read_json(path);
  const nlohmann::json::json_pointer at("/top_k/certificate");
  if (!j.contains(at)) throw std::runtime_error(path + ": a top-k analysis without top_k.certificate");
  const auto& c = j.at(at);
  if (c.value("certified", false)) return "certified";
  const auto ranks = c.value("certified_ranks", int64_t(0));
  if (ranks == 0) return "not certified";
  const bool sharp = row.at("n_s") > 0 && double(ranks) >= row.at("n_s");
  return (sharp ? "n_s certified (ranks 1-" : "not certified (ranks 1-") + std::to_string(ranks) + ")";
}

LayerRow read_layer(const std::string& dir, const store::AnalysedLayer& layer) {
  const auto folder = (fs::path(dir) / layer.folder).string();
  const auto f = read_analysis_folder(folder, layer.name);
  LayerRow row{layer.name, {}, "", layer.seconds};
  for (const auto& m : kLayerMetrics) {
    const auto i = size_t(std::find(kFolderMetrics.begin(), kFolderMetrics.end(), m) - kFolderMetrics.begin());
    row.metrics.push_back(f.metrics.at(i));
  }
  row.certificate = certificate(folder, row);
  return row;
}

std::string layers_csv(const std::vector<LayerRow>& rows) {
  std::ostringstream s;
  s << "layer";
  for (const auto& m : kLayerMetrics) s << ',' << m;
  s << ",certificate,seconds\n";
  for (const auto& r : rows) {
    s << r.layer;
    for (size_t i = 0; i < r.metrics.size(); ++i)
      s << ',' << (is_count(kLayerMetrics[i]) ? std::to_string(int64_t(r.metrics[i])) : io::csv_number(r.metrics[i]));
    s << ',' << r.certificate << ',' << io::csv_number(r.seconds) << '\n';
  }
  return s.str();
}

const std::vector<Figure>& layer_figures() {
  static const std::vector<Figure> kFigures = {
      {"layers_gap", "Eq. 7, 11",
       "Per analysed layer: the pair gap dL_p (Eq. 7) and its sharp and flat parts dL_s and dL_f (Eq. 11; of a "
       "top-k layer, dL_f covers the top k only and dL_rest the others).",
       "layers.csv", "layer", nullptr, false, {{"dL_p", "ΔL_p"}, {"dL_s", "ΔL_s"}, {"dL_f", "ΔL_f"}},
       "layer", "nats", Scale::kLinear, Scale::kLinear, "linespoints lw 2 pt 7 ps 1"},
      {"layers_size", "Fig. 3, per layer",
       "Per analysed layer: the largest eigenvalue lambda_max of its basis matrix and the norm ||W||_F of its "
       "weights; log y when they span a decade.",
       "layers.csv", "layer", nullptr, false, {{"lambda_max", "λ_max"}, {"||W||", "||W||_F"}},
       "layer", "λ_{max},  ||W||_F", Scale::kLinear, Scale::kAuto, "linespoints lw 2 pt 7 ps 1"},
  };
  return kFigures;
}

std::string printed_table(const std::vector<LayerRow>& rows, const store::LayersRecord& record) {
  std::string s = "layer          N  directions      dL_p  sum dL_i   dL_rest      dL_s      dL_f   n_s  lambda_max"
                  "     ||W||  seconds  certificate\n";
  char buf[512];
  for (const auto& r : rows) {
    std::snprintf(buf, sizeof buf, "%-8s %8.0f %11.0f %9.5f %9.5f %9.5f %9.5f %9.5f %5.0f %11.4g %9.4g %8.1f  %s\n",
                  r.layer.c_str(), r.at("N"), r.at("directions"), r.at("dL_p"), r.at("sum_dL_i"), r.at("dL_rest"),
                  r.at("dL_s"), r.at("dL_f"), r.at("n_s"), r.at("lambda_max"), r.at("||W||"), r.seconds,
                  r.certificate.c_str());
    s += buf;
  }
  for (const auto& k : record.skipped) s += "left out " + k.name + ": " + k.reason + "\n";
  return s;
}

std::string body_html(const std::string& dir, const store::LayersRecord& record) {
  std::ostringstream s;
  s << "<p class=\"meta\">Every analysed layer's own analysis is in its folder (";
  for (size_t i = 0; i < record.analysed.size(); ++i)
    s << (i ? ", " : "") << "<a href=\"" << html_escape(record.analysed[i].folder) << "/summary.json\">"
      << html_escape(record.analysed[i].name) << "</a>";
  s << "); the table is <a href=\"layers.csv\">layers.csv</a>, the record <a href=\"layers.json\">layers.json</a>. "
    << "Losses in nats; dL_rest is the share of sum dL_i of the directions a top-k analysis did not compute.</p>\n"
    << "<h2>Layers</h2>\n" << csv_html_table((fs::path(dir) / "layers.csv").string());
  if (!record.skipped.empty()) {
    s << "<h2>Left out</h2>\n<ul>\n";
    for (const auto& k : record.skipped) s << "<li><b>" << html_escape(k.name) << "</b>: " << html_escape(k.reason) << "</li>\n";
    s << "</ul>\n";
  }
  return s.str();
}

}  // namespace

std::string write_layers_report(const std::string& dir, const std::string& gnuplot) {
  const auto record = store::read_layers_record(dir);
  std::vector<LayerRow> rows;
  for (const auto& l : record.analysed) rows.push_back(read_layer(dir, l));
  io::write_atomic((fs::path(dir) / "layers.csv").string(), layers_csv(rows));
  const auto figures = make_table_figures(dir, "layers.csv", "layer", layer_figures(), gnuplot);
  if (!figures.warning.empty()) std::fprintf(stderr, "awd: warning: %s\n", figures.warning.c_str());
  write_page_html(dir, "Every layer: " + record.request, body_html(dir, record), figures);
  return printed_table(rows, record) + "layers: " + (fs::path(dir) / "layers.csv").string() +
         ", report: " + (fs::path(dir) / "report.html").string() + "\n";
}

}  // namespace awd::report
