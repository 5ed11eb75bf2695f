// Per-value tables of a sweep report drawn from its solutions' own analysis
// files (beyond summary.json and directions.csv, which report.cpp reads).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "awd/experiments/sweep.h"

namespace awd::report {

/// A finished solution of a sweep: swept value (index) and repeat.
struct SolutionRef {
  size_t value;
  int64_t repeat;
};

/// spectra.csv: per value, the spectral density (SLQ, --spectrum) of its first
/// finished repeat that has a readable one; "" when no solution has one.
std::string spectra_csv(const std::string& sweep_dir, const experiments::SweepSpec& spec,
                        const std::vector<SolutionRef>& sols);

/// coverage.csv (paper Fig. S1): per value and fraction f, the means over its
/// repeats of dL_p(f) and dL(f) from each analysis' coverage.csv, and their
/// ratio; "" when no solution wrote one (an awd from before Fig. S1).
std::string coverage_csv(const std::string& sweep_dir, const experiments::SweepSpec& spec,
                         const std::vector<SolutionRef>& sols);

}  // namespace awd::report
