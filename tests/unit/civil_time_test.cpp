// Civil time: parse_civil_time formats, invalid dates, format round trip, TimeWindow.
//
// Expected values are seconds since 1970-01-01 00:00 computed independently
// (Python calendar.timegm on the same civil time, i.e. with no zone applied).
#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/civil_time.hpp"

namespace {

constexpr std::int64_t kNone = INT64_MIN;  // "must not parse"

struct ParseCase {
  const char* text;
  std::int64_t expected;  // kNone: no value
};

void check_table(const char* format, const std::vector<ParseCase>& cases) {
  for (const auto& c : cases) {
    INFO("format '" << format << "', text '" << c.text << "'");
    const std::optional<std::int64_t> got = rtm::parse_civil_time(c.text, format);
    if (c.expected == kNone) {
      INFO("got " << (got ? rtm::format_civil_time(*got) : std::string("nothing")));
      CHECK_FALSE(got.has_value());
    } else {
      REQUIRE(got.has_value());
      CHECK(*got == c.expected);
    }
  }
}

}  // namespace

TEST_CASE("parse_civil_time: %Y-%m-%d %H:%M", "[time]") {
  check_table("%Y-%m-%d %H:%M", {
                                    {"2017-01-01 00:00", 1483228800},
                                    {"2017-12-31 23:59", 1514764740},
                                    {"2017-03-04 05:06", 1488603960},
                                    {"2017-1-5 7:05", 1483599900},  // one-digit fields accepted
                                    {"  2017-03-04 05:06  ", 1488603960},  // surrounding blanks trimmed
                                    {"2017-03-04   05:06", 1488603960},    // a format space matches several
                                    {"2016-02-29 12:00", 1456747200},      // leap year
                                    {"2000-02-29 00:00", 951782400},       // divisible by 400: leap
                                    // impossible dates and times
                                    {"2017-02-29 00:00", kNone},
                                    {"1900-02-29 00:00", kNone},  // divisible by 100: not leap
                                    {"2017-04-31 00:00", kNone},
                                    {"2017-13-01 00:00", kNone},
                                    {"2017-00-10 00:00", kNone},
                                    {"2017-01-00 00:00", kNone},
                                    {"2017-01-32 00:00", kNone},
                                    {"2017-01-01 24:00", kNone},
                                    {"2017-01-01 23:60", kNone},
                                    // text that does not match the format
                                    {"2017-01-01 00:00x", kNone},
                                    {"2017-01-01 00:00:00", kNone},  // seconds are trailing text here
                                    {"2017-01-01 00:00 PM", kNone},
                                    {"2017-01-01", kNone},
                                    {"2017-01-01T00:00", kNone},
                                    {"17-01-01 00:00", kNone},
                                    {"2017/01/01 00:00", kNone},
                                    {"", kNone},
                                    {"   ", kNone},
                                    {"not a date", kNone},
                                });
}

TEST_CASE("parse_civil_time: %m/%d/%Y %I:%M:%S %p (Chicago data portal)", "[time]") {
  check_table("%m/%d/%Y %I:%M:%S %p", {
                                          {"01/05/2020 12:30:00 AM", 1578184200},  // 12 AM is 00
                                          {"01/05/2020 12:00:00 AM", 1578182400},  // midnight
                                          {"01/05/2020 12:30:00 PM", 1578227400},  // 12 PM is noon
                                          {"01/05/2020 12:00:00 PM", 1578225600},
                                          {"01/05/2020 01:30:00 PM", 1578231000},
                                          {"01/05/2020 11:59:59 PM", 1578268799},
                                          {"01/05/2020 12:30:00 am", 1578184200},  // case-insensitive
                                          {"01/05/2020 01:30:00 pm", 1578231000},
                                          {"1/5/2020 1:30:00 PM", 1578231000},
                                          {"01/05/2020 00:30:00 AM", kNone},  // %I is 1..12
                                          {"01/05/2020 13:30:00 PM", kNone},
                                          {"01/05/2020 12:30:00", kNone},      // %p missing
                                          {"01/05/2020 12:30:00 XM", kNone},
                                          {"01/05/2020 12:30:00 P", kNone},
                                          {"01/05/2020 12:30:00 PMx", kNone},  // trailing garbage
                                          {"01/05/2020 12:30:60 PM", 1578227460},  // leap second tolerated
                                          {"01/05/2020 12:30:61 PM", kNone},
                                          {"02/29/2019 01:00:00 AM", kNone},
                                          {"13/05/2020 01:00:00 AM", kNone},
                                          {"2020-01-05 12:30:00 PM", kNone},
                                      });
}

TEST_CASE("parse_civil_time: iso", "[time]") {
  check_table("iso", {
                         {"2017-03-04", 1488585600},  // date only: midnight
                         {"2017-03-04T05:06", 1488603960},
                         {"2017-03-04 05:06", 1488603960},
                         {"2017-03-04T05:06:07", 1488603967},
                         {"2017-03-04 05:06:07", 1488603967},
                         {"2017-03-04T05:06:07.5", 1488603967},  // fractions are dropped
                         {"2017-03-04T05:06:07.123", 1488603967},
                         {"2017-03-04T05:06:07.123456789", 1488603967},
                         {"2017-3-4", 1488585600},
                         {" 2017-03-04T05:06:07 ", 1488603967},
                         {"2016-02-29", 1456747200 - 12 * 3600},
                         {"2017-02-29", kNone},
                         {"2017-13-01", kNone},
                         {"2017-03-04T24:00", kNone},
                         {"2017-03-04T23:60", kNone},
                         // zones are rejected: civil time only
                         {"2017-03-04T05:06:07Z", kNone},
                         {"2017-03-04T05:06:07+01:00", kNone},
                         {"2017-03-04T05:06:07-0500", kNone},
                         // malformed
                         {"2017-03-04T", kNone},
                         {"2017-03-04T05", kNone},
                         {"2017-03-04T5:06", kNone},
                         {"2017-03-04T05:6", kNone},
                         {"2017-03-04T05:06:7", kNone},
                         {"2017-03-04T05:06:07.", kNone},
                         {"2017-03-04X05:06", kNone},
                         {"2017-03-04x", kNone},
                         {"2017-03", kNone},
                         {"17-03-04", kNone},
                         {"2017/03/04", kNone},
                         {"20170304", kNone},
                         {"", kNone},
                     });
}

TEST_CASE("parse_civil_time: other specifiers", "[time]") {
  CHECK(rtm::parse_civil_time("04.03.17 05:06", "%d.%m.%y %H:%M") == std::optional<std::int64_t>(1488603960));
  CHECK(rtm::parse_civil_time("04.07.68", "%d.%m.%y") == std::optional<std::int64_t>(3108585600));  // 68 -> 2068
  CHECK(rtm::parse_civil_time("20.07.69 20:17", "%d.%m.%y %H:%M") ==
        std::optional<std::int64_t>(-14182980));  // 69 -> 1969
  CHECK(rtm::parse_civil_time("100% 2017-03-04", "100%% %Y-%m-%d") == std::optional<std::int64_t>(1488585600));
  CHECK(rtm::parse_civil_time("2017-03-04 05:06:07", "%Y-%m-%d %H:%M:%S") ==
        std::optional<std::int64_t>(1488603967));
  CHECK_FALSE(rtm::parse_civil_time("2017-03-04", "%Y-%m-%Q").has_value());  // unknown specifier
  CHECK_FALSE(rtm::parse_civil_time("05:06", "%H:%M").has_value());          // no year
  CHECK_FALSE(rtm::parse_civil_time("03/04/2017 05:06", "%m/%d/%Y %I:%M").has_value());  // %I without %p
}

TEST_CASE("civil_seconds and days_from_civil", "[time]") {
  CHECK(rtm::days_from_civil(1970, 1, 1) == 0);
  CHECK(rtm::days_from_civil(1969, 12, 31) == -1);
  CHECK(rtm::days_from_civil(2017, 1, 1) == 1483228800 / 86400);
  CHECK(rtm::civil_seconds(1, 1, 1, 0, 0, 0) == std::optional<std::int64_t>(-62135596800));
  CHECK(rtm::civil_seconds(9999, 12, 31, 23, 59, 59) == std::optional<std::int64_t>(253402300799));
  CHECK(rtm::civil_seconds(1600, 3, 1, 0, 0, 0) == std::optional<std::int64_t>(-11670912000));
  CHECK_FALSE(rtm::civil_seconds(0, 1, 1, 0, 0, 0).has_value());
  CHECK_FALSE(rtm::civil_seconds(10000, 1, 1, 0, 0, 0).has_value());
  CHECK_FALSE(rtm::civil_seconds(2017, 2, 29, 0, 0, 0).has_value());
  CHECK_FALSE(rtm::civil_seconds(2017, 1, 1, -1, 0, 0).has_value());
  CHECK_FALSE(rtm::civil_seconds(2017, 1, 1, 0, -1, 0).has_value());
  CHECK_FALSE(rtm::civil_seconds(2017, 1, 1, 0, 0, -1).has_value());
}

TEST_CASE("format_civil_time and format_civil_date", "[time]") {
  struct Case {
    std::int64_t s;
    const char* text;
  };
  const std::vector<Case> cases = {
      {0, "1970-01-01 00:00:00"},
      {-1, "1969-12-31 23:59:59"},
      {1483228800, "2017-01-01 00:00:00"},
      {1514764740, "2017-12-31 23:59:00"},
      {1456747200, "2016-02-29 12:00:00"},
      {951782400, "2000-02-29 00:00:00"},
      {1578268799, "2020-01-05 23:59:59"},
      {-14182980, "1969-07-20 20:17:00"},
      {-62135596800, "0001-01-01 00:00:00"},
      {253402300799, "9999-12-31 23:59:59"},
  };
  for (const auto& c : cases) {
    INFO(c.s);
    CHECK(rtm::format_civil_time(c.s) == c.text);
    CHECK(rtm::format_civil_date(c.s) == std::string(c.text).substr(0, 10));
    // Round trip through the parser, in both its own format and "iso".
    CHECK(rtm::parse_civil_time(rtm::format_civil_time(c.s), "%Y-%m-%d %H:%M:%S") ==
          std::optional<std::int64_t>(c.s));
    CHECK(rtm::parse_civil_time(rtm::format_civil_time(c.s), "iso") == std::optional<std::int64_t>(c.s));
  }
  // A sweep across several years, at an odd step so every field varies.
  for (std::int64_t s = 1451606400; s < 1546300800; s += 86400 * 3 + 3671) {
    const std::string t = rtm::format_civil_time(s);
    INFO(s << " -> " << t);
    REQUIRE(rtm::parse_civil_time(t, "%Y-%m-%d %H:%M:%S") == std::optional<std::int64_t>(s));
  }
}

TEST_CASE("TimeWindow: start inclusive, end exclusive", "[time]") {
  const rtm::TimeWindow w{1483228800, 1514764800};  // [2017-01-01 00:00, 2018-01-01 00:00)
  struct Case {
    const char* what;
    std::int64_t t;
    bool inside;
  };
  const std::vector<Case> cases = {
      {"one second before the start", 1483228799, false},
      {"the start", 1483228800, true},
      {"one second after the start", 1483228801, true},
      {"2017-12-31 23:59", 1514764740, true},
      {"the last second", 1514764799, true},
      {"the end", 1514764800, false},
      {"after the end", 1514764801, false},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    CHECK(w.contains(c.t) == c.inside);
  }
  const rtm::TimeWindow empty{100, 100};
  CHECK_FALSE(empty.contains(100));
  CHECK_FALSE(empty.contains(99));
}
