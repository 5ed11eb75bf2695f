// Fuzz target: read_cifar10 over up to three batch files, the input's parts
// between AWDSPLIT separators.
#include <c10/util/Exception.h>

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "awd/data/dataset.h"
#include "fuzz_files.h"

namespace {

/// What read_cifar10 promises of what it returns.
void check_cifar_result(const awd::data::Dataset& ds, size_t batches) {
  using awd::fuzz::finding;
  if (ds.images.dim() != 4 || ds.images.size(1) != 3 || ds.images.size(2) != 32 || ds.images.size(3) != 32)
    finding("CIFAR images are not [N, 3, 32, 32]");
  if (ds.labels.dim() != 1 || ds.labels.size(0) != ds.images.size(0)) finding("CIFAR labels and images differ in count");
  if (ds.labels.min().item<int64_t>() < 0 || ds.labels.max().item<int64_t>() > 9) finding("a CIFAR label out of range was accepted");
  if (ds.files.size() != batches) finding("CIFAR file records do not match the batches read");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = awd::fuzz::split_input(data, size, 3);
  std::vector<std::string> paths;
  for (size_t i = 0; i < parts.size(); ++i)
    paths.push_back(awd::fuzz::write_scratch("data_batch_" + std::to_string(i + 1) + ".bin", parts[i]));
  try {
    check_cifar_result(awd::data::read_cifar10(paths), paths.size());
  } catch (const c10::Error& e) {
    awd::fuzz::finding(std::string("a LibTorch error escaped read_cifar10: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    awd::fuzz::require_clean_refusal(e, paths);
  }
  return 0;
}
