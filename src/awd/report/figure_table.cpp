#include "awd/report/figure_table.h"

#include <vector>

namespace awd::report {

// Losses are in nats (natural-log cross-entropy). A weight is a plain number,
// so a gradient component is in nats per unit weight.
const std::vector<Figure>& sweep_figures() {
  static const std::vector<Figure> kFigures = {
      {"sharpness_spectrum", "Fig. 3A, 3D, 4A, 4D",
       "Sharpness spectrum: the spread of the loss gradient over the sample pairs, sigma_g,i, "
       "along each direction i, sharpest first, one curve per swept value (means over repeats).",
       "ranks.csv", "rank", nullptr, true, {{"sigma_g"}},
       "rank i (1 = sharpest)", "σ_{g,i} (nats per unit weight)", Scale::kLog, Scale::kLog, "lines lw 2"},
      {"size_spectrum", "Fig. 3B, 4B",
       "Size of the solution: the accumulated spread of the dual weights, S_w(i) = sum_{j<=i} sigma_w,j, "
       "against rank (means over repeats).",
       "ranks.csv", "rank", nullptr, true, {{"S_w"}},
       "rank i (1 = sharpest)", "S_w(i) = Σ_{j≤i} σ_{w,j}", Scale::kLog, Scale::kLinear, "lines lw 2"},
      {"gap_split", "Fig. 3C, 3F, 4C, 4F",
       "Generalization gap dL = L(S_test) - L(S_train) and its parts from the sharp (dL_s) and flat (dL_f) "
       "directions against the swept value; error bars are the standard deviation over repeats.",
       "summary.csv", "value", nullptr, false,
       {{"gap_mean", "ΔL (measured gap)", "gap_std"},
        {"dL_sharp_mean", "ΔL_s (sharp directions)", "dL_sharp_std"},
        {"dL_flat_mean", "ΔL_f (flat directions)", "dL_flat_std"}},
       "{P}", "generalization gap (nats)", Scale::kAuto, Scale::kLinear, "yerrorlines lw 2 pt 7"},
      {"sharpness_vs_hessian", "Fig. 2A",
       "Gradient spread sigma_g,i against the Hessian eigenvalue lambda_i of the same direction, "
       "log-log; directions with lambda_i <= 0 are left out.",
       "ranks.csv", "lambda", nullptr, true, {{"sigma_g"}},
       "Hessian eigenvalue λ_i (nats per unit weight^2)", "σ_{g,i} (nats per unit weight)", Scale::kLog,
       Scale::kLog, "points pt 7 ps 0.8"},
      {"size_vs_norm", "Fig. 2B",
       "Dual-weight spread sigma_w,i at ranks 1, 10 and 100 against the norm ||W|| of the analysed layer, "
       "one point per solution.",
       "solutions.csv", "weight_norm", nullptr, false,
       {{"sigma_w_r1", "rank 1"}, {"sigma_w_r10", "rank 10"}, {"sigma_w_r100", "rank 100"}},
       "layer norm ||W||_F", "σ_{w,i}", Scale::kAuto, Scale::kLog, "points pt 7 ps 1.2"},
      {"correlation_spectrum", "Fig. S3",
       "Correlation c_i between gradient and dual-weight components along each direction, against rank "
       "(means over repeats).",
       "ranks.csv", "rank", nullptr, true, {{"c"}},
       "rank i (1 = sharpest)", "correlation c_i", Scale::kLog, Scale::kLinear, "lines lw 2"},
      {"estimated_gap_vs_test_error", "Fig. S4",
       "Estimated gap sum_i dL_i (Eq. 11) against the test error, one point per solution.",
       "solutions.csv", "test_error", nullptr, true, {{"sum_dL"}},
       "test error", "estimated gap Σ_i ΔL_i (nats)", Scale::kLinear, Scale::kLinear, "points pt 7 ps 1.2"},
      {"gap_vs_lr_over_batch", "Fig. S10",
       "Generalization gap dL against the ratio of learning rate to batch size, alpha/B, one point per solution.",
       "solutions.csv", "lr", "batch_size", true, {{"gap"}},
       "α / B", "generalization gap ΔL (nats)", Scale::kLog, Scale::kLinear, "points pt 7 ps 1.2"},
  };
  return kFigures;
}


// Fig. 5 and Fig. 6, drawn from the files write_compare_report (compare_report.cpp) writes. The
// algorithm is the "value" column of every file, so each figure has one curve per algorithm.
const std::vector<Figure>& compare_figures() {
  static const std::vector<Figure> kFigures = {
      {"compare_sharpness", "Fig. 5A",
       "Sharpness spectrum of SSGD and DPSGD solutions: sigma_g,i against rank i, sharpest first "
       "(means over repeats, same seeds).",
       "ranks.csv", "rank", nullptr, true, {{"sigma_g"}},
       "rank i (1 = sharpest)", "σ_{g,i} (nats per unit weight)", Scale::kLinear, Scale::kLog, "lines lw 2"},
      {"compare_size", "Fig. 5B",
       "Size spectrum of SSGD and DPSGD solutions: sigma_w,i against rank i (means over repeats).",
       "ranks.csv", "rank", nullptr, true, {{"sigma_w"}},
       "rank i (1 = sharpest)", "σ_{w,i}", Scale::kLinear, Scale::kLog, "lines lw 2"},
      {"noise_vs_sharpness", "Fig. 6",
       "Noise along the sharpest Hessian direction, (v_1 . eta)^2, against its eigenvalue lambda_1, one point "
       "per noise record of every solution; the noise grows with the sharpness, and more so for DPSGD.",
       "noise_points.csv", "lambda_1", nullptr, true, {{"eta_top_sq_1"}},
       "top Hessian eigenvalue λ_1 of the layer", "(v_1 · η)^2", Scale::kLog, Scale::kLog, "points pt 7 ps 0.6"},
      {"noise_total_vs_sharpness", "Fig. 6",
       "Total noise strength |eta|^2 (all parameters) against the top eigenvalue lambda_1, one point per record.",
       "noise_points.csv", "lambda_1", nullptr, true, {{"eta_sq"}},
       "top Hessian eigenvalue λ_1 of the layer", "|η|^2", Scale::kLog, Scale::kLog, "points pt 7 ps 0.6"},
      {"noise_vs_loss", "Fig. 6",
       "Total noise strength |eta|^2 against the training loss, one point per record.",
       "noise_points.csv", "train_loss", nullptr, true, {{"eta_sq"}},
       "training loss (nats)", "|η|^2", Scale::kLog, Scale::kLog, "points pt 7 ps 0.6"},
      {"noise_over_time", "Fig. 6",
       "Total noise strength |eta|^2 during training (mean over repeats at each step).",
       "noise_series.csv", "step", nullptr, true, {{"eta_sq"}},
       "step t", "|η(t)|^2", Scale::kLinear, Scale::kLog, "lines lw 2"},
      {"sharpness_over_time", "Fig. 6",
       "Top Hessian eigenvalue lambda_1 of the analysed layer during training (mean over repeats at each step).",
       "noise_series.csv", "step", nullptr, true, {{"lambda_1"}},
       "step t", "λ_1(t)", Scale::kLinear, Scale::kLog, "lines lw 2"},
  };
  return kFigures;
}

Figure spectrum_figure() {
  return {"spectral_density", "PyHessian-style density",
          "Spectral density of the analysed layer's basis matrix (stochastic Lanczos quadrature, Gaussian "
          "broadening), of the first repeat of each value analysed with --spectrum.",
          "spectra.csv", "t", nullptr, true, {{"density"}},
          "eigenvalue λ (nats per unit weight^2)", "density", Scale::kLinear, Scale::kLog, "lines lw 2"};
}

Figure coverage_figure() {
  return {"coverage", "Fig. S1",
          "Pair-gap coverage: the pair gap dL_p over the first fraction f of the test samples, divided by the "
          "true gap dL over the same samples, per swept value (each the mean over its repeats, then their "
          "ratio); near 1 once the pairs are enough.",
          "coverage.csv", "fraction", nullptr, true, {{"pair_gap_over_gap"}},
          "fraction f of the test samples", "ΔL_p(f) / ΔL(f)", Scale::kLinear, Scale::kLinear,
          "linespoints lw 2 pt 7 ps 0.6"};
}

// Fig. 5 and 7 for analysis folders, drawn from the ranks.csv write_folder_comparison
// (folder_compare.cpp) writes; the folder's label is its "value" column.
const std::vector<Figure>& folder_figures() {
  static const std::vector<Figure> kFigures = {
      {"folders_sharpness", "Fig. 5A, 7",
       "Sharpness spectrum of each analysed model: sigma_g,i against rank i, sharpest first.",
       "ranks.csv", "rank", nullptr, true, {{"sigma_g"}},
       "rank i (1 = sharpest)", "σ_{g,i} (nats per unit weight)", Scale::kLog, Scale::kLog, "lines lw 2"},
      {"folders_size", "Fig. 5B, 7",
       "Size spectrum of each analysed model: the spread of the dual weights sigma_w,i against rank i.",
       "ranks.csv", "rank", nullptr, true, {{"sigma_w"}},
       "rank i (1 = sharpest)", "σ_{w,i}", Scale::kLog, Scale::kLog, "lines lw 2"},
      {"folders_accumulated_size", "Fig. 3B, 7",
       "Accumulated size S_w(i) = sum_{j<=i} sigma_w,j of each analysed model against rank i.",
       "ranks.csv", "rank", nullptr, true, {{"S_w"}},
       "rank i (1 = sharpest)", "S_w(i) = Σ_{j≤i} σ_{w,j}", Scale::kLog, Scale::kAuto, "lines lw 2"},
      {"folders_gap_per_direction", "Eq. 11",
       "Contribution dL_i of each direction to the generalization gap (Eq. 11) against rank i, per model; "
       "log y when every dL_i is positive.",
       "ranks.csv", "rank", nullptr, true, {{"dL_i"}},
       "rank i (1 = sharpest)", "ΔL_i (nats)", Scale::kLog, Scale::kAuto, "lines lw 2"},
      {"folders_coverage", "Fig. S1",
       "Pair-gap coverage: the pair gap dL_p over the first fraction f of the test samples, divided by the true "
       "gap dL over the same samples, per model (coverage.csv); near 1 once the pairs are enough.",
       "coverage.csv", "fraction", nullptr, true, {{"pair_gap_over_gap"}},
       "fraction f of the test samples", "ΔL_p(f) / ΔL(f)", Scale::kLinear, Scale::kLinear,
       "linespoints lw 2 pt 7 ps 0.6"},
  };
  return kFigures;
}

const std::vector<Figure>& trajectory_figures() {
  static const std::vector<Figure> kFigures = {
      {"trajectory_losses", "",
       "Training loss (correctly labelled samples) and test loss of the snapshots against epoch.",
       "trajectory.csv", "epoch", nullptr, false,
       {{"train_loss", "L(S_train)"}, {"test_loss", "L(S_test)"}},
       "epoch", "loss (nats)", Scale::kLinear, Scale::kAuto, "linespoints lw 2 pt 7"},
      {"trajectory_errors", "",
       "Training and test error of the snapshots against epoch.",
       "trajectory.csv", "epoch", nullptr, false,
       {{"train_error", "training error"}, {"test_error", "test error"}},
       "epoch", "error", Scale::kLinear, Scale::kLinear, "linespoints lw 2 pt 7"},
      {"trajectory_gap", "",
       "Generalization gap dL, its pair estimate dL_p (Eq. 7) and dL_p's parts from the sharp (dL_s) and flat "
       "(dL_f) directions (Eq. 10-11) against epoch: when each part forms.",
       "trajectory.csv", "epoch", nullptr, false,
       {{"dL", "ΔL (measured gap)"}, {"dL_p", "ΔL_p (pairs)"}, {"dL_s", "ΔL_s (sharp)"}, {"dL_f", "ΔL_f (flat)"}},
       "epoch", "generalization gap (nats)", Scale::kLinear, Scale::kLinear, "linespoints lw 2 pt 7"},
      {"trajectory_sharpness", "",
       "Sharpness against epoch: the largest eigenvalue lambda_max of the basis matrix and the spread sigma_g "
       "along the sharpest direction (rank 1).",
       "trajectory.csv", "epoch", nullptr, false,
       {{"lambda_max", "λ_max"}, {"sigma_g_1", "σ_{g,1}"}},
       "epoch", "sharpness", Scale::kLinear, Scale::kAuto, "linespoints lw 2 pt 7"},
      {"trajectory_size", "",
       "Size of the solution against epoch: sigma_w at rank 1, the norm ||W|| of the analysed layer and "
       "S_w(N), the spread of the dual weights summed over every direction computed.",
       "trajectory.csv", "epoch", nullptr, false,
       {{"sigma_w_1", "σ_{w,1}"}, {"weight_norm", "||W||"}, {"S_w_N", "S_w(N)"}},
       "epoch", "size (weight units)", Scale::kLinear, Scale::kAuto, "linespoints lw 2 pt 7"},
      {"trajectory_sharpness_spectrum", "",
       "Sharpness spectrum sigma_g,i against rank i, one curve per snapshot, coloured from the first epoch "
       "(dark blue) to the last (orange).",
       "trajectory_ranks.csv", "rank", nullptr, true, {{"sigma_g"}},
       "rank i (1 = sharpest)", "σ_{g,i} (nats per unit weight)", Scale::kLog, Scale::kLog, "lines lw 2"},
  };
  return kFigures;
}

// The trajectories of a sweep's solutions side by side (trajectory_overlay.cpp), one curve per
// swept value: the mean over its repeats at each snapshot epoch.
const std::vector<Figure>& overlay_figures() {
  static const std::vector<Figure> kFigures = {
      {"overlay_dL_sharp", "",
       "Part of the generalization gap from the sharp directions, dL_s (Eq. 11), against epoch "
       "(means over repeats).",
       "trajectories_mean.csv", "epoch", nullptr, true, {{"dL_s"}},
       "epoch", "ΔL_s (nats)", Scale::kLinear, Scale::kLinear, "linespoints lw 2 pt 7"},
      {"overlay_dL_flat", "",
       "Part of the generalization gap from the flat directions, dL_f (Eq. 11), against epoch "
       "(means over repeats).",
       "trajectories_mean.csv", "epoch", nullptr, true, {{"dL_f"}},
       "epoch", "ΔL_f (nats)", Scale::kLinear, Scale::kLinear, "linespoints lw 2 pt 7"},
      {"overlay_lambda_max", "",
       "Largest eigenvalue lambda_max of the analysed layer's basis matrix against epoch (means over repeats).",
       "trajectories_mean.csv", "epoch", nullptr, true, {{"lambda_max"}},
       "epoch", "λ_{max}", Scale::kLinear, Scale::kAuto, "linespoints lw 2 pt 7"},
      {"overlay_test_error", "",
       "Test error of the snapshots against epoch (means over repeats).",
       "trajectories_mean.csv", "epoch", nullptr, true, {{"test_error"}},
       "epoch", "test error", Scale::kLinear, Scale::kLinear, "linespoints lw 2 pt 7"},
  };
  return kFigures;
}

}  // namespace awd::report
