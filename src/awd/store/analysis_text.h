// What an analysis prints on stdout: a short table a person reads at a glance
// (the files of analysis_files.h hold every number).
#pragma once
#include <string>

#include "awd/duality/analysis.h"
#include "awd/train/trainer.h"

namespace awd::store {

/// "training   stop_rule after E epochs (S s), train loss L, train acc A".
std::string training_line(const train::TrainResult& training);
/// The training line, then analysis_table.
std::string summary_table(const train::TrainResult& training, const duality::AnalysisResult& result);
/// The analysis lines of the table (layer, errors, losses, gaps, Eq. 10-11, duality).
std::string analysis_table(const duality::AnalysisResult& result);

}  // namespace awd::store
