// awd compare: SSGD against DPSGD at the same n, b, alpha and seeds (paper
// Fig. 5-6), a sweep over algo with the compare report.
#include <cstdint>
#include <memory>
#include <string>

#include "awd/experiments/compare.h"
#include "awd/report/compare_report.h"
#include "options.h"
#include "subcommands.h"

namespace awd::cli {
namespace {

struct CompareArgs {
  CommonFlags flags;
  std::string out_dir;
  int64_t repeats = experiments::kCompareRepeats;
  SweepRun run;
};

}  // namespace

Subcommand add_compare(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<CompareArgs>();
  RunConfig& cfg = ctx.compare_cfg;
  auto* sub = app.add_subcommand(
      "compare", "SSGD vs DPSGD at the same n, b, alpha and seeds (paper Fig. 5-6): a sweep over algo, then the "
                 "side-by-side report with the noise eta(t)");
  add_common_options(*sub, cfg, a->flags);
  sub->add_option("-o,--out", a->out_dir, "Compare directory (an interrupted compare resumes there)")->required();
  sub->add_option("--repeats", a->repeats, "Repeats per algorithm, with seeds seed+0 .. seed+R-1")
      ->capture_default_str();
  sub->add_option("-j,--jobs", a->run.jobs, "Solutions trained at once, one process each")->capture_default_str();
  add_claim_timeout_option(*sub, a->run);
  add_training_options(*sub, cfg);
  sub->remove_option(sub->get_option("--algo"));  // compare trains both; --algo would be ignored
  add_analysis_options(*sub, cfg.analysis);
  return {sub, [a, &ctx] {
            bool quiet = a->flags.quiet;
            begin_command(ctx.compare_cfg, quiet);  // the configuration the compare runs (its default layer)
            const auto spec = experiments::compare_spec(ctx.compare_cfg, a->repeats);
            experiments::check_learners_fit(spec.base);
            SweepRun run = a->run;
            run.out_dir = a->out_dir;
            run.quiet = quiet;
            return run_sweep_and_report(spec, run, store::FolderKind::kCompare, report::write_compare_report);
          }};
}

}  // namespace awd::cli
