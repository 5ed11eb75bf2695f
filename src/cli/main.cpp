#include "awd/util/allocator.h"
#include "commands.h"

int main(int argc, char** argv) {
  awd::util::tune_allocator();  // before LibTorch allocates anything large
  return awd::cli::run(argc, argv);
}
