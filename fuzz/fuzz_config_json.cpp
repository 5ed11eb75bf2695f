// Fuzz target: read_config_file (the config JSON reader) and validate. An
// accepted file must read back as written: every key it names has, in
// to_json of the result, the value it gave (a number stored into a narrower
// type, say, would change it without a word).
#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "awd/config.h"
#include "awd/store/config_json.h"
#include "fuzz_files.h"

namespace {

using nlohmann::json;

/// Model fields to_json leaves out when the arch does not read them (or when empty).
bool may_be_left_out(const std::string& section, const std::string& key) {
  return section == "model" && (key == "hidden" || key == "width" || key == "init_from");
}

/// nlohmann's == finds -1 equal to 2^64 - 1 (it casts the unsigned to
/// signed); an integer read back must keep its sign and magnitude.
bool same_value(const json& a, const json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    const bool a_neg = !a.is_number_unsigned() && a.get<int64_t>() < 0, b_neg = !b.is_number_unsigned() && b.get<int64_t>() < 0;
    if (a_neg != b_neg) return false;
    return a_neg ? a.get<int64_t>() == b.get<int64_t>() : a.get<uint64_t>() == b.get<uint64_t>();
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!same_value(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

void check_reads_back(const json& given, const awd::RunConfig& cfg) {
  const json out = awd::store::to_json(cfg);
  for (const auto& [section, value] : given.items()) {
    // Keys that record a run rather than configure it (awd_version, data_files, ...): not written back.
    if (!out.contains(section)) continue;
    if (section == "threads") {
      if (!same_value(out.at("threads"), value)) awd::fuzz::finding("threads " + value.dump() + " read as " + out.at("threads").dump());
      continue;
    }
    for (const auto& [key, v] : value.items()) {
      const auto& sec = out.at(section);
      if (!sec.contains(key)) {
        if (!may_be_left_out(section, key)) awd::fuzz::finding(section + "." + key + " accepted but not kept");
        continue;
      }
      if (!same_value(sec.at(key), v)) awd::fuzz::finding(section + "." + key + " " + v.dump() + " read as " + sec.at(key).dump());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto path = awd::fuzz::write_scratch("config.json", text);
  awd::RunConfig cfg;
  try {
    cfg = awd::store::read_config_file(path);
  } catch (const std::exception& e) {
    awd::fuzz::require_clean_refusal(e, {path});
    return 0;
  }
  check_reads_back(json::parse(text), cfg);
  try {
    awd::validate(cfg);
  } catch (const std::invalid_argument&) {
    // validate names the option, not the file: the command that read the file adds that.
  }
  return 0;
}
