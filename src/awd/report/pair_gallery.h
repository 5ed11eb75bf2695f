// The pairs that weigh most in an analysis, as pictures: per pair a PNG of
// the test image beside its partner (SPEC §2) with their labels, ||dx||, l_k
// (Eq. 7) and its sharp and flat parts, for report.html. Torch-free header.
//
//   REPORT_DIR/figures/STEM.gp         one gnuplot script drawing every pair (cd figures && gnuplot STEM.gp)
//   REPORT_DIR/figures/STEM_rNN.png    the pair of rank NN by |l_k|
//
// Data that are not images (features, .npy vectors) get a one-line note instead.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace awd::report {

/// How many pairs a gallery shows.
constexpr int kGalleryPairs = 12;
/// The size of every gallery PNG, in pixels.
constexpr int kGalleryWidth = 640, kGalleryHeight = 360;

/// One row of pairs.csv as the gallery shows it: test_sample and
/// partner_sample index the data files (the partner in the training split,
/// or in the one split both sets were drawn from).
struct GalleryPair {
  int64_t k = 0, test_sample = 0, partner_sample = 0;
  double l_k = 0, norm_dx = 0, sharp = 0, flat = 0;
};

/// The `n` kept pairs of `pairs_csv` with the largest |l_k|, largest first
/// (ties: lower k first). |l_k| because a pair moves dL_p = mean_k l_k (Eq. 7)
/// by its size, whichever its sign. An error naming the file for a missing
/// column (pairs.csv of an awd before the sharp/flat split).
std::vector<GalleryPair> top_pairs(const std::string& pairs_csv, int n = kGalleryPairs);

/// An analysis folder whose top pairs a report shows.
struct GalleryRequest {
  std::string analysis_dir;
  std::string stem;     ///< the files are figures/STEM.gp and figures/STEM_rNN.png
  std::string heading;  ///< what the section is of (a folder's label, a swept value)
};

/// What write_galleries produced.
struct Galleries {
  std::vector<std::string> files;     ///< the PNGs, relative to the report dir
  std::string html;                   ///< one section per request: its pairs, or one line saying why none
  std::vector<std::string> warnings;  ///< one line per request that has no gallery for a reason other than its data
};

/// Draws the top pairs (top_pairs) of each request with `gnuplot` into
/// report_dir/figures/, each PNG written under a temporary name and renamed
/// once gnuplot succeeded. The images are those of the data folder that the
/// analysis' summary.json records (config.data.path), read once however many
/// requests name it; data that are not images ([N, C, H, W] with C 1 or 3),
/// or an analysis that records no data folder, get a one-line note; so does
/// a missing gnuplot, or a request that fails (a warning too): a report is
/// never given up for its gallery.
Galleries write_galleries(const std::vector<GalleryRequest>& requests, const std::string& report_dir,
                          const std::string& gnuplot = "gnuplot");

}  // namespace awd::report
