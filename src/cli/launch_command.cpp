// awd launch: N local processes of one command, ranks of one Gloo group.
#include <memory>

#include "awd/distributed/launcher.h"
#include "options.h"
#include "subcommands.h"

namespace awd::cli {

Subcommand add_launch(CLI::App& app) {
  auto o = std::make_shared<distributed::LaunchOptions>();
  auto* sub = app.add_subcommand(
      "launch", "Run COMMAND as N local processes, ranks of one Gloo group (for --backend gloo)");
  sub->add_option("-n,--processes", o->processes, "N: processes, ranks 0..N-1")->required();
  sub->add_option("--port", o->port, "MASTER_PORT (0 = a free port)")->capture_default_str();
  sub->add_option("--timeout", o->grace_seconds,
                  "Seconds the other ranks get to stop after one fails, before SIGTERM (then as long "
                  "again before SIGKILL)")
      ->capture_default_str();
  sub->add_option("command", o->command, "-- COMMAND ARGS... (the command awd means this awd)")->required();
  return {sub, [o] {
            o->self_exe = self_executable();
            return distributed::launch(*o);
          }};
}

}  // namespace awd::cli
