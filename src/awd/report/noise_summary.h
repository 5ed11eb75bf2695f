// The noise record of a solution (noise.csv, SPEC §8: the SGD noise eta(t)
// against the sharpness lambda_1 and the loss along training) summarised in a
// few numbers, for the compare report (paper Fig. 6).
#pragma once
#include <string>
#include <vector>

namespace awd::report {

/// The noise.csv columns the report reads (the first direction of the top K), in this order.
extern const std::vector<std::string> kNoiseColumns;
enum NoiseColumn { kStep, kEpoch, kLoss, kEta, kEtaLayer, kLambda1, kTop1 };

/// Per-solution summary of noise.csv: records; eta_sq_mean (all records);
/// X_late, the mean of X over the last half of the records (record index >=
/// records/2, 0-based) for eta_sq, eta_layer_sq, eta_top_sq_1, lambda_1,
/// train_loss; slope_Y_vs_X and corr_Y_vs_X, the least-squares slope and the
/// Pearson correlation of log Y against log X over the records with X, Y > 0
/// (NaN with fewer than two or no spread), for (eta_top_sq_1, lambda_1),
/// (eta_sq, lambda_1) and (eta_sq, train_loss).
extern const std::vector<std::string> kNoiseMetrics;

/// kNoiseMetrics of one noise.csv (an error naming the file when a column is missing).
std::vector<double> noise_metrics(const std::string& noise_csv);

}  // namespace awd::report
