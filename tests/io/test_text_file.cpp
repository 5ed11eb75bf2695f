// io/text_file: files are written atomically (temp file + rename).
#include <gtest/gtest.h>

#include <filesystem>
#include <iterator>
#include <stdexcept>

#include "awd/io/text_file.h"
#include "test_files.h"

namespace fs = std::filesystem;
using namespace awd;

TEST(Files, AtomicWriteLeavesOnlyTheFinishedFile) {
  test_util::TempDir dir;
  const auto p = (dir / "a.txt").string();
  io::write_atomic(p, "one");
  io::write_atomic(p, "two");
  EXPECT_EQ(test_util::read_bytes(p), "two");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.str()), fs::directory_iterator{}), 1);
  EXPECT_THROW(io::write_atomic((dir / "missing" / "a.txt").string(), "x"), std::runtime_error);
}
