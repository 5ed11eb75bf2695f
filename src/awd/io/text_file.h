// Whole files in and out, written atomically. Torch-free, so that the report
// and the run-status readers need no LibTorch.
#pragma once
#include <string>

namespace awd::io {

/// Writes `content` to a temporary file beside `path` (PATH.tmp.HOST.PID) and
/// renames it over `path`, so a reader (or an interrupted run) never sees half
/// a file. Throws std::runtime_error naming the path on failure.
void write_atomic(const std::string& path, const std::string& content);

/// ".tmp.HOST.PID": what this process appends to a file name for a temporary
/// file of its own (write_atomic's, or another writer's such as gnuplot's), so
/// that remove_stale_temporaries finds it once this process is gone.
std::string temporary_suffix();

/// Removes the temporaries write_atomic left in `dir` when its process died:
/// those of this host whose process no longer exists (another machine's, on a
/// shared folder, may still be written).
void remove_stale_temporaries(const std::string& dir);

/// Creates `path` holding `content` only if no file of that name exists:
/// writes a temporary file beside it and link(2)s it to `path`, which is atomic
/// and exclusive on local filesystems and on NFS alike (O_EXCL is not on old
/// NFS). Returns false, leaving the existing file alone, when `path` exists;
/// throws std::runtime_error naming the path on any other failure.
bool write_exclusive(const std::string& path, const std::string& content);

/// Text from a file, fit to quote in a one-line message: bytes outside
/// printable ASCII (a newline, a carriage return, binary garbage) become '?'.
std::string printable(std::string text);

/// Reads a whole file; throws std::runtime_error naming it if it cannot.
std::string read_text(const std::string& path);

}  // namespace awd::io
