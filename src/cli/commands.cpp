#include "commands.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "awd/config.h"
#include "awd/distributed/gloo_exchange.h"
#include "awd/distributed/launcher.h"
#include "awd/experiments/compare.h"
#include "awd/experiments/report.h"
#include "awd/experiments/single_run.h"
#include "awd/experiments/sweep.h"
#include "awd/store/config_json.h"
#include "awd/util/threads.h"

namespace awd::cli {
namespace {

/// A named option (an enum): its text is parsed where it enters, and a
/// spelling it does not know is the option's one-line error.
template <class E>
CLI::Option* add_named_option(CLI::App& app, const std::string& flags, E& value, const std::string& help) {
  return app.add_option_function<std::string>(flags, [&value](const std::string& text) { value = parse_option<E>(text); },
                                               help)
      ->default_str(to_string(value));
}

/// Options that decide the training (SPEC §7).
void add_training_options(CLI::App& app, RunConfig& c) {
  app.add_option("--data", c.data.path, "Folder of MNIST-format IDX files or CIFAR-10 binary batches")
      ->capture_default_str();
  app.add_option("-M,--per-class", c.data.per_class, "M: correctly labelled training samples per class")
      ->capture_default_str();
  app.add_option("--n-test", c.data.n_test, "Test samples (class-balanced)")->capture_default_str();
  app.add_option("--label-noise", c.data.label_noise, "rho: fraction of training samples with a wrong label")
      ->capture_default_str();
  app.add_option("--data-seed", c.data.seed, "Seed of the data subset and label noise")->capture_default_str();
  add_named_option(app, "--arch", c.model.arch, "Network architecture");
  app.add_option("--hidden", c.model.hidden, "Hidden layer widths of the MLP")->delimiter(',')->capture_default_str();
  app.add_option("--bias", c.model.bias, "Dense layers with biases")->capture_default_str();
  app.add_option("-d,--dropout", c.model.dropout, "d: dropout fraction after the first hidden layer")
      ->capture_default_str();
  add_named_option(app, "--init", c.model.init, "xavier: U(+-s sqrt(6/(in+out))); torch: U(+-s/sqrt(in))");
  app.add_option("-s,--init-scale", c.model.init_scale, "s: scale of the initial weights")->capture_default_str();
  app.add_option("--lr", c.train.lr, "alpha: SGD learning rate")->capture_default_str();
  app.add_option("-B,--batch-size", c.train.batch_size, "B: minibatch size (each learner's b with --learners)")
      ->capture_default_str();
  app.add_option("--weight-decay", c.train.weight_decay, "beta: weight-decay coefficient")->capture_default_str();
  app.add_option("--decay-stop", c.train.decay_stop, "t_stop: epochs during which weight decay applies")
      ->capture_default_str();
  add_named_option(app, "--decay-penalty", c.train.decay_penalty, "norm: beta ||w||; squared: beta/2 ||w||^2");
  app.add_option("--stop-loss", c.train.stop_loss, "eps: stop when the training loss is below this")
      ->capture_default_str();
  app.add_option("--stop-accuracy", c.train.stop_accuracy, "... and the training accuracy above this")
      ->capture_default_str();
  app.add_option("--max-epoch", c.train.max_epoch, "Stop after this many epochs otherwise")->capture_default_str();
  app.add_option("--seed", c.train.seed, "Seed of init, shuffling and dropout")->capture_default_str();
  app.add_option("-n,--learners", c.learners.count, "n: learners, each with batch b = --batch-size (B = n b)")
      ->capture_default_str();
  add_named_option(app, "--algo", c.learners.algo, "ssgd: gradients at the mean weights; dpsgd: at each learner's own");
  add_named_option(app, "--mixing", c.learners.mixing, "DPSGD neighbourhood: ring (a-1, a, a+1) or all");
  add_named_option(app, "--backend", c.learners.backend, "local: all learners in this process; gloo: one per process over c10d "
                 "(MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE; see awd launch)");
  app.add_option("--noise-every", c.learners.noise_every, "Record the noise eta(t) every k steps (0 = never)")
      ->capture_default_str();
  app.add_option("--noise-top", c.learners.noise_top, "Top Hessian directions the noise is projected on")
      ->capture_default_str();
}

/// Options of the duality analysis (SPEC §2-5).
void add_analysis_options(CLI::App& app, AnalysisConfig& a) {
  app.add_option("--layer", a.layer, "Dense layer to analyse")->capture_default_str();
  add_named_option(app, "--basis", a.basis, "hessian or fisher (empirical Fisher)");
  app.add_option("--delta-scale", a.delta_scale, "gamma: analyse gamma dW_k instead of dW_k")->capture_default_str();
  app.add_option("--max-test", a.max_test, "K: analyse only the first K test samples (0 = all)")
      ->capture_default_str();
  app.add_option("--n-sharp", a.n_sharp, "Fix n_s (-1 = rank of the steepest log drop of sigma_g)")
      ->capture_default_str();
  app.add_option("--flatness-top", a.flatness_top, "Flatness F_i of the top K directions by sigma_g (0 = off)")
      ->capture_default_str();
}

/// The value of `--name VALUE` or `--name=VALUE` in argv before any `--`
/// (after it come the arguments of the command `awd launch` runs), or "".
std::string prescan(int argc, char** argv, const std::string& name) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") break;
    if (a == name && i + 1 < argc) return argv[i + 1];
    if (a.rfind(name + "=", 0) == 0) return a.substr(name.size() + 1);
  }
  return {};
}

/// Files are read before the flags are bound, so that flags override them:
/// --config FILE (a run configuration) or, for sweeps, --experiment FILE,
/// then --preset NAME.
experiments::SweepSpec initial_spec(int argc, char** argv) {
  experiments::SweepSpec spec;
  if (const auto e = prescan(argc, argv, "--experiment"); !e.empty()) spec = experiments::read_sweep_spec(e);
  if (const auto c = prescan(argc, argv, "--config"); !c.empty()) spec.base = store::read_config_file(c);
  if (const auto p = prescan(argc, argv, "--preset"); !p.empty()) apply_preset(spec.base, p);
  return spec;
}

/// The configuration of `awd compare`: the compare defaults (SPEC §8 case
/// study), then --config FILE over them, then --preset; flags override all.
RunConfig initial_compare_config(int argc, char** argv) {
  RunConfig cfg;
  experiments::apply_compare_defaults(cfg);
  if (const auto c = prescan(argc, argv, "--config"); !c.empty()) cfg = store::read_config_file(c, cfg);
  if (const auto p = prescan(argc, argv, "--preset"); !p.empty()) apply_preset(cfg, p);
  return cfg;
}

std::string self_executable() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

}  // namespace

int run(int argc, char** argv) {
  try {
    // Only one subcommand runs, so only its own configuration is read.
    const bool comparing = argc > 1 && std::string(argv[1]) == "compare";
    auto spec = comparing ? experiments::SweepSpec{} : initial_spec(argc, argv);
    RunConfig& cfg = spec.base;
    RunConfig compare_cfg = comparing ? initial_compare_config(argc, argv) : RunConfig{};
    int64_t compare_repeats = experiments::kCompareRepeats;
    CLI::App app{"awd: activity-weight duality analysis of trained networks (Feng, Zhang & Tu)"};
    app.require_subcommand(1);
    app.set_version_flag("--version", AWD_VERSION);
    std::string config_file, experiment_file, out_dir = "awd-run", run_dir, name = "reanalysis", parameter;
    std::vector<std::string> values;
    int jobs = 2;
    bool force = false, quiet = false;
    std::string preset;
    auto common = [&](CLI::App* sub, RunConfig& c) {
      sub->add_option("--config", config_file, "JSON config file (flags override it)");
      sub->add_option("--preset", preset,
                      "mnist-mlp (default), mnist-mlp4 (4 hidden layers of 30) or cifar-cnn; "
                      "applied over --config, flags override it");
      sub->add_option("--threads", c.threads,
                      "BLAS threads (0 = 1 for training, all cores for the analysis)")
          ->capture_default_str();
      sub->add_flag("--force", force, "Overwrite a finished run or analysis");
      sub->add_flag("-q,--quiet", quiet, "No progress on stderr");
    };

    auto* train = app.add_subcommand("train", "Train a network and write its run directory");
    common(train, cfg);
    train->add_option("-o,--out", out_dir, "Run directory")->capture_default_str();
    add_training_options(*train, cfg);

    auto* analyze = app.add_subcommand("analyze", "Re-analyse a saved run into RUN_DIR/NAME");
    common(analyze, cfg);
    analyze->add_option("run_dir", run_dir, "Run directory written by train or run")->required();
    analyze->add_option("--name", name, "Analysis folder inside the run directory")->capture_default_str();
    add_analysis_options(*analyze, cfg.analysis);

    auto* run = app.add_subcommand("run", "Train, then analyse into RUN_DIR/analysis");
    common(run, cfg);
    run->add_option("-o,--out", out_dir, "Run directory")->capture_default_str();
    add_training_options(*run, cfg);
    add_analysis_options(*run, cfg.analysis);

    auto* sweep = app.add_subcommand("sweep", "Vary one parameter over values, R repeats each, then report");
    common(sweep, cfg);
    sweep->add_option("--experiment", experiment_file, "Experiment file (experiments/*.json); flags override it");
    sweep->add_option("-o,--out", out_dir, "Sweep directory (an interrupted sweep resumes there)")->required();
    sweep->add_option("--param", parameter,
                      "Parameter: lr (alpha), batch_size (B), weight_decay (beta), decay_stop (t_stop), "
                      "init_scale (s), dropout (d), label_noise (rho), per_class (M), delta_scale (gamma), "
                      "learners (n); names: algo (ssgd, dpsgd), mixing (ring, all)");
    sweep->add_option("--values", values, "Values of the parameter (numbers, or names for algo and mixing)")
        ->delimiter(',');
    sweep->add_option("--repeats", spec.repeats, "Repeats per value, with seeds seed+0 .. seed+R-1")->capture_default_str();
    sweep->add_option("-j,--jobs", jobs, "Solutions trained at once, one process each")->capture_default_str();
    add_training_options(*sweep, cfg);
    add_analysis_options(*sweep, cfg.analysis);

    auto* compare = app.add_subcommand(
        "compare", "SSGD vs DPSGD at the same n, b, alpha and seeds (paper Fig. 5-6): a sweep over algo, then the "
                   "side-by-side report with the noise eta(t)");
    common(compare, compare_cfg);
    compare->add_option("-o,--out", out_dir, "Compare directory (an interrupted compare resumes there)")->required();
    compare->add_option("--repeats", compare_repeats, "Repeats per algorithm, with seeds seed+0 .. seed+R-1")
        ->capture_default_str();
    compare->add_option("-j,--jobs", jobs, "Solutions trained at once, one process each")->capture_default_str();
    add_training_options(*compare, compare_cfg);
    compare->remove_option(compare->get_option("--algo"));  // compare trains both; --algo would be ignored
    add_analysis_options(*compare, compare_cfg.analysis);

    auto* report = app.add_subcommand("report", "Aggregate a sweep or a compare: tables, figures, report.html");
    report->add_option("sweep_dir", run_dir, "Sweep directory")->required();

    auto* launch = app.add_subcommand(
        "launch", "Run COMMAND as N local processes, ranks of one Gloo group (for --backend gloo)");
    distributed::LaunchOptions launch_opts;
    launch->add_option("-n,--processes", launch_opts.processes, "N: processes, ranks 0..N-1")->required();
    launch->add_option("--port", launch_opts.port, "MASTER_PORT (0 = a free port)")->capture_default_str();
    launch->add_option("--timeout", launch_opts.grace_seconds,
                       "Seconds the other ranks get to stop after one fails, before SIGTERM (then as long "
                       "again before SIGKILL)")
        ->capture_default_str();
    launch->add_option("command", launch_opts.command, "-- COMMAND ARGS... (the command awd means this awd)")
        ->required();

    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app.exit(e);
    }

    if (*launch) {
      launch_opts.self_exe = self_executable();
      return distributed::launch(launch_opts);
    }
    // With --backend gloo only rank 0 (which holds learner 0 and writes the
    // outputs) talks to the user; the other ranks' errors still reach stderr.
    const bool secondary = distributed::is_secondary_rank(cfg.learners.backend);
    if (secondary) quiet = true;
    if (!secondary) util::warn_if_slow_blas();
    const experiments::OutputOptions out{out_dir, force, !quiet};
    if (*train) {
      const auto r = experiments::train_solution(cfg, out);
      if (!secondary)
        std::printf("%s after %lld epochs (%.2f s): train loss %.4g, train accuracy %.4f\nrun directory: %s\n",
                    to_string(r.stop_reason).c_str(), static_cast<long long>(r.epochs), r.seconds, r.train_loss,
                    r.train_accuracy, out_dir.c_str());
    } else if (*analyze) {
      const auto a = experiments::analyze_solution(run_dir, cfg.analysis, name, force);
      std::printf("%sresults: %s\n", a.table.c_str(), a.dir.c_str());
    } else if (*run) {
      const auto a = experiments::run_solution(cfg, out);
      if (!secondary) std::printf("%sresults: %s\n", a.table.c_str(), a.dir.c_str());
    } else if (*sweep) {
      if (!parameter.empty()) spec.parameter = experiments::canonical_parameter(parameter);
      if (!values.empty()) {
        if (spec.parameter.empty()) throw std::invalid_argument("sweep: --values needs --param NAME");
        spec.values.clear();
        for (const auto& v : values) spec.values.push_back(experiments::parse_value(spec.parameter, v));
      }
      if (spec.parameter.empty()) throw std::invalid_argument("sweep: give --experiment FILE or --param NAME");
      if (spec.values.empty()) throw std::invalid_argument("sweep: no values to sweep (--values a,b,c)");
      if (spec.name.empty()) spec.name = spec.parameter;
      spec = experiments::sweep_spec_from_json(experiments::to_json(spec), "sweep");  // validates every value
      const auto st = experiments::run_sweep(spec, {out_dir, jobs, self_executable(), !quiet});
      std::printf("%s", experiments::write_report(out_dir).c_str());
      std::printf("sweep: %d solutions, %d already finished, %d run, %d diverged, %d failed; report: %s/report\n",
                  st.total, st.already_done, st.ran, st.diverged, st.failed, out_dir.c_str());
      if (st.failed) return 1;
    } else if (*compare) {
      const auto cspec = experiments::compare_spec(compare_cfg, compare_repeats);
      experiments::check_learners_fit(cspec.base);
      const auto st = experiments::run_sweep(cspec, {out_dir, jobs, self_executable(), !quiet});
      std::printf("%s", experiments::write_compare_report(out_dir).c_str());
      std::printf("compare: %d solutions, %d already finished, %d run, %d diverged, %d failed; report: %s/report\n",
                  st.total, st.already_done, st.ran, st.diverged, st.failed, out_dir.c_str());
      if (st.failed) return 1;
    } else if (*report) {
      if (experiments::is_compare_dir(run_dir))
        std::printf("%s", experiments::write_compare_report(run_dir).c_str());
      else
        std::printf("%s", experiments::write_report(run_dir).c_str());
    }
    return 0;
  } catch (const experiments::TrainingDiverged& e) {
    std::fprintf(stderr, "awd: %s\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    std::string msg = e.what();
    if (const auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
    std::fprintf(stderr, "awd: %s\n", msg.c_str());
    return 2;
  }
}

}  // namespace awd::cli
