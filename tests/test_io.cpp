// Run-directory files: config JSON, atomic writes, .npy layout, refusal to overwrite.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "awd/io/files.h"
#include "awd/store/config_json.h"
#include "awd/store/run_dir.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace awd;

TEST(ConfigJson, RoundTripAndOverride) {
  RunConfig c;
  c.data.per_class = 123;
  c.model.hidden = {7, 8, 9};
  c.train.lr = 0.025;
  c.analysis.basis = Basis::kFisher;
  const auto j = store::to_json(c);
  RunConfig back;
  store::update_from_json(back, j, "x.json");
  EXPECT_EQ(store::to_json(back), j);
  // A partial file keeps the other defaults.
  RunConfig partial;
  store::update_from_json(partial, nlohmann::json::parse(R"({"train": {"batch_size": 400}})"), "p.json");
  EXPECT_EQ(partial.train.batch_size, 400);
  EXPECT_EQ(partial.train.lr, RunConfig{}.train.lr);
}

TEST(ConfigJson, UnknownKeysAndWrongTypesNameTheFile) {
  RunConfig c;
  try {
    store::update_from_json(c, nlohmann::json::parse(R"({"train": {"learning_rate": 1}})"), "cfg.json");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("cfg.json: train.learning_rate: unknown option"), std::string::npos) << e.what();
  }
  try {
    store::update_from_json(c, nlohmann::json::parse(R"({"train": {"lr": "fast"}})"), "cfg.json");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("wrong type"), std::string::npos) << e.what();
  }
  test_util::TempDir dir;
  std::ofstream(dir / "bad.json") << "{ not json";
  EXPECT_THROW(store::read_config_file((dir / "bad.json").string()), std::runtime_error);
}

TEST(Validate, OutOfRangeValues) {
  auto bad = [](auto change) {
    RunConfig c;
    change(c);
    EXPECT_THROW(validate(c), std::invalid_argument);
  };
  bad([](RunConfig& c) { c.train.batch_size = 0; });
  bad([](RunConfig& c) { c.model.dropout = 1.0; });
  bad([](RunConfig& c) { c.data.label_noise = 1.0; });
  bad([](RunConfig& c) { c.train.lr = -0.1; });
  EXPECT_NO_THROW(validate(RunConfig{}));
}

TEST(Files, AtomicWriteLeavesOnlyTheFinishedFile) {
  test_util::TempDir dir;
  const auto p = (dir / "a.txt").string();
  io::write_atomic(p, "one");
  io::write_atomic(p, "two");
  EXPECT_EQ(test_util::read_bytes(p), "two");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.str()), fs::directory_iterator{}), 1);
  EXPECT_THROW(io::write_atomic((dir / "missing" / "a.txt").string(), "x"), std::runtime_error);
}

TEST(Files, NpyLayout) {
  const auto t = torch::arange(6, torch::kFloat).reshape({2, 3});
  const auto b = io::npy_bytes(t);
  ASSERT_EQ(b.substr(0, 6), "\x93NUMPY");
  const size_t header_len = static_cast<unsigned char>(b[8]) | (static_cast<unsigned char>(b[9]) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  const auto header = b.substr(10, header_len);
  EXPECT_NE(header.find("'descr': '<f4'"), std::string::npos);
  EXPECT_NE(header.find("'shape': (2,3)"), std::string::npos);
  EXPECT_EQ(header.back(), '\n');
  ASSERT_EQ(b.size(), 10 + header_len + 6 * 4);
  float v[6];
  std::memcpy(v, b.data() + 10 + header_len, sizeof v);
  EXPECT_EQ(v[5], 5.0f);
  EXPECT_NE(io::npy_bytes(torch::zeros({4}, torch::kDouble)).find("'shape': (4,)"), std::string::npos);
}

TEST(RunDir, RefusesAFinishedRunUnlessForced) {
  test_util::TempDir dir;
  const auto out = (dir / "run").string();
  store::prepare_output_dir(out, "training.json", false);
  std::ofstream(fs::path(out) / "training.json") << "{}";
  EXPECT_THROW(store::prepare_output_dir(out, "training.json", false), std::runtime_error);
  EXPECT_NO_THROW(store::prepare_output_dir(out, "training.json", true));
  std::ofstream(dir / "file") << "x";
  EXPECT_THROW(store::prepare_output_dir((dir / "file" / "sub").string(), "training.json", false), std::runtime_error);
}
