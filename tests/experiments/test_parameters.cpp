// The sweepable parameters: names and paper symbols, ranges, categorical
// values, and the messages for refused values.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "awd/config.h"
#include "awd/experiments/parameters.h"

using namespace awd;

TEST(Parameters, ParametersBySymbolAndRange) {
  EXPECT_EQ(experiments::canonical_parameter("alpha"), "lr");
  EXPECT_EQ(experiments::canonical_parameter("B"), "batch_size");
  EXPECT_EQ(experiments::canonical_parameter("rho"), "label_noise");
  EXPECT_THROW(experiments::canonical_parameter("momentum"), std::invalid_argument);
  RunConfig c;
  experiments::set_parameter(c, "B", 400);
  EXPECT_EQ(c.train.batch_size, 400);
  experiments::set_parameter(c, "gamma", 0.5);
  EXPECT_EQ(c.analysis.delta_scale, 0.5);
  EXPECT_THROW(experiments::set_parameter(c, "B", -25), std::invalid_argument);
  EXPECT_THROW(experiments::set_parameter(c, "B", 25.5), std::invalid_argument);
  EXPECT_THROW(experiments::set_parameter(c, "d", 1.0), std::invalid_argument);
  EXPECT_THROW(experiments::set_parameter(c, "rho", 1.0), std::invalid_argument);
  EXPECT_EQ(experiments::format_value(25), "25");
  EXPECT_EQ(experiments::format_value(0.005), "0.005");
}

TEST(Parameters, LearnerParametersAndBadCategoriesInOneLine) {
  RunConfig c;
  experiments::set_parameter(c, "learners", 8);
  EXPECT_EQ(c.learners.count, 8);
  experiments::set_parameter(c, "n", 2);
  EXPECT_EQ(c.learners.count, 2);
  EXPECT_THROW(experiments::set_parameter(c, "n", 2.5), std::invalid_argument);
  EXPECT_THROW(experiments::set_parameter(c, "n", 0), std::invalid_argument);
  EXPECT_EQ(c.learners.count, 2);  // a refused value leaves the configuration as it was
  experiments::set_parameter(c, "mixing", experiments::SweepValue("all"));
  EXPECT_EQ(c.learners.mixing, Mixing::kAll);
  experiments::set_parameter(c, "algo", experiments::SweepValue("dpsgd"));
  EXPECT_EQ(c.learners.algo, Algo::kDpsgd);
  const auto message = [&](const std::string& p, const experiments::SweepValue& v) -> std::string {
    try {
      experiments::set_parameter(c, p, v);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(message("algo", "adam"), "algo takes one of ssgd, dpsgd, not 'adam'");
  EXPECT_EQ(message("mixing", "star"), "mixing takes one of ring, all, not 'star'");
  EXPECT_EQ(message("algo", 1), "algo takes one of ssgd, dpsgd, not the number 1");
  EXPECT_EQ(message("lr", "fast"), "lr (alpha) takes numbers, not 'fast'");
  EXPECT_EQ(c.learners.algo, Algo::kDpsgd);  // unchanged by the refused values

  EXPECT_TRUE(experiments::parse_value("lr", "0.05").is_number());
  EXPECT_EQ(experiments::parse_value("lr", "0.05").number(), 0.05);
  EXPECT_EQ(experiments::parse_value("algo", "dpsgd").str(), "dpsgd");
  EXPECT_THROW(experiments::parse_value("lr", "0.05x"), std::invalid_argument);
  EXPECT_THROW(experiments::parse_value("B", ""), std::invalid_argument);
}

TEST(Parameters, ParameterSymbols) {
  EXPECT_EQ(experiments::parameter_symbol("lr"), "alpha");
  EXPECT_EQ(experiments::parameter_symbol("train.batch_size"), "B");
  EXPECT_EQ(experiments::parameter_symbol("train.weight_decay"), "beta");
  EXPECT_EQ(experiments::parameter_symbol("model.init_scale"), "s");
  EXPECT_EQ(experiments::parameter_symbol("optimizer"), "optimizer");
}
