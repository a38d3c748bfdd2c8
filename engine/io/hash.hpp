#pragma once
#include <cstddef>
#include <string>

namespace rtm::io {
// SHA-256 of a file's bytes, hex; "" when the path is not a readable file.
std::string sha256_file(const std::string& path);
// SHA-256 of bytes in memory, hex.
std::string sha256_bytes(const void* data, std::size_t size);
}  // namespace rtm::io
