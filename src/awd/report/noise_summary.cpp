#include "awd/report/noise_summary.h"

#include <cmath>
#include <utility>

#include "awd/io/csv.h"
#include "awd/report/report.h"

namespace awd::report {

const std::vector<std::string> kNoiseColumns = {"step",         "epoch",    "train_loss",  "eta_sq",
                                                "eta_layer_sq", "lambda_1", "eta_top_sq_1"};

const std::vector<std::string> kNoiseMetrics = {
    "records",           "eta_sq_mean",           "eta_sq_late",          "eta_layer_sq_late",
    "eta_top_sq_1_late", "lambda_1_late",         "train_loss_late",      "slope_top1_vs_lambda1",
    "corr_top1_vs_lambda1", "slope_eta_vs_lambda1", "corr_eta_vs_lambda1", "slope_eta_vs_loss",
    "corr_eta_vs_loss"};

namespace {

/// Least-squares slope and Pearson correlation of log y against log x over the
/// points with x, y > 0.
std::pair<double, double> loglog_fit(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> lx, ly;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i] > 0 && y[i] > 0 && std::isfinite(x[i]) && std::isfinite(y[i])) {
      lx.push_back(std::log(x[i]));
      ly.push_back(std::log(y[i]));
    }
  if (lx.size() < 2) return {NAN, NAN};
  const double n = double(lx.size());
  double mx = 0, my = 0;
  for (size_t i = 0; i < lx.size(); ++i) {
    mx += lx[i] / n;
    my += ly[i] / n;
  }
  double sxx = 0, syy = 0, sxy = 0;
  for (size_t i = 0; i < lx.size(); ++i) {
    sxx += (lx[i] - mx) * (lx[i] - mx);
    syy += (ly[i] - my) * (ly[i] - my);
    sxy += (lx[i] - mx) * (ly[i] - my);
  }
  if (!(sxx > 0)) return {NAN, NAN};
  return {sxy / sxx, syy > 0 ? sxy / std::sqrt(sxx * syy) : NAN};
}

}  // namespace

std::vector<double> noise_metrics(const std::string& noise_csv) {
  const auto rows = io::read_csv_columns(noise_csv, kNoiseColumns);
  std::vector<double> col[7];
  for (const auto& r : rows)
    for (size_t c = 0; c < kNoiseColumns.size(); ++c) col[c].push_back(r[c]);
  const size_t late = rows.size() / 2;
  auto late_mean = [&](int c) {
    return mean_std(std::vector<double>(col[c].begin() + static_cast<long>(late), col[c].end())).mean;
  };
  const auto top = loglog_fit(col[kLambda1], col[kTop1]);
  const auto eta = loglog_fit(col[kLambda1], col[kEta]);
  const auto loss = loglog_fit(col[kLoss], col[kEta]);
  return {double(rows.size()),  mean_std(col[kEta]).mean, late_mean(kEta),   late_mean(kEtaLayer),
          late_mean(kTop1),     late_mean(kLambda1),      late_mean(kLoss),  top.first,
          top.second,           eta.first,                eta.second,        loss.first,
          loss.second};
}

}  // namespace awd::report
