// The awd command line: parses options into a RunConfig and delegates to the library.
#pragma once

namespace awd::cli {

/// Runs the command line; returns the process exit code.
int run(int argc, char** argv);

}  // namespace awd::cli
