// awd report: aggregate a sweep or a compare again (tables, figures,
// report.html), or compare analysis folders side by side (--compare).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "awd/experiments/exit_codes.h"
#include "awd/report/compare_report.h"
#include "awd/report/folder_compare.h"
#include "awd/report/report.h"
#include "options.h"
#include "subcommands.h"

namespace awd::cli {

namespace {

/// The flags of `awd report`.
struct ReportFlags {
  std::string dir;                   ///< SWEEP_DIR
  std::vector<std::string> folders;  ///< --compare
  std::vector<std::string> labels;   ///< --labels
  std::string out;                   ///< -o
  bool force = false;                ///< --force: write beside files awd did not write in -o
  int64_t n_sharp = -1;              ///< --n-sharp (with --compare)
};

}  // namespace

Subcommand add_report(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<ReportFlags>();
  auto* sub = app.add_subcommand("report", "Aggregate a sweep or a compare, or compare analysis folders: "
                                           "tables, figures, report.html");
  auto* dir = sub->add_option("sweep_dir", f->dir, "Sweep directory");
  auto* compare = sub->add_option("--compare", f->folders,
                                  "Analysis folders (summary.json, directions.csv) to compare side by side")
                      ->expected(2, -1)
                      ->excludes(dir);
  sub->add_option("--labels", f->labels, "Column names of the --compare folders, comma-separated")
      ->delimiter(',')
      ->needs(compare);
  sub->add_option("-o,--out", f->out, "Output folder of --compare")->needs(compare);
  sub->add_flag("--force", f->force,
                "--compare: write into an output folder that holds other files (they stay; never an awd folder of "
                "another kind or one of the compared folders)")
      ->needs(compare);
  sub->add_option("--n-sharp", f->n_sharp,
                  "With --compare: split every folder's dL_s / dL_f at this n_s, recomputed from its directions.csv "
                  "(default: each analysis' own n_s)")
      ->check(CLI::NonNegativeNumber)
      ->needs(compare);
  sub->callback([f] {
    if (f->dir.empty() && f->folders.empty()) throw CLI::RequiredError("sweep_dir");
    if (!f->folders.empty() && f->out.empty()) throw CLI::RequiredError("--out (with --compare)");
  });
  return {sub, [f, &ctx] {
            bool quiet = false;
            begin_command(ctx.spec.base, quiet);
            if (!f->folders.empty()) {
              std::printf("%s", report::write_folder_comparison(f->folders, f->labels, f->out, "gnuplot", f->n_sharp,
                                                                f->force).c_str());
              return experiments::kExitOk;
            }
            const bool compare = report::is_compare_dir(f->dir);
            std::printf("%s", (compare ? report::write_compare_report(f->dir) : report::write_report(f->dir)).c_str());
            return experiments::kExitOk;
          }};
}

}  // namespace awd::cli
