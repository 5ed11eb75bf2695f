#include "awd/io/csv.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "awd/io/text_file.h"

namespace awd::io {

size_t CsvTable::column(const std::string& name) const {
  const auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) throw std::runtime_error(path + ": no column '" + name + "'");
  return static_cast<size_t>(it - header.begin());
}

std::vector<std::vector<double>> CsvTable::numbers(const std::vector<std::string>& wanted) const {
  std::vector<size_t> idx;
  for (const auto& w : wanted) idx.push_back(column(w));
  std::vector<std::vector<double>> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    std::vector<double> values;
    for (size_t i : idx) values.push_back(csv_field_number(row[i]));
    out.push_back(std::move(values));
  }
  return out;
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

CsvTable parse_csv(const std::string& text, const std::string& path) {
  CsvTable t{path, {}, {}};
  std::istringstream in(text);
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto fields = split_csv_line(line);
    if (t.header.empty()) {
      t.header = std::move(fields);
    } else if (fields.size() != t.header.size()) {
      throw std::runtime_error(path + ":" + std::to_string(line_no) + ": " + std::to_string(fields.size()) +
                               " fields, the header has " + std::to_string(t.header.size()));
    } else {
      t.rows.push_back(std::move(fields));
    }
  }
  if (t.header.empty()) throw std::runtime_error(path + ": empty file (no header line)");
  return t;
}

CsvTable read_csv(const std::string& path) { return parse_csv(read_text(path), path); }

std::vector<std::vector<double>> read_csv_columns(const std::string& path, const std::vector<std::string>& wanted) {
  return read_csv(path).numbers(wanted);
}

double csv_field_number(const std::string& field) {
  const char* begin = field.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  return (end != begin && *end == '\0') ? v : std::nan("");
}

bool is_finite_number(const std::string& field) { return std::isfinite(csv_field_number(field)); }

std::string format_number(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

// nlohmann's dump prints the shortest form that reads back exactly.
std::string csv_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return nlohmann::json(v).dump();
}

}  // namespace awd::io
