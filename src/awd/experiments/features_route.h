// The features route (SPEC §11): the last dense layer of a network from any
// framework, analysed from arrays alone (awd analyze --features DIR).
//
//   DIR/a_train.npy   [S, n] activities entering the layer, training samples (float32/float64)
//   DIR/a_test.npy    [T, n] the same for the test samples
//   DIR/y_train.npy   [S] labels, DIR/y_test.npy [T] (integers, 0..m-1)
//   DIR/W.npy         [m, n] the layer's weights; DIR/b.npy [m] its bias (optional)
//   and for the partners (SPEC §2) either
//   DIR/x_train.npy, DIR/x_test.npy   the inputs as fed to the network (uint8 or float32, any shape)
//   or DIR/partners.npy               [T] the partner's row in a_train for each test sample
//
// The layer's output is taken as the logits (head = identity).
#pragma once
#include <string>

#include "awd/config.h"
#include "awd/experiments/single_run.h"

namespace awd::experiments {

/// Analyses the layer given in `dir` (above) into `out_dir` (the files of a
/// run's analysis; the summary's config records every file read). Throws
/// std::runtime_error or std::invalid_argument (given_layer.h's checks), one
/// line naming the file, for a missing file (neither
/// x files nor partners.npy: both alternatives named), a wrong dtype or shape
/// (a transposed W said so), an empty array, a NaN or infinite value (its first
/// index), a W of fewer than 2 outputs, a label outside 0..m-1, or a partner
/// that is out of range or of another class; nothing is written then.
AnalysisOutput analyze_features(const std::string& dir, const std::string& out_dir, const AnalysisConfig& analysis,
                                int threads, bool force);

}  // namespace awd::experiments
