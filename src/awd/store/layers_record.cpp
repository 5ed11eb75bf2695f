#include "awd/store/layers_record.h"

#include <filesystem>
#include <stdexcept>

#include "awd/io/text_file.h"
#include "awd/store/config_json.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace awd::store {

void write_layers_record(const std::string& dir, const LayersRecord& record) {
  json analysed = json::array(), skipped = json::array();
  for (const auto& l : record.analysed)
    analysed.push_back({{"layer", l.name}, {"folder", l.folder}, {"seconds", l.seconds}});
  for (const auto& l : record.skipped) skipped.push_back({{"layer", l.name}, {"reason", l.reason}});
  const json j = {{"awd_version", AWD_VERSION}, {"request", record.request},
                  {"layers", analysed},         {"skipped", skipped},        {"config", record.config}};
  io::write_atomic((fs::path(dir) / kLayersRecord).string(), j.dump(2) + "\n");
}

LayersRecord read_layers_record(const std::string& dir) {
  const auto path = (fs::path(dir) / kLayersRecord).string();
  if (!fs::is_regular_file(path)) throw std::runtime_error(path + ": missing (not an analysis of several layers)");
  const auto j = read_json(path);
  LayersRecord r;
  try {
    r.request = j.at("request").get<std::string>();
    for (const auto& l : j.at("layers"))
      r.analysed.push_back({l.at("layer").get<std::string>(), l.at("folder").get<std::string>(),
                            l.at("seconds").get<double>()});
    for (const auto& l : j.at("skipped"))
      r.skipped.push_back({l.at("layer").get<std::string>(), l.at("reason").get<std::string>()});
    r.config = j.at("config");
  } catch (const json::exception& e) {
    throw std::runtime_error(path + ": not a record of analysed layers (" + std::string(e.what()) + ")");
  }
  return r;
}

bool has_layers_record(const std::string& dir) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(dir) / kLayersRecord, ec);
}

}  // namespace awd::store
