// The configuration as JSON: config files, config.json, a sweep's request.json.
// Spellings are those of the files that exist: every key and every option
// value reads as it always did.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>

#include "awd/config.h"

namespace awd::store {

/// The sections data, model, train, learners, analysis and threads. A model
/// field an arch does not read is not recorded for it: `hidden` only for the
/// MLP, `width` only for ResNet-18 and DenseNet-121; `init_from` only when set.
nlohmann::json to_json(const RunConfig& cfg);
/// Fills `cfg` from `j`, keeping the fields `j` does not name; an unknown key,
/// a value of the wrong type or an unknown option value is an error naming
/// `source` and the key.
void update_from_json(RunConfig& cfg, const nlohmann::json& j, const std::string& source);
/// Reads a JSON config file over `base` (the defaults unless given).
RunConfig read_config_file(const std::string& path, RunConfig base = {});

/// `v` as an integer the way config files take integers: a JSON integer, or a
/// number with an integral value (2.0, 1e1). std::invalid_argument "KEY: must
/// be an integer, not 2.9" otherwise, or beyond the range of int64.
int64_t integer_value(const nlohmann::json& v, const std::string& key);

/// A whole JSON file; std::runtime_error naming it when it is not valid JSON.
nlohmann::json read_json(const std::string& path);

}  // namespace awd::store
