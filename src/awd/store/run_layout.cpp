#include "awd/store/run_layout.h"

#include <filesystem>

namespace awd::store {
namespace {

std::string in(const std::string& dir, const std::string& name) { return (std::filesystem::path(dir) / name).string(); }

}  // namespace

std::string config_file(const std::string& run_dir) { return in(run_dir, kConfigFile); }
std::string training_file(const std::string& run_dir) { return in(run_dir, kTrainingFile); }
std::string analysis_dir(const std::string& run_dir, const std::string& name) { return in(run_dir, name); }
std::string summary_file(const std::string& analysis_dir) { return in(analysis_dir, kSummaryFile); }
std::string table_file(const std::string& analysis_dir, const std::string& table) {
  return in(analysis_dir, table + ".csv");
}

}  // namespace awd::store
