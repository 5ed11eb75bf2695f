// What went wrong inside a TorchScript model, in one line. Torch-free.
#pragma once
#include <string>

namespace awd::duality {

/// The first line of the cause in a TorchScript interpreter error: the
/// interpreter prints "The following operation failed in the TorchScript
/// interpreter.", two tracebacks (serialized code, then original code) and
/// last the error as Python reports it ("RuntimeError: ...",
/// "builtins.ValueError: ..."); this returns that error's first line, with a
/// "builtins." prefix dropped. A message without tracebacks gives its first
/// non-empty line.
std::string script_error_cause(const std::string& message);

}  // namespace awd::duality
