// Progress of long stages: one updating line per stage, written to a sink.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace awd::util {

/// Where progress text goes, verbatim: a line is redrawn with a leading '\r'
/// and ended with '\n'. The default writes stderr; an empty sink is silence
/// (-q); a Python binding passes one that writes sys.stderr.
using ProgressSink = std::function<void(const std::string& text)>;

/// What a long computation reports after each block of its work.
using BlockProgress = std::function<void(int64_t done, int64_t total)>;

/// Writes the text to stderr and flushes.
ProgressSink stderr_sink();

/// The progress line of one stage: nothing for a stage that ends within
/// `quiet_seconds` (most stages of most layers), then at most one redraw per
/// `interval` seconds with the work done, the elapsed time and the time left
/// (extrapolated from the fraction done), and a final line when it ends.
class StageProgress {
 public:
  StageProgress(ProgressSink sink, std::string stage, double quiet_seconds = 5.0, double interval = 1.0);
  ~StageProgress();  ///< ends the line if one was drawn
  StageProgress(const StageProgress&) = delete;
  StageProgress& operator=(const StageProgress&) = delete;

  /// `done` of `total` units of work (blocks, products); `unit` names them.
  void update(double done, double total, const std::string& unit);
  /// Work whose total is unknown (Lanczos products): the count and the elapsed time.
  void count(double done, const std::string& unit);
  double elapsed() const;

 private:
  void draw(const std::string& text, bool force);
  ProgressSink sink_;
  std::string stage_;
  double quiet_, interval_, last_draw_ = -1e300;
  bool drawn_ = false;
  std::string last_work_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

/// "12 s", "3 min 20 s", "1 h 05 min".
std::string format_duration(double seconds);

}  // namespace awd::util
