// What the fuzz targets share. The readers take paths, so each input becomes
// files in a scratch folder of the process's own (libFuzzer runs one input at
// a time per process, so the same names are reused). A reader's refusal is a
// std::exception whose message is one line starting "PATH: "; anything else
// it does (a crash, a sanitizer report, a c10::Error, a message that names no
// file or spans lines, a result that breaks the reader's promise) is a finding.
#pragma once
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

namespace awd::fuzz {

/// Separates the files of one input (IDX images and labels, CIFAR batches,
/// the four .npy files); in the dictionaries so the fuzzer can add and drop it.
inline constexpr char kSeparator[] = "AWDSPLIT";

/// `data` cut at each kSeparator into at most `max_parts` parts (the last
/// keeps the rest, separators included); always at least one part.
std::vector<std::string> split_input(const uint8_t* data, size_t size, size_t max_parts);

/// $AWD_FUZZ_TMP, /dev/shm or /tmp, plus a folder named by the process id,
/// created on first use and removed at exit.
const std::string& scratch_dir();

/// Writes `content` to scratch_dir()/name and returns its path.
std::string write_scratch(const std::string& name, const std::string& content);

/// Prints `what` and aborts, so libFuzzer (or the replay) records the input.
[[noreturn]] void finding(const std::string& what);

/// A finding unless `e` says, in one line, which of `paths` is wrong ("PATH: ...").
void require_clean_refusal(const std::exception& e, const std::vector<std::string>& paths);

}  // namespace awd::fuzz
