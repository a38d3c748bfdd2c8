#pragma once
// Dates and times as analysts write them: civil (local, zone-less) time,
// parsed with strftime-style formats. Stored as seconds since 1970-01-01 00:00
// on the proleptic Gregorian calendar, with no time zone applied.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rtm {

std::int64_t days_from_civil(int y, unsigned m, unsigned d);
std::optional<std::int64_t> civil_seconds(int y, int mo, int d, int h, int mi, int s);

// Parses `text` with `format`. Supported: %Y %m %d %H %M %S %I %p %y %% and
// literal characters; a space in the format matches one or more spaces.
// The special format "iso" accepts YYYY-MM-DD, optionally followed by 'T' or
// ' ' and HH:MM[:SS[.fff]] (a trailing 'Z' or offset is rejected: use civil time).
// Returns nothing when the text does not match or names an impossible date.
std::optional<std::int64_t> parse_civil_time(std::string_view text, std::string_view format);

// "YYYY-MM-DD HH:MM:SS"
std::string format_civil_time(std::int64_t seconds);
// "YYYY-MM-DD"
std::string format_civil_date(std::int64_t seconds);

// A half-open window [start_s, end_s) of civil time.
struct TimeWindow {
  std::int64_t start_s = 0;
  std::int64_t end_s = 0;
  bool contains(std::int64_t t) const { return t >= start_s && t < end_s; }
};

}  // namespace rtm
