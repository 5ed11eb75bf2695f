#include "awd/io/claim_file.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>

#include "awd/io/process.h"
#include "awd/io/text_file.h"

using nlohmann::json;

namespace awd::io {
namespace {

std::string random_hex() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(gen()));
  return buf;
}

double unix_seconds_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// The whole file, nullopt when it does not exist (or vanished while opening).
std::optional<std::string> read_if_exists(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

ClaimHolder this_process_claimant() {
  return {host_name(), static_cast<int64_t>(::getpid()), random_hex(), unix_seconds_now()};
}

std::string to_text(const ClaimHolder& h) {
  return json{{"host", h.host}, {"pid", h.pid}, {"token", h.token}, {"heartbeat", h.heartbeat}}.dump() + "\n";
}

std::optional<ClaimHolder> parse_claim(const std::string& text) {
  try {
    const auto j = json::parse(text);
    ClaimHolder h;
    h.host = j.at("host").get<std::string>();
    h.pid = j.at("pid").get<int64_t>();
    h.token = j.at("token").get<std::string>();
    h.heartbeat = j.at("heartbeat").get<double>();
    return h;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

std::optional<std::string> read_claim(const std::string& path) { return read_if_exists(path); }

bool try_claim(const std::string& path, const ClaimHolder& holder) { return write_exclusive(path, to_text(holder)); }

bool refresh_claim(const std::string& path, ClaimHolder& holder) {
  const auto text = read_if_exists(path);
  if (!text) return false;
  const auto current = parse_claim(*text);
  if (!current || current->token != holder.token) return false;
  holder.heartbeat = unix_seconds_now();
  // A private temporary name (the token is this claim's), renamed over the claim.
  const std::string tmp = path + ".beat." + holder.token;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << to_text(holder);
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw std::runtime_error(path + ": cannot refresh the claim (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": cannot refresh the claim");
  }
  return true;
}

bool remove_claim_if(const std::string& path, const std::string& expected) {
  const std::string aside = path + ".gone." + random_hex();
  if (std::rename(path.c_str(), aside.c_str()) != 0) return false;  // gone already: someone else removed it
  const auto moved = read_if_exists(aside);
  if (moved && *moved == expected) {
    std::remove(aside.c_str());
    return true;
  }
  // It changed between our look and the rename: a live holder's, put it back
  // (link, so that a claim created meanwhile by a third process is kept).
  [[maybe_unused]] const int restored = ::link(aside.c_str(), path.c_str());
  std::remove(aside.c_str());
  return false;
}

bool holder_gone_here(const ClaimHolder& holder, const std::string& this_host, pid_t this_pid, bool own_token) {
  if (holder.host != this_host) return false;  // another machine's processes cannot be asked
  if (holder.pid == static_cast<int64_t>(this_pid)) return !own_token;
  if (holder.pid <= 0) return true;
  return process_gone(static_cast<pid_t>(holder.pid));
}

bool ClaimWatch::stale(const std::string& path, const std::string& text, Clock::time_point now) {
  auto it = seen_.find(path);
  if (it == seen_.end() || it->second.text != text) {
    seen_[path] = {text, now};
    return timeout_ <= Clock::duration::zero();
  }
  return now - it->second.since >= timeout_;
}

double ClaimWatch::unchanged_seconds(const std::string& path, Clock::time_point now) const {
  const auto it = seen_.find(path);
  return it == seen_.end() ? 0.0 : std::chrono::duration<double>(now - it->second.since).count();
}

}  // namespace awd::io
