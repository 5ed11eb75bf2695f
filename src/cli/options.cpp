#include "options.h"

#include <cstdint>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "awd/distributed/gloo_exchange.h"
#include "awd/duality/basis_choice.h"
#include "awd/experiments/compare.h"
#include "awd/store/config_json.h"
#include "awd/train/trainer.h"
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

}  // namespace

CLI::Option* add_seed_option(CLI::App& app, const std::string& flags, uint64_t& value, const std::string& help) {
  return app
      .add_option_function<std::string>(
          flags,
          [&value, flags](const std::string& text) {
            const std::string name = flags.substr(0, flags.find(','));
            if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
              throw std::invalid_argument(name + ": '" + text + "' is not a whole number from 0 to 18446744073709551615");
            uint64_t v = 0;
            for (char c : text) {
              const uint64_t d = static_cast<uint64_t>(c - '0');
              if (v > (std::numeric_limits<uint64_t>::max() - d) / 10)
                throw std::invalid_argument(name + ": " + text + " exceeds 18446744073709551615, the largest seed");
              v = v * 10 + d;
            }
            value = v;
          },
          help)
      ->type_name("UINT")
      ->default_str(std::to_string(value));
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
  add_seed_option(app, "--data-seed", c.data.seed, "Seed of the data subset and label noise");
  add_named_option(app, "--arch", c.model.arch, "Network architecture");
  app.add_option("--hidden", c.model.hidden, "Hidden layer widths of the MLP")->delimiter(',')->capture_default_str();
  app.add_option("--width", c.model.width, "ResNet-18 base width / DenseNet-121 growth rate (0 = the paper's: 64 / 32)")
      ->capture_default_str();
  app.add_option("--bias", c.model.bias, "Dense layers with biases (resnet18/densenet121: the last layer)")
      ->capture_default_str();
  app.add_option("-d,--dropout", c.model.dropout, "d: dropout fraction after the first hidden layer")
      ->capture_default_str();
  add_named_option(app, "--init", c.model.init, "xavier: U(+-s sqrt(6/(in+out))); torch: U(+-s/sqrt(in))");
  app.add_option("-s,--init-scale", c.model.init_scale, "s: scale of the initial weights")->capture_default_str();
  app.add_option("--init-from", c.model.init_from,
                 "Start from the weights in DIR/NAME.npy, one per parameter and buffer (a run's weights/ folder, "
                 "or PyTorch's state_dict saved by name)");
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
  add_seed_option(app, "--seed", c.train.seed, "Seed of init, shuffling, dropout and augmentation");
  app.add_option("--momentum", c.train.momentum, "mu: SGD momentum (0 = plain SGD)")->capture_default_str();
  app.add_flag("--nesterov", c.train.nesterov, "Nesterov's momentum");
  app.add_option("--lr-steps", c.train.lr_steps, "Epochs after which lr is multiplied by --lr-factor (e.g. 160,240)")
      ->delimiter(',');
  app.add_option("--lr-factor", c.train.lr_factor, "Factor of each lr step")->capture_default_str();
  app.add_option("--warmup-epochs", c.train.warmup_epochs, "Linear lr warm-up over the first epochs' steps")
      ->capture_default_str();
  add_named_option(app, "--decay-scope", c.train.decay_scope,
                   "weights: Linear/Conv2d weights only (no BatchNorm parameters, no biases); all: every parameter");
  app.add_flag("--augment", c.train.augment, "Random crop (4-pixel zero padding) and horizontal flip, seeded");
  app.add_flag("--fixed-epochs", c.train.fixed_epochs, "Train exactly --max-epoch epochs (the stop rule off)");
  app.add_option("--eval-every", c.train.eval_every,
                 "Evaluate (and check the stop rule) every k epochs and at the last; 0 = auto: every epoch "
                 "without BatchNorm, every " + std::to_string(train::kBatchNormEvalEvery) +
                     " with it (resnet18, densenet121)")
      ->capture_default_str();
  app.add_option("--analyze-every", c.train.analyze_every,
                 "Analyse the layer at epochs 0, k, 2k, ... and the last, from kept snapshots, into "
                 "RUN_DIR/trajectory (0 = off)")
      ->capture_default_str();
  app.add_option_function<std::vector<double>>(
         "--normalize",
         [&c](const std::vector<double>& v) {
           if (v.size() % 2 != 0)
             throw std::invalid_argument("--normalize takes C means then C standard deviations, not " +
                                         std::to_string(v.size()) + " numbers");
           c.data.mean.assign(v.begin(), v.begin() + v.size() / 2);
           c.data.std.assign(v.begin() + v.size() / 2, v.end());
         },
         "Per-channel input normalisation MEAN_1..MEAN_C,STD_1..STD_C")
      ->delimiter(',');
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
  app.add_option("--layer", a.layer,
                 "Dense layer to analyse (default: " + default_layer(Arch::kMlp) + "; resnet18: " +
                     default_layer(Arch::kResnet18) + ", densenet121: " + default_layer(Arch::kDensenet121) + ")");
  add_named_option(app, "--basis", a.basis, "hessian or fisher (empirical Fisher)");
  app.add_option("--delta-scale", a.delta_scale, "gamma: analyse gamma dW_k instead of dW_k")->capture_default_str();
  app.add_option("--max-test", a.max_test, "K: analyse only the first K test samples (0 = all)")
      ->capture_default_str();
  app.add_option("--n-sharp", a.n_sharp, "Fix n_s (-1 = rank of the steepest log drop of sigma_g)")
      ->capture_default_str();
  app.add_option("--flatness-top", a.flatness_top, "Flatness F_i of the top K directions by sigma_g (0 = off)")
      ->capture_default_str();
  app.add_option("--basis-rank", a.basis_rank,
                 "k: decompose along the top k directions (matrix-free Lanczos) plus the exact remainder; "
                 "0 = all N by a dense eigh; -1 = the dense eigh when predicted within " +
                     std::to_string(int(duality::kDenseBudgetSeconds)) + " s or no slower than the top " +
                     std::to_string(duality::kDefaultBasisRank) + ", else the top " +
                     std::to_string(duality::kDefaultBasisRank) + " (the prediction is printed)")
      ->capture_default_str();
  app.add_flag("--spectrum", a.spectrum, "Also estimate the trace (Hutchinson) and the spectral density (SLQ)");
}

void add_common_options(CLI::App& sub, RunConfig& c, CommonFlags& flags) {
  sub.add_option("--config", flags.config_file, "JSON config file (flags override it)");
  sub.add_option("--preset", flags.preset,
                 "mnist-mlp (default), mnist-mlp4 (4 hidden layers of 30), cifar-cnn, resnet18-cifar, "
                 "densenet121-cifar (SPEC §9 at full scale), resnet18-cifar-cpu or densenet121-cifar-cpu (2 cores, 30 epochs), "
                 "resnet18-fig7-cpu or densenet121-fig7-cpu (2 cores, trained to the stop rule, B = 16% of the "
                 "training set, no augmentation); "
                 "applied over --config, flags override it");
  sub.add_option("--threads", c.threads, "BLAS threads (0 = 1 for training, all cores for the analysis)")
      ->capture_default_str();
  sub.add_flag("--force", flags.force, "Overwrite a finished run or analysis");
  sub.add_flag("-q,--quiet", flags.quiet, "No progress on stderr");
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

bool begin_command(RunConfig& cfg, bool& quiet) {
  default_layer_of_arch(cfg);
  const bool secondary = distributed::is_secondary_rank(cfg.learners.backend);
  if (secondary) quiet = true;
  if (quiet) cfg.analysis.progress = {};
  if (!secondary) util::warn_if_slow_blas();
  return secondary;
}

}  // namespace awd::cli
