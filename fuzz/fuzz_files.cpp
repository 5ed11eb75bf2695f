#include "fuzz_files.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace awd::fuzz {

std::vector<std::string> split_input(const uint8_t* data, size_t size, size_t max_parts) {
  const std::string all(reinterpret_cast<const char*>(data), size);
  const size_t sep_len = std::strlen(kSeparator);
  std::vector<std::string> parts;
  size_t from = 0;
  while (parts.size() + 1 < max_parts) {
    const size_t at = all.find(kSeparator, from);
    if (at == std::string::npos) break;
    parts.push_back(all.substr(from, at - from));
    from = at + sep_len;
  }
  parts.push_back(all.substr(from));
  return parts;
}

namespace {

std::string make_scratch_dir() {
  const char* env = std::getenv("AWD_FUZZ_TMP");
  const fs::path base = env && *env ? fs::path(env) : fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::path("/tmp");
  const fs::path dir = base / ("awd-fuzz-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir.string();
}

/// Removes the scratch folder when the process ends normally (a crashing
/// input leaves it behind, with the input in it, which does no harm).
void remove_scratch_dir() {
  std::error_code ec;
  fs::remove_all(scratch_dir(), ec);
}

}  // namespace

const std::string& scratch_dir() {
  // Never destroyed: remove_scratch_dir runs at exit, after static destructors
  // registered later than it would have run.
  static const std::string* dir = [] {
    auto* d = new std::string(make_scratch_dir());
    std::atexit(remove_scratch_dir);
    return d;
  }();
  return *dir;
}

std::string write_scratch(const std::string& name, const std::string& content) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) finding("cannot write the scratch file " + path + " (not the reader's fault)");
  return path;
}

void finding(const std::string& what) {
  std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

void require_clean_refusal(const std::exception& e, const std::vector<std::string>& paths) {
  const std::string msg = e.what();
  if (msg.find_first_of("\n\r") != std::string::npos) finding("a refusal of more than one line: " + msg);
  for (const auto& p : paths)
    if (msg.compare(0, p.size() + 2, p + ": ") == 0) return;
  finding("a refusal that does not start with the file's path: " + msg);
}

}  // namespace awd::fuzz
