#pragma once
// Scale bar lengths in round numbers (no Cairo here; drawing is in decorations).
#include <string>

namespace rtm::render {

// The largest length of the form {1, 2, 5} x 10^k that is <= max_length (> 0); 0 otherwise.
double round_scale_length(double max_length);
// 500 -> "500 m", 1000 -> "1 km", 2500 -> "2.5 km", 0.5 -> "0.5 m".
std::string length_label(double metres);

}  // namespace rtm::render
