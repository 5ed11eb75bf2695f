// `awd compare`: SSGD against DPSGD at the same n, b, alpha and seeds (paper
// Sec. 2.5, Fig. 5 and Fig. 6).
//
// A compare is a sweep over the categorical parameter `algo` (values ssgd,
// dpsgd; repeat r of both uses the same seeds), so it resumes and runs --jobs
// solutions at once like any sweep. Its report is report/compare_report.h.
#pragma once
#include <string>
#include <vector>

#include "awd/config.h"
#include "awd/experiments/sweep.h"

namespace awd::experiments {

/// The name a compare records in its sweep.json.
inline constexpr const char* kCompareName = "compare";
/// Repeats of a compare unless told otherwise.
inline constexpr int64_t kCompareRepeats = 5;

/// The paper's MNIST case study scaled to a small machine: n = 16 learners with
/// b = 100 each (B = 1600 of the 4000 samples), noise recorded every 10 steps.
/// Other fields are left as they are (alpha 0.1 is the run default).
void apply_compare_defaults(RunConfig& cfg);

/// The sweep behind a compare: parameter algo, values ssgd and dpsgd.
SweepSpec compare_spec(const RunConfig& base, int64_t repeats);

/// Refuses learner settings the training set cannot serve (std::invalid_argument,
/// one line): more learners than training samples, or a total batch n b (B for
/// one learner) larger than the training set. Reads the data folder to count the training samples.
void check_learners_fit(const RunConfig& cfg);
/// The same check given the number of training samples.
void check_learners_fit(const RunConfig& cfg, int64_t train_samples);

}  // namespace awd::experiments
