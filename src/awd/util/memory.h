// How much memory the machine can give, for estimates made before large allocations.
#pragma once
#include <cstdint>
#include <string>

namespace awd::util {

/// MemAvailable of /proc/meminfo in bytes (0 where it cannot be read).
int64_t available_memory_bytes();

/// "1.2 GB": bytes for a message.
std::string format_bytes(double bytes);

}  // namespace awd::util
