#include "awd/util/progress.h"

#include <cmath>
#include <cstdio>
#include <utility>

namespace awd::util {

ProgressSink stderr_sink() {
  return [](const std::string& text) {
    std::fputs(text.c_str(), stderr);
    std::fflush(stderr);
  };
}

std::string format_duration(double seconds) {
  char buf[48];
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  if (seconds < 100)
    std::snprintf(buf, sizeof buf, "%.0f s", seconds);
  else if (seconds < 3600)
    std::snprintf(buf, sizeof buf, "%.0f min %02.0f s", std::floor(seconds / 60), std::fmod(std::floor(seconds), 60.0));
  else
    std::snprintf(buf, sizeof buf, "%.0f h %02.0f min", std::floor(seconds / 3600),
                  std::floor(std::fmod(seconds, 3600.0) / 60));
  return buf;
}

StageProgress::StageProgress(ProgressSink sink, std::string stage, double quiet_seconds, double interval)
    : sink_(std::move(sink)), stage_(std::move(stage)), quiet_(quiet_seconds), interval_(interval) {}

StageProgress::~StageProgress() {
  if (!drawn_ || !sink_) return;
  try {
    sink_("\r" + stage_ + ": " + last_work_ + ", done in " + format_duration(elapsed()) + "          \n");
  } catch (...) {  // a destructor must not throw; the line stays unfinished
  }
}

double StageProgress::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void StageProgress::update(double done, double total, const std::string& unit) {
  if (!sink_) return;
  const double t = elapsed();
  if (t < quiet_) return;
  const double left = done > 0 ? t * (total - done) / done : NAN;
  char work[96], buf[200];
  std::snprintf(work, sizeof work, "%.0f/%.0f %s", done, total, unit.c_str());
  last_work_ = work;
  std::snprintf(buf, sizeof buf, "%s: %s, %s, ETA %s ", stage_.c_str(), work, format_duration(t).c_str(),
                format_duration(left).c_str());
  draw(buf, false);
}

void StageProgress::count(double done, const std::string& unit) {
  if (!sink_) return;
  const double t = elapsed();
  if (t < quiet_) return;
  char work[96], buf[200];
  std::snprintf(work, sizeof work, "%.0f %s", done, unit.c_str());
  last_work_ = work;
  std::snprintf(buf, sizeof buf, "%s: %s, %s ", stage_.c_str(), work, format_duration(t).c_str());
  draw(buf, false);
}

void StageProgress::draw(const std::string& text, bool force) {
  const double t = elapsed();
  if (!force && t - last_draw_ < interval_) return;
  last_draw_ = t;
  drawn_ = true;
  sink_("\r" + text);
}

}  // namespace awd::util
