// awd report: aggregate a sweep or a compare again (tables, figures, report.html).
#include <cstdio>
#include <memory>
#include <string>

#include "awd/experiments/exit_codes.h"
#include "awd/report/compare_report.h"
#include "awd/report/report.h"
#include "options.h"
#include "subcommands.h"

namespace awd::cli {

Subcommand add_report(CLI::App& app, Context& ctx) {
  auto dir = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("report", "Aggregate a sweep or a compare: tables, figures, report.html");
  sub->add_option("sweep_dir", *dir, "Sweep directory")->required();
  return {sub, [dir, &ctx] {
            bool quiet = false;
            begin_command(ctx.spec.base, quiet);
            const bool compare = report::is_compare_dir(*dir);
            std::printf("%s", (compare ? report::write_compare_report(*dir) : report::write_report(*dir)).c_str());
            return experiments::kExitOk;
          }};
}

}  // namespace awd::cli
