// awd compare: the spec behind it and the learner checks.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "awd/config.h"
#include "awd/experiments/compare.h"
#include "test_files.h"

using namespace awd;

TEST(Compare, IsASweepOverTheAlgorithmWithTheCaseStudyDefaults) {
  RunConfig cfg;
  experiments::apply_compare_defaults(cfg);
  EXPECT_EQ(cfg.learners.count, 16);
  EXPECT_EQ(cfg.train.batch_size, 100);
  EXPECT_EQ(cfg.learners.noise_every, 10);
  EXPECT_EQ(cfg.train.lr, 0.1);
  EXPECT_EQ(experiments::kCompareRepeats, 5);
  cfg.learners.algo = Algo::kDpsgd;  // swept, so it does not enter the experiment
  const auto spec = experiments::compare_spec(cfg, 5);
  EXPECT_EQ(spec.parameter, "algo");
  EXPECT_EQ(spec.name, "compare");
  EXPECT_EQ(spec.repeats, 5);
  ASSERT_EQ(spec.values.size(), 2u);
  EXPECT_EQ(spec.values[0].str(), "ssgd");
  EXPECT_EQ(spec.values[1].str(), "dpsgd");
  EXPECT_EQ(spec.base.learners.algo, Algo::kSsgd);
  EXPECT_EQ(spec.base.learners.count, 16);
  cfg.train.batch_size = 0;
  EXPECT_THROW(experiments::compare_spec(cfg, 5), std::runtime_error);
}

TEST(Compare, LearnersMustFitTheTrainingSet) {
  RunConfig c;
  c.learners.count = 5;
  c.train.batch_size = 1;
  try {
    experiments::check_learners_fit(c, 4);
    ADD_FAILURE() << "5 learners on 4 samples accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("learners (n = 5) exceed the 4 training samples"), std::string::npos)
        << e.what();
  }
  c.learners.count = 4;
  c.train.batch_size = 2;
  try {
    experiments::check_learners_fit(c, 7);
    ADD_FAILURE() << "n b = 8 on 7 samples accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("4 x 2 = 8 exceeds the 7 training samples"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(experiments::check_learners_fit(c, 8));
  // From the data itself: M = 10 per class of MNIST's 10 classes is 100 samples.
  c.data.path = test_util::mnist_dir();
  c.data.per_class = 10;
  c.data.n_test = 20;
  c.learners.count = 101;
  c.train.batch_size = 1;
  EXPECT_THROW(experiments::check_learners_fit(c), std::invalid_argument);
  c.learners.count = 100;
  EXPECT_NO_THROW(experiments::check_learners_fit(c));
}
