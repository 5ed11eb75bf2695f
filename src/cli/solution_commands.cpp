// awd train, awd analyze, awd run: one solution, in this process.
#include <cstdio>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "awd/experiments/all_layers.h"
#include "awd/experiments/exit_codes.h"
#include "awd/experiments/features_route.h"
#include "awd/experiments/imported_model.h"
#include "awd/experiments/single_run.h"
#include "awd/report/layers_report.h"
#include "awd/report/trajectory_report.h"
#include "imported_options.h"
#include "options.h"
#include "subcommands.h"

namespace awd::cli {
namespace {

struct SolutionArgs {
  CommonFlags flags;
  std::string out_dir = "awd-run";
  std::string run_dir, name = "reanalysis";
  int64_t snapshot = -1;
};

/// The subcommand `name` with the flags every command that trains or analyses has.
CLI::App* solution_subcommand(CLI::App& app, const char* name, const char* about, RunConfig& cfg, SolutionArgs& a) {
  auto* sub = app.add_subcommand(name, about);
  add_common_options(*sub, cfg, a.flags);
  return sub;
}

/// The table over the layers of an analysis of several, then a failed
/// self-check of any layer as the error (the others' results are written).
int analyze_layers(const experiments::LayersOutput& out) {
  std::printf("%s%s", out.training.c_str(), report::write_layers_report(out.dir).c_str());
  if (!out.failures.empty()) throw std::runtime_error(out.failures.front());
  return experiments::kExitOk;
}

/// awd analyze --model (a TorchScript model on its own data) or --features (a last layer as arrays).
int analyze_imported(experiments::ImportedModel m, const std::vector<double>& normalize, const std::string& features,
                     const std::string& run_dir, bool force, const RunConfig& cfg) {
  if (!run_dir.empty()) throw std::invalid_argument("analyze takes one of RUN_DIR, --model and --features");
  experiments::AnalysisOutput r;
  if (!features.empty()) {
    if (!m.model_path.empty()) throw std::invalid_argument("analyze takes one of RUN_DIR, --model and --features");
    if (m.out_dir.empty()) throw std::invalid_argument("--features needs -o OUT");
    r = experiments::analyze_features(features, m.out_dir, cfg.analysis, cfg.threads, force);
  } else {
    if (m.data_dir.empty() || m.out_dir.empty()) throw std::invalid_argument("--model needs --data DIR and -o OUT");
    split_normalize(normalize, m);
    m.force = force;
    if (experiments::names_several_layers(cfg.analysis.layer))
      return analyze_layers(experiments::analyze_imported_layers(m, cfg.analysis, cfg.threads));
    r = experiments::analyze_imported_model(m, cfg.analysis, cfg.threads);
  }
  std::printf("%sresults: %s\n", r.table.c_str(), r.dir.c_str());
  return experiments::kExitOk;
}

/// Refuses the options of `names` given on the command line: `route` of awd
/// analyze would ignore them, and a user who gave them expects them to act.
void refuse_ignored(const CLI::App& sub, const char* route, std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (sub.get_option(name)->count() > 0)
      throw std::invalid_argument(std::string("analyze ") + route + " does not use " + name + " (it would be ignored)");
}

/// The report along training of a run trained with --analyze-every, drawn once the run is done.
void print_trajectory(const RunConfig& cfg, const std::string& run_dir) {
  if (cfg.train.analyze_every > 0) std::printf("%s", report::write_trajectory_report(run_dir).c_str());
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
            const auto r = experiments::train_solution(cfg, {a->out_dir, a->flags.force, !a->flags.quiet, {}, {}});
            if (secondary) return experiments::kExitOk;
            std::printf("%s after %lld epochs (%.2f s): train loss %.4g, train accuracy %.4f\nrun directory: %s\n",
                        to_string(r.stop_reason).c_str(), static_cast<long long>(r.epochs), r.seconds, r.train_loss,
                        r.train_accuracy, a->out_dir.c_str());
            print_trajectory(cfg, a->out_dir);
            return experiments::kExitOk;
          }};
}

Subcommand add_analyze(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<SolutionArgs>();
  RunConfig& cfg = ctx.spec.base;
  auto imported = std::make_shared<experiments::ImportedModel>();
  auto normalize = std::make_shared<std::vector<double>>();
  auto features = std::make_shared<std::string>();
  auto* sub = solution_subcommand(app, "analyze",
                                  "Re-analyse a saved run into RUN_DIR/NAME, or a TorchScript model (--model) into OUT",
                                  cfg, *a);
  sub->add_option("run_dir", a->run_dir, "Run directory written by train or run");
  sub->add_option("--name", a->name, "Analysis folder inside the run directory")->capture_default_str();
  sub->add_option("--snapshot", a->snapshot,
                  "Analyse the run's snapshot after this epoch (kept by --analyze-every) instead of its final network")
      ->check(CLI::NonNegativeNumber);
  add_analysis_options(*sub, cfg.analysis);
  add_imported_model_options(*sub, *imported, *normalize, *features);
  add_memory_option(*sub, *imported);
  sub->get_option("--layer")
      ->description("Dense layer to analyse (default: the run's analysed layer; with --model the model's only "
                    "Linear layer); 'all' or a list fc1,fc3 analyses each into NAME/LAYER (with --model OUT/LAYER) and "
                    "writes layers.csv, a figure and report.html beside them")
      ->default_str("");
  return {sub, [a, &cfg, imported, normalize, features, sub] {
            begin_command(cfg, a->flags.quiet);
            imported->progress = !a->flags.quiet;
            if (sub->get_option("--layer")->count() == 0) cfg.analysis.layer.clear();  // the run's own
            // With one route given, options of another are refused; with none
            // or several, analyze_imported or the line below says so.
            if (int(!features->empty()) + int(!imported->model_path.empty()) + int(!a->run_dir.empty()) == 1) {
              const auto model_only = {"--data", "--n-test", "--seed", "--normalize", "--max-memory",
                                       "--float64-activities"};
              if (!features->empty()) {
                refuse_ignored(*sub, "--features", model_only);
                refuse_ignored(*sub, "--features", {"--layer", "--name", "--snapshot"});
              } else if (!imported->model_path.empty()) {
                refuse_ignored(*sub, "--model", {"--name", "--snapshot"});
              } else {
                refuse_ignored(*sub, "RUN_DIR", model_only);
                refuse_ignored(*sub, "RUN_DIR", {"-o"});
              }
            }
            if (!imported->model_path.empty() || !features->empty())
              return analyze_imported(*imported, *normalize, *features, a->run_dir, a->flags.force, cfg);
            if (a->run_dir.empty()) throw std::invalid_argument("analyze needs RUN_DIR, or --model MODEL.pt --data DIR -o OUT");
            if (experiments::names_several_layers(cfg.analysis.layer)) {
              if (a->snapshot >= 0) throw std::invalid_argument("--snapshot analyses one layer; --layer names several");
              return analyze_layers(experiments::analyze_solution_layers(a->run_dir, cfg.analysis, a->name,
                                                                         a->flags.force));
            }
            const auto r = experiments::analyze_solution(a->run_dir, cfg.analysis, a->name, a->flags.force, a->snapshot);
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
  auto* layer = sub->get_option("--layer");
  layer->description(layer->get_description() +
                     "; 'all' or a list fc1,fc3 analyses each into RUN_DIR/analysis/LAYER and writes "
                     "RUN_DIR/analysis/layers.csv, a figure and report.html");
  return {sub, [a, &cfg] {
            const bool secondary = begin_command(cfg, a->flags.quiet);
            const experiments::OutputOptions out{a->out_dir, a->flags.force, !a->flags.quiet, {}, {}};
            if (experiments::names_several_layers(cfg.analysis.layer)) {
              const auto r = experiments::run_solution_layers(cfg, out);
              if (secondary) return experiments::kExitOk;
              if (r.note.empty()) return analyze_layers(r);
              std::printf("%s", r.note.c_str());
              return experiments::kExitOk;
            }
            const auto r = experiments::run_solution(cfg, out);
            if (secondary) return experiments::kExitOk;
            std::printf("%sresults: %s\n", r.table.c_str(), r.dir.c_str());
            print_trajectory(cfg, a->out_dir);
            return experiments::kExitOk;
          }};
}

}  // namespace awd::cli
