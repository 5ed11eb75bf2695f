// awd solve DIR --threads T: the internal entry point through which a sweep
// runs each solution in a process of its own (documented in
// experiments/sweep.h). Hidden from --help: users run `awd run`.
#include <cstdio>
#include <memory>
#include <string>

#include "awd/experiments/exit_codes.h"
#include "awd/experiments/single_run.h"
#include "awd/report/trajectory_report.h"
#include "awd/store/config_json.h"
#include "awd/store/data_check.h"
#include "options.h"
#include "subcommands.h"

namespace awd::cli {
namespace {

struct SolveArgs {
  std::string dir;
  int threads = 0;
};

}  // namespace

Subcommand add_solve(CLI::App& app) {
  auto a = std::make_shared<SolveArgs>();
  auto* sub = app.add_subcommand("solve", "Run one solution of a sweep into SOLUTION_DIR (internal)");
  sub->group("");  // hidden: the sweep's entry point, not a command for users
  sub->add_option("solution_dir", a->dir, "Solution directory holding request.json")->required();
  sub->add_option("--threads", a->threads, "BLAS threads (0 = 1 for training, all cores for the analysis)")
      ->capture_default_str();
  return {sub, [a] {
            // `awd run --config DIR/request.json -o DIR -q --threads T`: a half-done
            // solution is finished (only analysed when its training is done); the
            // sweep's own files in DIR stay.
            const auto request = a->dir + "/request.json";
            RunConfig cfg = store::read_config_file(request);
            cfg.threads = a->threads;
            bool quiet = true;
            const bool secondary = begin_command(cfg, quiet);
            experiments::OutputOptions out{a->dir, false, false, {"request.json", "log.txt", "claim.json"}, {}};
            // The files the sweep recorded (none from a sweep of an earlier awd): changed ones are refused.
            const store::InputFiles inputs{store::recorded_files(request, "data_files"),
                                           store::recorded_files(request, "init_files")};
            if (!inputs.data.empty()) out.expected = experiments::ExpectedInputs{inputs, request};
            const auto r = experiments::run_solution(cfg, out);
            if (!secondary) std::printf("%sresults: %s\n", r.table.c_str(), r.dir.c_str());
            // As awd run draws it: the sweep's report overlays these, and each solution keeps its own.
            if (!secondary && cfg.train.analyze_every > 0)
              std::printf("%s", report::write_trajectory_report(a->dir).c_str());
            return experiments::kExitOk;
          }};
}

}  // namespace awd::cli
