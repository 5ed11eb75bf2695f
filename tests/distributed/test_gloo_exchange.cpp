// The c10d/Gloo exchange against the in-process one, and its failures. The
// ranks of a group are threads of this process, each with its own TCPStore
// client and ProcessGroupGloo (rank 0 also hosts the store) on loopback; a
// rank that dies is tested with separate processes in gloo_test.sh.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <thread>

#include "awd/config.h"
#include "awd/distributed/exchange.h"
#include "awd/distributed/gloo_exchange.h"
#include "awd/distributed/launcher.h"
#include "test_files.h"

namespace d = awd::distributed;

namespace {

d::GlooOptions options(int port, int rank, int world, double timeout = 20) {
  return {"127.0.0.1", port, rank, world, timeout};
}

/// Runs f(rank, exchange) on `world` threads, the ranks of one group; returns
/// each rank's error message ("" when it had none).
std::vector<std::string> on_ranks(int world, const std::function<void(int, d::Exchange&)>& f) {
  const int port = d::free_port();
  std::vector<std::string> errors(world);
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r)
    threads.emplace_back([&, r] {
      try {
        auto ex = d::gloo_exchange(world, options(port, r, world));
        f(r, *ex);
      } catch (const std::exception& e) {
        errors[r] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  return errors;
}

/// The message of what f throws, or "" if it does not throw.
std::string error_of(const std::function<void()>& f) { return test_util::message_of<std::exception>(f); }

/// Random weights of an MLP 784-30-30-10 for each of n learners.
d::LearnerTensors random_learners(int n) {
  torch::manual_seed(7);
  d::LearnerTensors t(n);
  for (auto& learner : t)
    for (auto shape : {std::vector<int64_t>{30, 784}, {30, 30}, {10, 30}}) learner.push_back(torch::randn(shape));
  return t;
}

/// Sets or unsets the rendezvous variables for one test, restoring them after.
class Env {
 public:
  Env() {
    for (const char* k : kNames)
      if (const char* v = std::getenv(k)) saved_.emplace_back(k, v);
    for (const char* k : kNames) unsetenv(k);
  }
  ~Env() {
    for (const char* k : kNames) unsetenv(k);
    for (const auto& [k, v] : saved_) setenv(k.c_str(), v.c_str(), 1);
  }
  void set(const char* k, const char* v) { setenv(k, v, 1); }

 private:
  static constexpr const char* kNames[] = {"MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE", "AWD_GLOO_TIMEOUT"};
  std::vector<std::pair<std::string, std::string>> saved_;
};

}  // namespace

// Outside the anonymous namespace: gtest derives each TEST_P from it.
class GlooMatchesLocal : public ::testing::TestWithParam<int> {};

TEST_P(GlooMatchesLocal, MeanAndMixing) {
  const int n = GetParam();
  const auto input = random_learners(n);
  auto local = d::local_exchange(n);
  const auto mean = local->mean(input);
  const auto ring = local->mix(input, awd::Mixing::kRing);

  std::vector<std::vector<torch::Tensor>> got_mean(n), got_ring(n), got_all(n);
  const auto errors = on_ranks(n, [&](int r, d::Exchange& ex) {
    EXPECT_EQ(ex.learners(), n);
    EXPECT_EQ(ex.first(), r);
    EXPECT_EQ(ex.local(), 1);
    EXPECT_EQ(ex.writes_outputs(), r == 0);
    const d::LearnerTensors mine{input[r]};
    got_mean[r] = ex.mean(mine);
    got_ring[r] = ex.mix(mine, awd::Mixing::kRing).at(0);
    got_all[r] = ex.mix(mine, awd::Mixing::kAll).at(0);
  });
  for (int r = 0; r < n; ++r) ASSERT_EQ(errors[r], "") << "rank " << r;

  for (int r = 0; r < n; ++r) {
    ASSERT_EQ(got_ring[r].size(), 3u);
    for (size_t k = 0; k < 3; ++k) {
      EXPECT_EQ(got_mean[r][k].sizes(), input[0][k].sizes());
      // The ring neighbourhood is summed in local_exchange's order: bit for bit.
      EXPECT_TRUE(torch::equal(got_ring[r][k], ring[r][k])) << "ring, rank " << r << ", tensor " << k;
      // Gloo's allreduce sums in its own order: the same to rounding, and the same on every rank.
      EXPECT_TRUE(torch::allclose(got_mean[r][k], mean[k], 1e-6, 1e-6)) << "mean, rank " << r << ", tensor " << k;
      EXPECT_TRUE(torch::equal(got_mean[r][k], got_mean[0][k])) << "mean differs between ranks 0 and " << r;
      EXPECT_TRUE(torch::equal(got_all[r][k], got_mean[r][k])) << "mix all != mean, rank " << r;
    }
  }
  // The ring actually mixes: a learner's result is not its own weights (n > 1) ...
  if (n > 1) {
    EXPECT_FALSE(torch::equal(got_ring[0][0], input[0][0]));
  }
  // ... and with n <= 3 the ring is everybody.
  if (n <= 3) {
    for (int r = 0; r < n; ++r) EXPECT_TRUE(torch::allclose(got_ring[r][1], mean[1], 1e-6, 1e-6));
  }
}

INSTANTIATE_TEST_SUITE_P(Learners, GlooMatchesLocal, ::testing::Values(1, 2, 3, 4));

TEST(GlooExchange, RepeatedCallsStayInStep) {
  // Many small exchanges in a row: messages between the same two ranks must not cross.
  const int n = 3;
  const auto errors = on_ranks(n, [&](int r, d::Exchange& ex) {
    for (int step = 0; step < 50; ++step) {
      const d::LearnerTensors mine{{torch::full({5}, static_cast<float>(100 * step + r))}};
      const auto m = ex.mean(mine).at(0);
      EXPECT_FLOAT_EQ(m[0].item<float>(), 100.0f * step + 1.0f);
      const auto ring = ex.mix(mine, awd::Mixing::kRing).at(0).at(0);
      EXPECT_FLOAT_EQ(ring[4].item<float>(), 100.0f * step + 1.0f);  // n = 3: the ring is all three
    }
  });
  for (int r = 0; r < n; ++r) EXPECT_EQ(errors[r], "") << "rank " << r;
}

TEST(GlooExchange, OptionsFromEnvironment) {
  Env env;
  EXPECT_NE(error_of([] { d::gloo_options_from_env(5); }).find("RANK is not set"), std::string::npos);
  env.set("RANK", "1");
  env.set("MASTER_ADDR", "127.0.0.1");
  env.set("WORLD_SIZE", "2");
  EXPECT_EQ(error_of([] { d::gloo_options_from_env(5); }).rfind("rank 1: MASTER_PORT is not set", 0), 0u);
  env.set("MASTER_PORT", "abc");
  EXPECT_EQ(error_of([] { d::gloo_options_from_env(5); }),
            "rank 1: MASTER_PORT='abc' is not an integer in 1..65535");
  env.set("MASTER_PORT", "29512");
  env.set("RANK", "-1");
  EXPECT_EQ(error_of([] { d::gloo_options_from_env(5); }), "RANK='-1' is not an integer in 0..1048576");
  env.set("RANK", "1");
  const auto o = d::gloo_options_from_env(5);
  EXPECT_EQ(o.master_addr, "127.0.0.1");
  EXPECT_EQ(o.port, 29512);
  EXPECT_EQ(o.rank, 1);
  EXPECT_EQ(o.world_size, 2);
  EXPECT_EQ(o.timeout_seconds, 5);

  EXPECT_EQ(d::gloo_timeout_from_env(), 60);
  env.set("AWD_GLOO_TIMEOUT", "2.5");
  EXPECT_EQ(d::gloo_timeout_from_env(), 2.5);
  env.set("AWD_GLOO_TIMEOUT", "soon");
  EXPECT_NE(error_of([] { d::gloo_timeout_from_env(); }).find("AWD_GLOO_TIMEOUT='soon'"), std::string::npos);

  awd::LearnersConfig cfg;
  EXPECT_NE(error_of([&] { awd::parse_option<awd::Backend>("mpi"); }).find("backend must be local or gloo"),
            std::string::npos);
  cfg.backend = awd::Backend::kLocal;
  cfg.count = 3;
  EXPECT_EQ(d::make_exchange(cfg)->local(), 3);
}

TEST(GlooExchange, WorldSizeAndRankChecked) {
  EXPECT_EQ(error_of([] { d::gloo_exchange(4, options(29513, 0, 3)); }),
            "rank 0: --learners 4 but WORLD_SIZE=3 (--backend gloo runs one learner per process: launch n processes)");
  EXPECT_EQ(error_of([] { d::gloo_exchange(3, options(29513, 3, 3)); }),
            "rank 3: RANK=3 but WORLD_SIZE=3 (RANK must be in 0..2)");
}

TEST(GlooExchange, PortInUse) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  const auto t0 = std::chrono::steady_clock::now();
  const auto msg = error_of([&] { d::gloo_exchange(2, options(port, 0, 2, 2)); });
  close(fd);
  EXPECT_EQ(msg.rfind("rank 0: cannot host the rendezvous store on MASTER_PORT=" + std::to_string(port), 0), 0u)
      << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10);
}

TEST(GlooExchange, TooFewRanksTimeOut) {
  const int port = d::free_port();
  const auto t0 = std::chrono::steady_clock::now();
  const auto msg = error_of([&] { d::gloo_exchange(3, options(port, 0, 3, 1.5)); });
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(msg, "rank 0: only 1 of 3 ranks joined within 1.5 s (does WORLD_SIZE match the processes launched?)");
  EXPECT_GE(s, 1.4);
  EXPECT_LT(s, 8);
}

TEST(GlooExchange, NoStoreToJoin) {
  const int port = d::free_port();  // nobody listens there
  const auto t0 = std::chrono::steady_clock::now();
  const auto msg = error_of([&] { d::gloo_exchange(2, options(port, 1, 2, 1.5)); });
  EXPECT_EQ(msg.rfind("rank 1: cannot reach the rendezvous store of rank 0 at 127.0.0.1:" + std::to_string(port), 0),
            0u)
      << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10);
}

TEST(Launcher, FreePortAndBadInput) {
  const int p = d::free_port();
  EXPECT_GT(p, 0);
  EXPECT_LT(p, 65536);
  d::LaunchOptions o;
  o.processes = 2;
  EXPECT_NE(error_of([&] { d::launch(o); }).find("no command to run"), std::string::npos);
  o.command = {"/nonexistent/program", "x"};
  EXPECT_EQ(error_of([&] { d::launch(o); }), "launch: cannot run '/nonexistent/program': No such file or directory");
  o.processes = 0;
  EXPECT_NE(error_of([&] { d::launch(o); }).find("-n must be at least 1"), std::string::npos);
}

TEST(Launcher, SetsTheRankVariablesAndReportsFailures) {
  d::LaunchOptions o;
  o.processes = 3;
  o.port = 29517;
  // Every rank checks its own variables; exit code 0 only if all are right.
  o.command = {"sh", "-c",
               "test \"$MASTER_ADDR\" = 127.0.0.1 && test \"$MASTER_PORT\" = 29517 && test \"$WORLD_SIZE\" = 3 && "
               "test \"$RANK\" = \"$LOCAL_RANK\" && test \"$RANK\" -ge 0 && test \"$RANK\" -lt 3"};
  EXPECT_EQ(d::launch(o), 0);
  // Rank 1 fails with code 5: that is the launcher's result, and rank 2, which
  // would sleep for a minute, is stopped after the grace period.
  o.grace_seconds = 0.5;
  o.command = {"sh", "-c", "if [ $RANK = 1 ]; then exit 5; elif [ $RANK = 2 ]; then exec sleep 60; fi"};
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(d::launch(o), 5);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10);
}
