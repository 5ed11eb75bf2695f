#include "commands.h"

int main(int argc, char** argv) { return awd::cli::run(argc, argv); }
