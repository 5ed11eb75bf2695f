#include "awd/distributed/gloo_exchange.h"

#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#undef USE_C10D_GLOO

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "awd/io/process.h"

namespace awd::distributed {
namespace {

using Clock = std::chrono::steady_clock;

std::string first_line(std::string s) {
  if (const auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  return s;
}

/// The message of any exception LibTorch or Gloo throws, without c10's backtrace.
std::string message_of(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return first_line(c->what_without_backtrace());
  return first_line(e.what());
}

std::string seconds_text(double s) {
  std::ostringstream o;
  o << s;
  return o.str();
}

std::string env_value(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v)
    throw std::invalid_argument(std::string(name) +
                                " is not set (--backend gloo needs MASTER_ADDR, MASTER_PORT, RANK and "
                                "WORLD_SIZE; awd launch sets them)");
  return v;
}

/// An integer in [lo, hi] or std::invalid_argument naming the variable.
int env_int(const char* name, long lo, long hi) {
  const auto v = env_value(name);
  char* end = nullptr;
  errno = 0;
  const long x = std::strtol(v.c_str(), &end, 10);
  if (errno || *end || x < lo || x > hi)
    throw std::invalid_argument(std::string(name) + "='" + v + "' is not an integer in " + std::to_string(lo) +
                                ".." + std::to_string(hi));
  return static_cast<int>(x);
}

struct Peer {
  std::string host;
  long pid = 0;
};

class GlooExchange final : public Exchange {
 public:
  GlooExchange(int64_t n, const GlooOptions& o) : o_(o), n_(n) {
    // A write to a peer that died must fail with EPIPE, not kill this process.
    std::signal(SIGPIPE, SIG_IGN);
    // c10d logs every socket failure on stderr (through glog) before it
    // throws; the exception becomes our one line, so only fatal logs remain.
    FLAGS_minloglevel = std::max(FLAGS_minloglevel, 3);
    connect_store();
    join();
    create_group();
  }

  ~GlooExchange() override {
    pg_.reset();  // before the works abandoned by a failure, which its pairs may still point at
    abandoned_.clear();
  }

  int64_t learners() const override { return n_; }
  int64_t first() const override { return o_.rank; }
  int64_t local() const override { return 1; }

  std::vector<torch::Tensor> mean(const LearnerTensors& t) override {
    torch::NoGradGuard no_grad;
    check(t);
    std::vector<torch::Tensor> buf{flatten(t.front())};
    auto work = pg_->allreduce(buf);
    wait(work, "allreduce", -1);
    buf.front().div_(static_cast<double>(n_));
    return unflatten(buf.front(), t.front());
  }

  LearnerTensors mix(const LearnerTensors& t, Mixing mixing) override {
    if (mixing == Mixing::kAll) return LearnerTensors(1, mean(t));
    torch::NoGradGuard no_grad;
    check(t);
    const int64_t a = o_.rank;
    const auto members = ring_neighbourhood(a, n_);
    std::vector<torch::Tensor> own{flatten(t.front())};
    // One buffer per member; this learner's own is `own`, the others arrive.
    std::vector<std::vector<torch::Tensor>> in(members.size());
    std::vector<std::pair<c10::intrusive_ptr<c10d::Work>, int>> works;
    for (size_t i = 0; i < members.size(); ++i) {
      const int m = static_cast<int>(members[i]);
      if (m == a) {
        in[i] = own;
        continue;
      }
      in[i] = {torch::empty_like(own.front())};
      works.emplace_back(pg_->send(own, m, 0), m);
      works.emplace_back(pg_->recv(in[i], m, 0), m);
    }
    for (size_t w = 0; w < works.size(); ++w) {
      try {
        wait(works[w].first, "the ring exchange", works[w].second);
      } catch (...) {
        abandoned_.insert(abandoned_.end(), works.begin() + w + 1, works.end());
        throw;
      }
    }
    // Summed in the order of ring_neighbourhood, as local_exchange does: bitwise the same.
    auto sum = in.front().front().clone();
    for (size_t i = 1; i < in.size(); ++i) sum.add_(in[i].front());
    sum.div_(static_cast<double>(members.size()));
    return LearnerTensors(1, unflatten(sum, t.front()));
  }

  void wait_for_writer(const std::string& key) override {
    const std::string done = "awd/writer/" + key;
    try {
      if (o_.rank == 0) {
        store_->set(done, bytes("done"));
        return;
      }
      // Polled rather than store_->wait(), which gives up after the Gloo timeout.
      // A rank 0 that dies takes its store with it, and check() then throws.
      while (!store_->check({done})) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } catch (const std::exception& e) {
      fail(lost_message("waiting for rank 0 (" + key + ")", 0, e));
    }
  }

 private:
  std::chrono::milliseconds timeout() const {
    return std::chrono::milliseconds(static_cast<int64_t>(o_.timeout_seconds * 1000));
  }
  std::string where() const { return o_.master_addr + ":" + std::to_string(o_.port); }

  /// Rank 0 hosts the TCPStore, the others reach it.
  void connect_store() {
    const auto& o = o_;
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(o.port);
    so.isServer = o.rank == 0;
    so.waitWorkers = false;
    so.timeout = timeout();
    try {
      store_ = c10::make_intrusive<c10d::TCPStore>(o.master_addr, so);
    } catch (const std::exception& e) {
      if (o.rank == 0)
        fail("cannot host the rendezvous store on MASTER_PORT=" + std::to_string(o.port) +
             " (is the port in use? awd launch picks a free one): " + message_of(e));
      fail("cannot reach the rendezvous store of rank 0 at " + where() + " within " +
           seconds_text(o.timeout_seconds) + " s (is rank 0 running?): " + message_of(e));
    }

  }

  /// Publishes this rank's host and pid, waits for every rank, reads theirs.
  void join() {
    const auto& o = o_;
    // Join: publish who we are, then wait for everyone.
    const auto deadline = Clock::now() + timeout();
    int64_t joined = 0;
    auto store_op = [&](auto op) {
      try {
        return op();
      } catch (const std::exception& e) {
        fail("lost the rendezvous store at " + where() + " (rank 0) after " + std::to_string(joined) + " of " +
             std::to_string(o.world_size) + " ranks joined: " + message_of(e));
      }
    };
    store_op([&] {
      store_->set("awd/proc/" + std::to_string(o.rank), bytes(io::host_name() + " " + std::to_string(getpid())));
      return 0;
    });
    joined = store_op([&] { return store_->add("awd/joined", 1); });
    while (joined < o.world_size) {
      if (Clock::now() > deadline)
        fail("only " + std::to_string(joined) + " of " + std::to_string(o.world_size) + " ranks joined within " +
             seconds_text(o.timeout_seconds) + " s (does WORLD_SIZE match the processes launched?)");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      joined = store_op([&] { return store_->add("awd/joined", 0); });
    }
    for (int r = 0; r < o.world_size; ++r) {
      const auto v = store_op([&] { return store_->get("awd/proc/" + std::to_string(r)); });
      std::istringstream in(std::string(v.begin(), v.end()));
      Peer p;
      in >> p.host >> p.pid;
      peers_.push_back(p);
    }
    if (joined > o.world_size)
      fail(std::to_string(joined) + " ranks joined a group of WORLD_SIZE=" + std::to_string(o.world_size) +
           " (two launches on MASTER_PORT=" + std::to_string(o.port) + "?)");

  }

  void create_group() {
    const auto& o = o_;
    try {
      auto opts = c10d::ProcessGroupGloo::Options::create(timeout());
      if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
      else if (o.master_addr == "localhost" || o.master_addr.rfind("127.", 0) == 0)
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      else
        opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      opts->threads = 2;
      auto prefixed = c10::make_intrusive<c10d::PrefixStore>("awd-gloo", store_);
      pg_ = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, o.rank, o.world_size, opts);
    } catch (const std::exception& e) {
      fail(lost_message("connecting to the other ranks", -1, e));
    }
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("rank " + std::to_string(o_.rank) + ": " + what);
  }

  static std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

  void check(const LearnerTensors& t) const {
    if (t.size() != 1) throw std::logic_error("gloo exchange: expected the tensors of this process's one learner");
    if (t.front().empty()) throw std::logic_error("gloo exchange: no tensors");
    for (const auto& x : t.front())
      if (x.scalar_type() != t.front().front().scalar_type() || !x.device().is_cpu())
        throw std::logic_error("gloo exchange: tensors must share one dtype and live on the CPU");
  }

  static torch::Tensor flatten(const std::vector<torch::Tensor>& ts) {
    std::vector<torch::Tensor> flat;
    for (const auto& x : ts) flat.push_back(x.detach().reshape(-1));
    return torch::cat(flat).contiguous();
  }

  static std::vector<torch::Tensor> unflatten(const torch::Tensor& flat, const std::vector<torch::Tensor>& like) {
    std::vector<torch::Tensor> out;
    int64_t offset = 0;
    for (const auto& x : like) {
      out.push_back(flat.narrow(0, offset, x.numel()).view(x.sizes()));
      offset += x.numel();
    }
    return out;
  }

  void wait(c10::intrusive_ptr<c10d::Work>& work, const char* what, int peer) {
    try {
      work->wait();
    } catch (const std::exception& e) {
      fail(lost_message(what, peer, e));
    }
  }

  /// Names the ranks on this host whose processes are gone; a peer that was
  /// killed may take a moment to leave /proc after its sockets closed.
  std::vector<int> lost_ranks() const {
    const auto me = io::host_name();
    for (int attempt = 0; attempt < 50; ++attempt) {
      std::vector<int> lost;
      for (int r = 0; r < static_cast<int>(peers_.size()); ++r)
        if (r != o_.rank && peers_[r].host == me && io::process_gone(static_cast<pid_t>(peers_[r].pid))) lost.push_back(r);
      if (!lost.empty()) return lost;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return {};
  }

  std::string lost_message(const std::string& what, int peer, const std::exception& e) const {
    const auto lost = lost_ranks();
    std::string who;
    if (!lost.empty()) {
      who = lost.size() == 1 ? "lost rank " : "lost ranks ";
      for (size_t i = 0; i < lost.size(); ++i)
        who += (i ? ", " : "") + std::to_string(lost[i]) + " (pid " + std::to_string(peers_[lost[i]].pid) + ")";
      who += " during " + what;
    } else if (peer >= 0) {
      who = "lost contact with rank " + std::to_string(peer) + " during " + what;
    } else {
      who = what + " failed (a peer died or stalled; timeout " + seconds_text(o_.timeout_seconds) + " s)";
    }
    return who + ": " + message_of(e);
  }

  GlooOptions o_;
  int64_t n_;
  std::vector<Peer> peers_;
  c10::intrusive_ptr<c10d::Store> store_;
  std::vector<std::pair<c10::intrusive_ptr<c10d::Work>, int>> abandoned_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
};

}  // namespace

GlooOptions gloo_options_from_env(double timeout_seconds) {
  GlooOptions o;
  o.timeout_seconds = timeout_seconds;
  o.rank = env_int("RANK", 0, 1 << 20);
  try {
    o.master_addr = env_value("MASTER_ADDR");
    o.port = env_int("MASTER_PORT", 1, 65535);
    o.world_size = env_int("WORLD_SIZE", 1, 1 << 20);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("rank " + std::to_string(o.rank) + ": " + e.what());
  }
  return o;
}

std::unique_ptr<Exchange> gloo_exchange(int64_t n, const GlooOptions& o) {
  const auto rank = "rank " + std::to_string(o.rank) + ": ";
  if (o.world_size < 1) throw std::invalid_argument(rank + "WORLD_SIZE must be at least 1");
  if (o.rank < 0 || o.rank >= o.world_size)
    throw std::invalid_argument(rank + "RANK=" + std::to_string(o.rank) + " but WORLD_SIZE=" +
                                std::to_string(o.world_size) + " (RANK must be in 0.." +
                                std::to_string(o.world_size - 1) + ")");
  if (n != o.world_size)
    throw std::invalid_argument(rank + "--learners " + std::to_string(n) + " but WORLD_SIZE=" +
                                std::to_string(o.world_size) +
                                " (--backend gloo runs one learner per process: launch n processes)");
  if (!(o.timeout_seconds > 0)) throw std::invalid_argument(rank + "the Gloo timeout must be positive");
  return std::make_unique<GlooExchange>(n, o);
}

double gloo_timeout_from_env() {
  const char* v = std::getenv("AWD_GLOO_TIMEOUT");
  if (!v || !*v) return 60;
  char* end = nullptr;
  const double s = std::strtod(v, &end);
  if (*end || !(s > 0)) throw std::invalid_argument(std::string("AWD_GLOO_TIMEOUT='") + v + "' is not a positive number of seconds");
  return s;
}

bool is_secondary_rank(Backend backend) {
  if (backend != Backend::kGloo) return false;
  const char* r = std::getenv("RANK");
  return r && *r && std::strtol(r, nullptr, 10) > 0;
}

}  // namespace awd::distributed
