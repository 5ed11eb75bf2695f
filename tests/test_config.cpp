// The options (config.h) and their JSON form (store/config_json): spellings,
// validation, presets, round trips and one-line errors naming the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "awd/config.h"
#include "awd/store/config_json.h"
#include "test_files.h"

namespace fs = std::filesystem;
using namespace awd;
using test_util::message_of;

TEST(Options, SpellingsRoundTripAndUnknownOnesAreOneLine) {
  EXPECT_EQ(to_string(Algo::kDpsgd), "dpsgd");
  EXPECT_EQ(parse_option<Algo>("dpsgd"), Algo::kDpsgd);
  EXPECT_EQ(parse_option<StopReason>("max_epoch"), StopReason::kMaxEpoch);
  EXPECT_EQ(spellings<Mixing>(), "ring, all");
  EXPECT_EQ(message_of<std::invalid_argument>([] { parse_option<Algo>("asgd"); }), "algo must be ssgd or dpsgd");
  EXPECT_EQ(message_of<std::invalid_argument>([] { parse_option<StopReason>("x"); }),
            "stop_reason must be stop_rule, max_epoch or diverged");
  EXPECT_EQ(parse_option<Arch>("densenet121"), Arch::kDensenet121);
  EXPECT_EQ(message_of<std::invalid_argument>([] { parse_option<Arch>("resnet"); }),
            "arch must be mlp, cnn, resnet18 or densenet121");
}

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

TEST(ConfigJson, OptionValuesKeepTheirSpellingAndTheCnnRecordsNoHiddenWidths) {
  RunConfig c;
  c.model.arch = Arch::kCnn;
  c.learners.algo = Algo::kDpsgd;
  const auto j = store::to_json(c);
  EXPECT_EQ(j["model"]["arch"], "cnn");
  EXPECT_EQ(j["learners"]["algo"], "dpsgd");
  EXPECT_EQ(j["train"]["decay_penalty"], "norm");
  EXPECT_FALSE(j["model"].contains("hidden"));
  EXPECT_TRUE(store::to_json(RunConfig{})["model"].contains("hidden"));
  // A run directory written before still loads, hidden widths and all.
  RunConfig back;
  store::update_from_json(back, nlohmann::json::parse(R"({"model": {"arch": "cnn", "hidden": [30, 30]}})"), "old.json");
  EXPECT_EQ(back.model.arch, Arch::kCnn);
  EXPECT_EQ(message_of<std::invalid_argument>([&] {
              store::update_from_json(back, nlohmann::json::parse(R"({"learners": {"algo": "adam"}})"), "c.json");
            }),
            "c.json: learners.algo: algo must be ssgd or dpsgd");
}

TEST(ConfigJson, WidthIsRecordedForResnetAndDensenetAndInitFromWhenSet) {
  RunConfig c;
  c.model.arch = Arch::kResnet18;
  c.model.width = 8;
  auto j = store::to_json(c);
  EXPECT_EQ(j["model"]["arch"], "resnet18");
  EXPECT_EQ(j["model"]["width"], 8);
  EXPECT_FALSE(j["model"].contains("hidden"));
  EXPECT_FALSE(j["model"].contains("init_from"));
  c.model.arch = Arch::kDensenet121;
  c.model.init_from = "runs/a/weights";
  j = store::to_json(c);
  EXPECT_EQ(j["model"]["arch"], "densenet121");
  EXPECT_EQ(j["model"]["init_from"], "runs/a/weights");
  EXPECT_FALSE(store::to_json(RunConfig{})["model"].contains("width"));
  // config.json's record of the files read is not an option: a run's config.json reads back as a config file.
  j["init_files"] = nlohmann::json::array({{{"path", "runs/a/weights/fc.weight.npy"}, {"bytes", 1}, {"crc32", "0"}}});
  RunConfig back;
  store::update_from_json(back, j, "config.json");
  EXPECT_EQ(back.model.arch, Arch::kDensenet121);
  EXPECT_EQ(back.model.width, 8);
  EXPECT_EQ(back.model.init_from, "runs/a/weights");
}

TEST(ConfigJson, IntegersMayBeWrittenAsIntegralNumbersButNotAsFractions) {
  RunConfig c;
  store::update_from_json(
      c, nlohmann::json::parse(R"({"train": {"batch_size": 50.0, "max_epoch": 1e1, "seed": 7.0}, "model": {"hidden": [20.0, 10]}})"),
      "f.json");
  EXPECT_EQ(c.train.batch_size, 50);
  EXPECT_EQ(c.train.max_epoch, 10);
  EXPECT_EQ(c.train.seed, 7u);
  EXPECT_EQ(c.model.hidden, (std::vector<int64_t>{20, 10}));
  const auto refused = [&](const char* text) {
    return message_of<std::invalid_argument>([&] { store::update_from_json(c, nlohmann::json::parse(text), "f.json"); });
  };
  EXPECT_EQ(refused(R"({"data": {"per_class": 20.9}})"), "f.json: data.per_class: must be an integer, not 20.9");
  EXPECT_EQ(refused(R"({"train": {"seed": -1.0}})"), "f.json: train.seed: must be a non-negative integer, not -1.0");
  // Beyond 2^64 - 1: refused, not clamped.
  EXPECT_NE(refused(R"({"train": {"seed": 1e30}})").find("train.seed: must be an integer from 0 to 18446744073709551615"),
            std::string::npos);
  EXPECT_NE(refused(R"({"train": {"seed": 18446744073709551616}})").find("must be an integer from 0 to"),
            std::string::npos);
  EXPECT_EQ(store::integer_value(nlohmann::json::parse("2.0"), "repeats"), 2);
  EXPECT_EQ(message_of<std::invalid_argument>([] { store::integer_value(nlohmann::json::parse("2.9"), "repeats"); }),
            "repeats: must be an integer, not 2.9");
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
  bad([](RunConfig& c) { c.model.width = -1; });
  bad([](RunConfig& c) { c.train.stop_accuracy = 2; });  // the rule would never stop
  bad([](RunConfig& c) { c.train.stop_accuracy = 1; });
  bad([](RunConfig& c) {  // ResNet-18 and DenseNet-121 have no place for the MLP's dropout
    c.model.arch = Arch::kResnet18;
    c.model.dropout = 0.1;
  });
  EXPECT_NO_THROW(validate(RunConfig{}));
}

// --- presets -----------------------------------------------------------------
TEST(Presets, Fig7CpuTrainsToTheStopRuleInTheLargeBatchRegime) {
  // README "Fig. 7 at CPU scale": n b = 16 % of the training set, lr by the
  // paper's rule 3.2 B / 8192, the stop rule on (eps 0.05, accuracy 99 %), no
  // augmentation unless asked for.
  struct Expected {
    const char* name;
    Arch arch;
    int64_t width, per_class, b;
    const char* layer;
  };
  for (const auto& e : {Expected{"resnet18-fig7-cpu", Arch::kResnet18, 16, 200, 80, "fc"},
                        Expected{"densenet121-fig7-cpu", Arch::kDensenet121, 8, 50, 20, "classifier"}}) {
    SCOPED_TRACE(e.name);
    RunConfig c;
    apply_preset(c, e.name);
    EXPECT_NO_THROW(validate(c));
    EXPECT_EQ(c.model.arch, e.arch);
    EXPECT_EQ(c.model.width, e.width);
    EXPECT_EQ(c.data.per_class, e.per_class);
    EXPECT_EQ(c.analysis.layer, e.layer);
    EXPECT_EQ(c.learners.count, 4);
    EXPECT_EQ(c.train.batch_size, e.b);
    const int64_t n_train = 10 * c.data.per_class, total_batch = c.learners.count * c.train.batch_size;
    EXPECT_GE(total_batch * 100, 16 * n_train);
    EXPECT_DOUBLE_EQ(c.train.lr, 3.2 * double(total_batch) / 8192.0);
    EXPECT_GT(c.train.warmup_epochs, 0);
    EXPECT_TRUE(c.train.lr_steps.empty());
    EXPECT_FALSE(c.train.fixed_epochs);
    EXPECT_DOUBLE_EQ(c.train.stop_loss, 0.05);
    EXPECT_DOUBLE_EQ(c.train.stop_accuracy, 0.99);
    EXPECT_EQ(c.train.decay_stop, c.train.max_epoch);  // decay for the whole run
    EXPECT_FALSE(c.train.augment);
    EXPECT_EQ(c.train.eval_every, 2);
  }
}

TEST(Presets, SetTheirFieldsAndAreRecorded) {
  RunConfig c;
  c.data.path = "/somewhere";
  apply_preset(c, "cifar-cnn");
  EXPECT_EQ(c.model.arch, Arch::kCnn);
  EXPECT_EQ(c.analysis.layer, "fc2");
  EXPECT_EQ(c.data.path, "/somewhere");  // the data path is the user's
  EXPECT_NO_THROW(validate(c));
  EXPECT_EQ(store::to_json(c)["model"]["preset"], "cifar-cnn");
  RunConfig back;
  store::update_from_json(back, store::to_json(c), "test");
  EXPECT_EQ(back.model.preset, "cifar-cnn");
  EXPECT_EQ(back.train.stop_loss, c.train.stop_loss);
  // A preset over another leaves nothing of the first behind.
  apply_preset(c, "mnist-mlp4");
  EXPECT_EQ(c.model.arch, Arch::kMlp);
  EXPECT_EQ(c.model.hidden, (std::vector<int64_t>{30, 30, 30, 30}));
  apply_preset(c, "mnist-mlp");
  RunConfig defaults;
  defaults.data.path = "/somewhere";
  defaults.model.preset = "mnist-mlp";
  EXPECT_EQ(store::to_json(c), store::to_json(defaults));
  const auto msg = message_of<std::invalid_argument>([&] { apply_preset(c, "cifar"); });
  EXPECT_NE(msg.find("mnist-mlp, mnist-mlp4, cifar-cnn"), std::string::npos) << msg;
  c.model.preset = "nonsense";
  EXPECT_THROW(validate(c), std::invalid_argument);
}
