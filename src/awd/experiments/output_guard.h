// An output folder that a failed command must not leave behind empty.
#pragma once
#include <string>

namespace awd::experiments {

/// Notes which part of `dir` does not exist yet; unless dismissed, the
/// destructor removes that part again when it holds no file (only empty
/// folders), so that a refused or failed analysis leaves no empty OUT behind.
/// A folder that existed before is never touched; an empty `dir` guards nothing.
class OutputGuard {
 public:
  explicit OutputGuard(const std::string& dir);
  ~OutputGuard();
  OutputGuard(const OutputGuard&) = delete;
  OutputGuard& operator=(const OutputGuard&) = delete;
  /// The command succeeded (or wrote results it keeps): leave the folder.
  void dismiss() { created_.clear(); }

 private:
  std::string created_;  ///< the highest folder of `dir` that did not exist, or ""
};

}  // namespace awd::experiments
