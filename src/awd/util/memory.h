// How much memory the machine can give, for estimates made before large allocations.
#pragma once
#include <cstdint>
#include <string>

namespace awd::util {

/// MemAvailable of /proc/meminfo in bytes (0 where it cannot be read).
int64_t available_memory_bytes();

/// A size as given on the command line: a whole number of bytes, or a number
/// with a binary suffix K, M, G or T (optionally followed by B or iB, any
/// case): "8G" = 8 * 2^30. std::invalid_argument naming `text` otherwise.
int64_t parse_bytes(const std::string& text);

/// The default limit of an estimate: 90% of available_memory_bytes() (0 where it cannot be read).
int64_t default_memory_limit();

/// "1.2 GB": bytes for a message.
std::string format_bytes(double bytes);

}  // namespace awd::util
