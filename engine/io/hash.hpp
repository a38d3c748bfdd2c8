#pragma once
#include <string>

namespace rtm::io {
// SHA-256 of a file's bytes, hex; "" when the path is not a readable file.
std::string sha256_file(const std::string& path);
}  // namespace rtm::io
