// Runs a fuzz target once over every file in the folders (or files) given:
// the test suite's replay of the seed corpus and the regression inputs, built
// with the normal compiler, no libFuzzer needed. A finding aborts, which fails
// the test with the input's name printed just before.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> inputs_in(const fs::path& where) {
  std::vector<fs::path> files;
  if (fs::is_regular_file(where)) files.push_back(where);
  if (fs::is_directory(where))
    for (const auto& e : fs::recursive_directory_iterator(where))
      if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  size_t runs = 0;
  for (int i = 1; i < argc; ++i) {
    // A regression folder may not exist yet; the seeds must (checked below).
    const auto files = inputs_in(argv[i]);
    for (const auto& f : files) {
      std::fprintf(stderr, "replay %s\n", f.c_str());
      std::ifstream in(f, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++runs;
    }
  }
  if (runs == 0) {
    std::fprintf(stderr, "no inputs in the folders given (run fuzz/make_seeds.py first?)\n");
    return 1;
  }
  std::printf("%zu inputs replayed, no finding\n", runs);
  return 0;
}
