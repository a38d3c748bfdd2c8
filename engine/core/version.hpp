#pragma once
namespace rtm {
#ifndef RTM_VERSION
#define RTM_VERSION "0.0.0"
#endif
inline constexpr const char* kRtmVersion = RTM_VERSION;
}  // namespace rtm
