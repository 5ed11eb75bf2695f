// awd sweep: one parameter over values, R repeats each, then the report. Also
// the run-and-report step that awd compare shares.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "awd/experiments/exit_codes.h"
#include "awd/experiments/parameters.h"
#include "awd/experiments/single_run.h"
#include "awd/experiments/sweep.h"
#include "awd/experiments/sweep_worker.h"
#include "awd/report/report.h"
#include "options.h"
#include "subcommands.h"

namespace awd::cli {
namespace {

struct SweepArgs {
  CommonFlags flags;
  std::string experiment_file, out_dir, parameter;
  std::vector<std::string> values;
  SweepRun run;
};

/// The experiment: --experiment FILE (read before parsing) with --param and
/// --values over it, checked as an experiment file would be.
experiments::SweepSpec sweep_from_flags(experiments::SweepSpec spec, const SweepArgs& a) {
  if (!a.parameter.empty()) spec.parameter = experiments::canonical_parameter(a.parameter);
  if (!a.values.empty()) {
    if (spec.parameter.empty()) throw std::invalid_argument("sweep: --values needs --param NAME");
    spec.values.clear();
    for (const auto& v : a.values) spec.values.push_back(experiments::parse_value(spec.parameter, v));
  }
  if (spec.parameter.empty()) throw std::invalid_argument("sweep: give --experiment FILE or --param NAME");
  if (spec.values.empty()) throw std::invalid_argument("sweep: no values to sweep (--values a,b,c)");
  if (spec.name.empty()) spec.name = spec.parameter;
  return experiments::sweep_spec_from_json(experiments::to_json(spec), "sweep");  // validates every value
}

}  // namespace

int run_sweep_and_report(experiments::SweepSpec spec, const SweepRun& run, store::FolderKind kind,
                         const std::function<std::string(const std::string&)>& write_report) {
  // What the sweep records names the same files from any working directory.
  make_paths_absolute(spec.base);
  experiments::SweepOptions options;
  options.dir = run.out_dir;
  options.kind = kind;
  options.inputs = experiments::read_inputs(spec.base);
  options.jobs = run.jobs;
  options.executable = self_executable();
  options.progress = !run.quiet;
  options.claim_timeout = run.claim_timeout;
  const auto st = experiments::run_sweep(spec, options);
  std::printf("%s", write_report(run.out_dir).c_str());
  std::printf(
      "%s: %d solutions, %d already finished, %d run, %d diverged, %d failed, %d finished by other workers; "
      "report: %s/report\n",
      store::kind_name(kind).c_str(), st.total, st.already_done, st.ran, st.diverged, st.failed, st.by_others, run.out_dir.c_str());
  return st.failed ? experiments::kExitSolutionsFailed : experiments::kExitOk;
}

void add_claim_timeout_option(CLI::App& sub, SweepRun& run) {
  sub.add_option("--claim-timeout", run.claim_timeout,
                 "Seconds after which a solution claimed by a worker that stopped refreshing its claim "
                 "(a dead node) is taken over, when several awd processes share the folder (docs/cluster.md)")
      ->capture_default_str();
}

Subcommand add_sweep(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<SweepArgs>();
  RunConfig& cfg = ctx.spec.base;
  auto* sub = app.add_subcommand("sweep", "Vary one parameter over values, R repeats each, then report");
  add_common_options(*sub, cfg, a->flags);
  sub->add_option("--experiment", a->experiment_file, "Experiment file (experiments/*.json); flags override it");
  sub->add_option("-o,--out", a->out_dir, "Sweep directory (an interrupted sweep resumes there)")->required();
  sub->add_option("--param", a->parameter,
                  "Parameter: lr (alpha), batch_size (B), weight_decay (beta), decay_stop (t_stop), "
                  "init_scale (s), dropout (d), label_noise (rho), per_class (M), delta_scale (gamma), "
                  "learners (n); names: algo (ssgd, dpsgd), mixing (ring, all)");
  sub->add_option("--values", a->values, "Values of the parameter (numbers, or names for algo and mixing)")
      ->delimiter(',');
  sub->add_option("--repeats", ctx.spec.repeats, "Repeats per value, with seeds seed+0 .. seed+R-1")
      ->capture_default_str();
  sub->add_option("-j,--jobs", a->run.jobs, "Solutions trained at once, one process each")->capture_default_str();
  add_claim_timeout_option(*sub, a->run);
  add_training_options(*sub, cfg);
  add_analysis_options(*sub, cfg.analysis);
  return {sub, [a, &ctx] {
            bool quiet = a->flags.quiet;
            begin_command(ctx.spec.base, quiet);
            const auto spec = sweep_from_flags(ctx.spec, *a);
            SweepRun run = a->run;
            run.out_dir = a->out_dir;
            run.quiet = quiet;
            return run_sweep_and_report(spec, run, store::FolderKind::kSweep,
                                        [](const std::string& dir) { return report::write_report(dir); });
          }};
}

}  // namespace awd::cli
