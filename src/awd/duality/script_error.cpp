#include "awd/duality/script_error.h"

#include <regex>
#include <sstream>
#include <vector>

namespace awd::duality {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::string without_builtins(const std::string& line) {
  const std::string prefix = "builtins.";
  return line.rfind(prefix, 0) == 0 ? line.substr(prefix.size()) : line;
}

bool blank(const std::string& line) { return line.find_first_not_of(" \t") == std::string::npos; }

}  // namespace

std::string script_error_cause(const std::string& message) {
  const auto lines = lines_of(message);
  // The tracebacks quote source lines, some unindented (a `def` line), so the
  // cause is the first exception line after the last traceback's header.
  size_t from = 0;
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].rfind("Traceback of TorchScript", 0) == 0) from = i + 1;
  const std::regex exception_line(R"(^[A-Za-z_][A-Za-z0-9_.]*(Error|Exception|Exit|Interrupt): .*)");
  if (from > 0) {
    for (size_t i = from; i < lines.size(); ++i)
      if (std::regex_match(lines[i], exception_line)) return without_builtins(lines[i]);
    for (size_t i = lines.size(); i-- > from;)
      if (!blank(lines[i])) return without_builtins(lines[i]);
  }
  for (const auto& line : lines)
    if (!blank(line) && line.rfind("The following operation failed", 0) != 0) return without_builtins(line);
  return message;
}

}  // namespace awd::duality
