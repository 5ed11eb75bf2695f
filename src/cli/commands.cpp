#include "commands.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "awd/experiments/exit_codes.h"
#include "awd/experiments/single_run.h"
#include "options.h"
#include "subcommands.h"

namespace awd::cli {

int run(int argc, char** argv) {
  try {
    // Only one subcommand runs, so only its own configuration is read.
    Context ctx;
    const bool comparing = argc > 1 && std::string(argv[1]) == "compare";
    if (comparing)
      ctx.compare_cfg = initial_compare_config(argc, argv);
    else
      ctx.spec = initial_spec(argc, argv);
    CLI::App app{"awd: activity-weight duality analysis of trained networks (Feng, Zhang & Tu)"};
    app.require_subcommand(1);
    app.set_version_flag("--version", AWD_VERSION);
    // In --help order; solve is hidden.
    const std::vector<Subcommand> subcommands = {add_train(app, ctx),   add_analyze(app, ctx), add_run(app, ctx),
                                                 add_sweep(app, ctx),   add_compare(app, ctx), add_report(app, ctx),
                                                 add_launch(app),       add_solve(app)};
    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
      return app.exit(e);
    } catch (const CLI::ParseError& e) {
      // A usage error is like any bad input: one line, exit 2 (CLI11's own codes are 100+).
      std::string msg = e.what();
      if (const auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
      std::fprintf(stderr, "awd: %s (see awd --help)\n", msg.c_str());
      return experiments::kExitError;
    }
    for (const auto& sub : subcommands)
      if (*sub.app) return sub.run();
    return experiments::kExitOk;
  } catch (const experiments::TrainingDiverged& e) {
    std::fprintf(stderr, "awd: %s\n", e.what());
    return experiments::kExitDiverged;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "awd: out of memory (the machine could not give what this command asked for)\n");
    return experiments::kExitError;
  } catch (const std::exception& e) {
    std::string msg = e.what();
    if (const auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
    std::fprintf(stderr, "awd: %s\n", msg.c_str());
    return experiments::kExitError;
  }
}

}  // namespace awd::cli
