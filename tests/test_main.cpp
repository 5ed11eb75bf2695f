#include <gtest/gtest.h>

#include "awd/util/allocator.h"
#include "awd/util/threads.h"

int main(int argc, char** argv) {
  awd::util::tune_allocator();
  ::testing::InitGoogleTest(&argc, argv);
  awd::util::set_threads(1);
  return RUN_ALL_TESTS();
}
