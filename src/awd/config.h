// The full configuration of a run: everything that decides its numbers.
// Defaults are those of SPEC §7 (MNIST experiments) and SPEC §3-5 (analysis).
#pragma once
#include <array>
#include <stdexcept>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "awd/util/progress.h"

namespace awd {

// Named options are enums, parsed once where they enter (command line, config
// file, sweep value) and spelled in files as they always were.
enum class Arch { kMlp, kCnn, kResnet18, kDensenet121 };
enum class Init { kXavier, kTorch };
enum class DecayPenalty { kNorm, kSquared };
enum class DecayScope { kWeights, kAll };
enum class Algo { kSsgd, kDpsgd };
enum class Mixing { kRing, kAll };
enum class Backend { kLocal, kGloo };
enum class Basis { kHessian, kFisher };
/// Why training stopped (training.json's stop_reason).
enum class StopReason { kStopRule, kMaxEpoch, kDiverged };

/// OptionNames<E>::names: the option's name, and the spellings of its values
/// in enum order.
template <class E>
struct OptionNames;
template <size_t N>
struct Spelled {
  const char* option;
  std::array<const char*, N> spellings;
};
// clang-format off
template <> struct OptionNames<Arch> { static constexpr Spelled<4> names{"arch", {"mlp", "cnn", "resnet18", "densenet121"}}; };
template <> struct OptionNames<Init> { static constexpr Spelled<2> names{"init", {"xavier", "torch"}}; };
template <> struct OptionNames<DecayPenalty> { static constexpr Spelled<2> names{"decay_penalty", {"norm", "squared"}}; };
template <> struct OptionNames<DecayScope> { static constexpr Spelled<2> names{"decay_scope", {"weights", "all"}}; };
template <> struct OptionNames<Algo> { static constexpr Spelled<2> names{"algo", {"ssgd", "dpsgd"}}; };
template <> struct OptionNames<Mixing> { static constexpr Spelled<2> names{"mixing", {"ring", "all"}}; };
template <> struct OptionNames<Backend> { static constexpr Spelled<2> names{"backend", {"local", "gloo"}}; };
template <> struct OptionNames<Basis> { static constexpr Spelled<2> names{"basis", {"hessian", "fisher"}}; };
template <> struct OptionNames<StopReason> { static constexpr Spelled<3> names{"stop_reason", {"stop_rule", "max_epoch", "diverged"}}; };
// clang-format on

/// The spelling of an option value ("ssgd" for Algo::kSsgd).
template <class E>
std::string to_string(E value) {
  return OptionNames<E>::names.spellings[static_cast<size_t>(value)];
}

/// The spellings of an option, "a, b" (for messages and help texts).
template <class E>
std::string spellings() {
  std::string out;
  for (const char* s : OptionNames<E>::names.spellings) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

/// The value spelled `text`; std::invalid_argument "algo must be ssgd or dpsgd" otherwise.
template <class E>
E parse_option(const std::string& text) {
  const auto& names = OptionNames<E>::names.spellings;
  std::string choices;
  for (size_t i = 0; i < names.size(); ++i) {
    if (text == names[i]) return static_cast<E>(i);
    choices += std::string(i == 0 ? "" : (i + 1 == names.size() ? " or " : ", ")) + names[i];
  }
  throw std::invalid_argument(std::string(OptionNames<E>::names.option) + " must be " + choices);
}

/// Which samples are used (SPEC §7).
struct DataConfig {
  std::string path = "/usr/share/datasets/fashion-mnist";  ///< folder of IDX files or CIFAR-10 batches
  int64_t per_class = 400;   ///< M, correctly labelled training samples per class
  int64_t n_test = 1000;     ///< test samples, class-balanced
  double label_noise = 0.0;  ///< rho, fraction of training samples with a wrong label
  uint64_t seed = 0;         ///< fixes the subset and the corrupted labels
  /// Per-channel input normalisation (x - mean_c) / std_c over dimension 1,
  /// for training and analysis alike (empty = none; CIFAR-10 nets: SPEC §9).
  std::vector<double> mean, std;
};

/// The network (SPEC §7).
struct ModelConfig {
  Arch arch = Arch::kMlp;               ///< the MLP, the paper's CIFAR-10 CNN (SPEC §7), or ResNet-18 / DenseNet-121 (SPEC §9)
  std::vector<int64_t> hidden = {30, 30};  ///< hidden widths of the MLP only (the CNN's are fixed: 120, 25; not recorded for it)
  /// ResNet-18's base width w (stages w, 2w, 4w, 8w) or DenseNet-121's growth
  /// rate k; 0 = the paper's (64, 32). Recorded only for those two archs.
  int64_t width = 0;
  bool bias = false;                    ///< biases of the dense layers (ResNet/DenseNet: of fc/classifier only)
  double dropout = 0.0;                 ///< d, after the first hidden layer
  Init init = Init::kXavier;            ///< xavier: U(+-s sqrt(6/(in+out))); torch: U(+-s/sqrt(in))
  double init_scale = 1.0;              ///< s
  /// A folder of NAME.npy files, one per parameter and buffer, loaded over
  /// the initialisation before training ("" = none; store/weights_folder.h).
  std::string init_from;
  /// The preset the run started from ("" = none), recorded for the reader of
  /// config.json; every value it set is recorded in its own field as well.
  std::string preset;
};

/// Plain SGD with the paper's knobs (SPEC §7).
struct TrainConfig {
  double lr = 0.1;                  ///< alpha
  int64_t batch_size = 25;          ///< B
  double weight_decay = 0.0;        ///< beta
  int64_t decay_stop = 200;         ///< t_stop, epochs with weight decay
  DecayPenalty decay_penalty = DecayPenalty::kNorm;  ///< norm: beta ||w||; squared: beta/2 ||w||^2
  double stop_loss = 1e-3;          ///< eps
  double stop_accuracy = 0.99;      ///< training accuracy that must also be exceeded
  int64_t max_epoch = 1000;
  uint64_t seed = 0;                ///< fixes init, shuffling, dropout and augmentation
  // The recipe of the large networks (SPEC §9); the defaults are the paper's plain SGD.
  double momentum = 0.0;            ///< mu: heavy-ball momentum (PyTorch's form, no dampening)
  bool nesterov = false;            ///< Nesterov's momentum (needs momentum > 0)
  std::vector<int64_t> lr_steps;    ///< epochs after which lr is multiplied by lr_factor
  double lr_factor = 0.1;
  int64_t warmup_epochs = 0;        ///< lr rises linearly step by step over these first epochs
  /// weights: the penalty acts on Linear and Conv2d weights only (BatchNorm
  /// parameters and biases excluded); all: on every parameter.
  DecayScope decay_scope = DecayScope::kWeights;
  bool augment = false;             ///< 4-pixel zero-padded random crop and horizontal flip (images only)
  bool fixed_epochs = false;        ///< train exactly max_epoch epochs: the stop rule is off
  /// Evaluate the reported weights (BatchNorm recalibration, training and test
  /// loss, the stop rule) every k-th epoch and at the last; 0 = auto: every
  /// epoch for networks without BatchNorm, every train::kBatchNormEvalEvery
  /// with it (train/trainer.h, EpochEnd, says which epochs and why).
  int64_t eval_every = 0;
  /// Analyse the chosen layer at epochs 0, k, 2k, ... and the last, each
  /// from its saved snapshot (RUN_DIR/snapshots, RUN_DIR/trajectory); 0 = off.
  /// The snapshots read no random stream: the final weights are the same.
  int64_t analyze_every = 0;
};

/// Several learners (SPEC §8). train.batch_size is each learner's local
/// batch b, so the total batch is B = n b.
struct LearnersConfig {
  int64_t count = 1;              ///< n
  Algo algo = Algo::kSsgd;        ///< ssgd: gradients at the mean weights; dpsgd: at each learner's own
  Mixing mixing = Mixing::kRing;  ///< DPSGD neighbourhood: ring (a-1, a, a+1) or all
  /// local: all n learners in this process; gloo: one learner per process,
  /// over c10d/Gloo with MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE (see `awd launch`).
  Backend backend = Backend::kLocal;
  int64_t noise_every = 0;        ///< record the noise eta(t) every k steps into noise.csv (0 = never)
  int64_t noise_top = 5;          ///< top Hessian directions of the analysed layer eta is projected on
};

/// The duality analysis (SPEC §2-5).
struct AnalysisConfig {
  std::string layer = "fc2";      ///< analysed dense layer
  Basis basis = Basis::kHessian;  ///< the Hessian or the empirical Fisher
  double delta_scale = 1.0;       ///< gamma
  int64_t max_test = 0;           ///< K: analyse only the first K test samples (0 = all)
  int64_t n_sharp = -1;           ///< fix n_s (-1 = steepest log-drop rule)
  int64_t flatness_top = 0;       ///< flatness F_i of the top-K ranked directions (0 = off; paper Fig. S6)
  /// k > 0: decompose along the top-k eigenvectors only (matrix-free Lanczos)
  /// plus the exact remainder of the other N - k; 0 = the dense eigh of all N;
  /// -1 = chosen by predicted time and memory (duality/basis_choice.h).
  int64_t basis_rank = -1;
  /// Also estimate the trace (Hutchinson) and the spectral density (stochastic
  /// Lanczos quadrature) of the basis matrix, matrix-free.
  bool spectrum = false;
  /// Where the progress of stages longer than a few seconds goes (Hessian
  /// blocks, eigh's predicted time, Lanczos products, the decomposition):
  /// stderr by default, nowhere when empty (-q). Not part of the configuration
  /// files.
  util::ProgressSink progress = util::stderr_sink();
};

struct RunConfig {
  DataConfig data;
  ModelConfig model;
  TrainConfig train;
  LearnersConfig learners;
  AnalysisConfig analysis;
  int threads = 0;  ///< OpenBLAS threads (0 = 1 for training, all cores for the analysis)
};

/// Throws std::invalid_argument with a one-line message when a value is out of range.
void validate(const RunConfig& cfg);

/// The data folder and the --init-from folder as absolute paths (lexically
/// normal), so that what a run or a sweep records names the same files
/// whatever the working directory of a later command. Empty paths stay empty.
void make_paths_absolute(RunConfig& cfg);

/// The layer a network of `arch` analyses unless told otherwise: the paper's
/// fc2 for the MLP and the CNN (AnalysisConfig's default), the last layer of
/// ResNet-18 (fc) and DenseNet-121 (classifier), which have no fc2.
std::string default_layer(Arch arch);
/// Replaces AnalysisConfig's default layer by default_layer(cfg.model.arch);
/// any other layer name is left as it is. Every command applies it once to
/// the configuration it runs (and apply_preset to a preset's).
void default_layer_of_arch(RunConfig& cfg);

/// The names apply_preset knows, in the order they are listed to the user.
const std::vector<std::string>& preset_names();

/// Sets the fields a named experiment of the paper fixes, and records the name
/// in cfg.model.preset; fields a preset does not name keep their values (the
/// data path among them). Apply it before user options, which then override.
///   mnist-mlp   the defaults: MLP 784-30-30-10, analysed layer fc2
///   mnist-mlp4  the SI variant with four hidden layers of 30 (fc2 still analysed)
///   cifar-cnn   the CIFAR-10 CNN, analysed layer fc2 (120 -> 25), its own lr and eps
///   resnet18-cifar, densenet121-cifar   SPEC §9's recipe at full scale (all of
///               CIFAR-10, 16 learners x 512, lr 3.2, 320 epochs), last layer analysed
///   resnet18-cifar-cpu, densenet121-cifar-cpu   the same recipe at a scale 2 cores
///               train in minutes (width 16 / growth 8, 2000 images, 4 x 32, 30 epochs)
///   resnet18-fig7-cpu, densenet121-fig7-cpu   Fig. 7 at CPU scale trained to the
///               stop rule (eps 0.05, accuracy > 99 %): 4 learners x b = 16 % of the
///               training set, lr 3.2 B / 8192 after a 3-epoch warm-up, no augmentation;
///               ResNet-18 w 16 on 2000 images (4 x 80), DenseNet-121 k 8 on 500 (4 x 20)
/// Throws std::invalid_argument listing the known names for any other name.
void apply_preset(RunConfig& cfg, const std::string& name);

}  // namespace awd
