#include "awd/io/text_file.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "awd/io/process.h"

namespace awd::io {

namespace {

/// The host name as it goes into a file name (NAME.tmp.HOST.PID).
std::string file_name_host() {
  std::string h = host_name();
  std::replace(h.begin(), h.end(), '.', '_');  // NAME.tmp.HOST.PID splits at dots
  return h;
}

/// `content` in PATH.tmp.HOST.PID, complete: host and pid keep the writers of a
/// shared folder apart, and let remove_stale_temporaries find a dead one's.
std::string write_temporary(const std::string& path, const std::string& content) {
  const std::string tmp = path + temporary_suffix();
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(path + ": cannot write (is the folder writable?)");
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.flush();
  if (!out) {
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": write failed (disk full?)");
  }
  return tmp;
}

}  // namespace

std::string temporary_suffix() { return ".tmp." + file_name_host() + "." + std::to_string(::getpid()); }

void write_atomic(const std::string& path, const std::string& content) {
  const auto tmp = write_temporary(path, content);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": cannot rename the finished file into place");
  }
}

void remove_stale_temporaries(const std::string& dir) {
  const std::string mine = ".tmp." + file_name_host() + ".";
  std::error_code ec;
  std::vector<std::filesystem::path> stale;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const auto name = e.path().filename().string();
    const auto at = name.rfind(mine);
    if (at == std::string::npos) continue;
    const auto digits = name.substr(at + mine.size());
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto pid = static_cast<pid_t>(std::stol(digits));
    if (process_gone(pid)) stale.push_back(e.path());
  }
  for (const auto& p : stale) std::filesystem::remove(p, ec);
}

bool write_exclusive(const std::string& path, const std::string& content) {
  const auto tmp = write_temporary(path, content);
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int err = errno;
  std::remove(tmp.c_str());
  if (linked == 0) return true;
  if (err == EEXIST) return false;
  throw std::runtime_error(path + ": cannot create (" + std::strerror(err) + ")");
}

std::string printable(std::string text) {
  for (auto& c : text)
    if (c < 0x20 || c > 0x7e) c = '?';
  return text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace awd::io
