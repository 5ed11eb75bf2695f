// A refused command leaves no empty output folder behind, and never touches
// a folder that existed before it or that holds a file (experiments/output_guard.h).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "awd/experiments/output_guard.h"
#include "awd/io/text_file.h"
#include "test_files.h"

namespace fs = std::filesystem;

using awd::experiments::OutputGuard;

TEST(OutputGuard, RemovesTheFoldersItFoundMissingWhenTheyHoldNoFile) {
  test_util::TempDir tmp;
  {
    OutputGuard guard((tmp / "a/b/c").string());
    fs::create_directories(tmp / "a/b/c/figures");
  }
  EXPECT_FALSE(fs::exists(tmp / "a"));  // the highest missing folder, not only c
  EXPECT_TRUE(fs::exists(tmp.str()));
}

TEST(OutputGuard, KeepsAFolderThatExistedBefore) {
  test_util::TempDir tmp;
  fs::create_directories(tmp / "out");
  { OutputGuard guard((tmp / "out").string()); }
  EXPECT_TRUE(fs::is_directory(tmp / "out"));
  fs::create_directories(tmp / "user");
  {
    OutputGuard guard((tmp / "user/new/").string());  // a trailing slash names the same folder
    fs::create_directories(tmp / "user/new");
  }
  EXPECT_TRUE(fs::is_directory(tmp / "user"));
  EXPECT_FALSE(fs::exists(tmp / "user/new"));
}

TEST(OutputGuard, KeepsAFolderHoldingAFileOrOnceDismissed) {
  test_util::TempDir tmp;
  {
    OutputGuard guard((tmp / "partial").string());
    fs::create_directories(tmp / "partial/deep");
    awd::io::write_atomic((tmp / "partial/deep/summary.json").string(), "{}");
  }
  EXPECT_TRUE(fs::exists(tmp / "partial/deep/summary.json"));
  {
    OutputGuard guard((tmp / "done").string());
    fs::create_directories(tmp / "done");
    guard.dismiss();
  }
  EXPECT_TRUE(fs::is_directory(tmp / "done"));
  { OutputGuard guard(""); }  // guards nothing, least of all the working directory
  EXPECT_TRUE(fs::exists(fs::current_path()));
}
