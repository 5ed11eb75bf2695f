#include "awd/experiments/output_guard.h"

#include <filesystem>
#include <system_error>

namespace fs = std::filesystem;

namespace awd::experiments {
namespace {

/// Whether `dir` holds folders only, however deep (no file of anyone's).
bool only_empty_folders(const fs::path& dir) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (!it->is_directory(ec)) return false;
  return !ec;
}

}  // namespace

OutputGuard::OutputGuard(const std::string& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  fs::path p = fs::absolute(dir, ec).lexically_normal();
  if (ec || p.empty()) return;
  if (!p.has_filename()) p = p.parent_path();  // "out/" names "out"
  for (fs::path at = p; !at.empty() && !fs::exists(at, ec) && !ec; at = at.parent_path()) {
    created_ = at.string();
    if (at == at.parent_path()) break;
  }
}

OutputGuard::~OutputGuard() {
  if (created_.empty()) return;
  std::error_code ec;
  if (fs::is_directory(created_, ec) && only_empty_folders(created_)) fs::remove_all(created_, ec);
}

}  // namespace awd::experiments
