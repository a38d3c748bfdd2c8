#include "core/civil_time.hpp"

#include <cctype>
#include <cstdio>

namespace rtm {

// Howard Hinnant's days_from_civil (public domain algorithm).
std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? static_cast<unsigned>(-3) : 9u)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

namespace {
bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in_month(int y, int m) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

// Reads exactly `min..max` digits.
bool read_int(std::string_view s, std::size_t& i, int min_digits, int max_digits, int& out) {
  int n = 0, v = 0;
  while (i < s.size() && n < max_digits && std::isdigit(static_cast<unsigned char>(s[i]))) {
    v = v * 10 + (s[i] - '0');
    ++i;
    ++n;
  }
  if (n < min_digits) return false;
  out = v;
  return true;
}
}  // namespace

std::optional<std::int64_t> civil_seconds(int y, int mo, int d, int h, int mi, int s) {
  if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h < 0 ||
      h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
    return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
         h * 3600 + mi * 60 + s;
}

std::optional<std::int64_t> parse_civil_time(std::string_view text, std::string_view format) {
  // trim surrounding blanks
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;

  int y = -1, mo = 1, d = 1, h = 0, mi = 0, s = 0, h12 = -1;
  int pm = -1;  // -1: no %p, 0: AM, 1: PM
  std::size_t i = 0;
  if (format == "iso") {
    if (!read_int(text, i, 4, 4, y) || i >= text.size() || text[i++] != '-') return std::nullopt;
    if (!read_int(text, i, 1, 2, mo) || i >= text.size() || text[i++] != '-') return std::nullopt;
    if (!read_int(text, i, 1, 2, d)) return std::nullopt;
    if (i < text.size()) {
      if (text[i] != 'T' && text[i] != ' ') return std::nullopt;
      ++i;
      if (!read_int(text, i, 2, 2, h) || i >= text.size() || text[i++] != ':') return std::nullopt;
      if (!read_int(text, i, 2, 2, mi)) return std::nullopt;
      if (i < text.size() && text[i] == ':') {
        ++i;
        if (!read_int(text, i, 2, 2, s)) return std::nullopt;
        if (i < text.size() && text[i] == '.') {
          ++i;
          int frac = 0;
          if (!read_int(text, i, 1, 9, frac)) return std::nullopt;
        }
      }
    }
    if (i != text.size()) return std::nullopt;
    return civil_seconds(y, mo, d, h, mi, s);
  }

  for (std::size_t f = 0; f < format.size(); ++f) {
    const char c = format[f];
    if (c == '%' && f + 1 < format.size()) {
      const char spec = format[++f];
      bool ok = true;
      switch (spec) {
        case 'Y': ok = read_int(text, i, 4, 4, y); break;
        case 'y': ok = read_int(text, i, 2, 2, y); if (ok) y += y < 69 ? 2000 : 1900; break;
        case 'm': ok = read_int(text, i, 1, 2, mo); break;
        case 'd': ok = read_int(text, i, 1, 2, d); break;
        case 'H': ok = read_int(text, i, 1, 2, h); break;
        case 'I': ok = read_int(text, i, 1, 2, h12); ok = ok && h12 >= 1 && h12 <= 12; break;
        case 'M': ok = read_int(text, i, 1, 2, mi); break;
        case 'S': ok = read_int(text, i, 1, 2, s); break;
        case 'p': {
          if (i + 2 > text.size()) return std::nullopt;
          const char a = static_cast<char>(std::toupper(static_cast<unsigned char>(text[i])));
          const char b = static_cast<char>(std::toupper(static_cast<unsigned char>(text[i + 1])));
          if (b != 'M' || (a != 'A' && a != 'P')) return std::nullopt;
          pm = a == 'P' ? 1 : 0;
          i += 2;
          break;
        }
        case '%': ok = i < text.size() && text[i++] == '%'; break;
        default: return std::nullopt;
      }
      if (!ok) return std::nullopt;
    } else if (c == ' ') {
      if (i >= text.size() || text[i] != ' ') return std::nullopt;
      while (i < text.size() && text[i] == ' ') ++i;
    } else {
      if (i >= text.size() || text[i] != c) return std::nullopt;
      ++i;
    }
  }
  if (i != text.size() || y < 0) return std::nullopt;
  if (h12 >= 0) {
    if (pm < 0) return std::nullopt;  // %I needs %p
    h = (h12 % 12) + (pm == 1 ? 12 : 0);
  }
  return civil_seconds(y, mo, d, h, mi, s);
}

namespace {
void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t yy = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yy + (m <= 2 ? 1 : 0));
}
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }
}  // namespace

std::string format_civil_time(std::int64_t seconds) {
  const std::int64_t days = floor_div(seconds, 86400);
  const std::int64_t rem = seconds - days * 86400;
  int y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d", y, m, d, static_cast<int>(rem / 3600),
                static_cast<int>((rem % 3600) / 60), static_cast<int>(rem % 60));
  return buf;
}

std::string format_civil_date(std::int64_t seconds) { return format_civil_time(seconds).substr(0, 10); }

}  // namespace rtm
