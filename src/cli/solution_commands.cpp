// awd train, awd analyze, awd run: one solution, in this process.
#include <cstdio>
#include <memory>
#include <string>

#include "awd/experiments/exit_codes.h"
#include "awd/experiments/single_run.h"
#include "options.h"
#include "subcommands.h"

namespace awd::cli {
namespace {

struct SolutionArgs {
  CommonFlags flags;
  std::string out_dir = "awd-run";
  std::string run_dir, name = "reanalysis";
};

/// The subcommand `name` with the flags every command that trains or analyses has.
CLI::App* solution_subcommand(CLI::App& app, const char* name, const char* about, RunConfig& cfg, SolutionArgs& a) {
  auto* sub = app.add_subcommand(name, about);
  add_common_options(*sub, cfg, a.flags);
  return sub;
}

}  // namespace

Subcommand add_train(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<SolutionArgs>();
  RunConfig& cfg = ctx.spec.base;
  auto* sub = solution_subcommand(app, "train", "Train a network and write its run directory", cfg, *a);
  sub->add_option("-o,--out", a->out_dir, "Run directory")->capture_default_str();
  add_training_options(*sub, cfg);
  return {sub, [a, &cfg] {
            const bool secondary = begin_command(cfg, a->flags.quiet);
            const auto r = experiments::train_solution(cfg, {a->out_dir, a->flags.force, !a->flags.quiet});
            if (!secondary)
              std::printf("%s after %lld epochs (%.2f s): train loss %.4g, train accuracy %.4f\nrun directory: %s\n",
                          to_string(r.stop_reason).c_str(), static_cast<long long>(r.epochs), r.seconds, r.train_loss,
                          r.train_accuracy, a->out_dir.c_str());
            return experiments::kExitOk;
          }};
}

Subcommand add_analyze(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<SolutionArgs>();
  RunConfig& cfg = ctx.spec.base;
  auto* sub = solution_subcommand(app, "analyze", "Re-analyse a saved run into RUN_DIR/NAME", cfg, *a);
  sub->add_option("run_dir", a->run_dir, "Run directory written by train or run")->required();
  sub->add_option("--name", a->name, "Analysis folder inside the run directory")->capture_default_str();
  add_analysis_options(*sub, cfg.analysis);
  return {sub, [a, &cfg] {
            begin_command(cfg, a->flags.quiet);
            const auto r = experiments::analyze_solution(a->run_dir, cfg.analysis, a->name, a->flags.force);
            std::printf("%sresults: %s\n", r.table.c_str(), r.dir.c_str());
            return experiments::kExitOk;
          }};
}

Subcommand add_run(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<SolutionArgs>();
  RunConfig& cfg = ctx.spec.base;
  auto* sub = solution_subcommand(app, "run", "Train, then analyse into RUN_DIR/analysis", cfg, *a);
  sub->add_option("-o,--out", a->out_dir, "Run directory")->capture_default_str();
  add_training_options(*sub, cfg);
  add_analysis_options(*sub, cfg.analysis);
  return {sub, [a, &cfg] {
            const bool secondary = begin_command(cfg, a->flags.quiet);
            const auto r = experiments::run_solution(cfg, {a->out_dir, a->flags.force, !a->flags.quiet});
            if (!secondary) std::printf("%sresults: %s\n", r.table.c_str(), r.dir.c_str());
            return experiments::kExitOk;
          }};
}

}  // namespace awd::cli
