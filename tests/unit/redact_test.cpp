// Passwords in source strings never reach a message or an output.
#include <catch2/catch.hpp>

#include "io/redact.hpp"

using rtm::io::is_database_source;
using rtm::io::redact_source;
using rtm::io::with_password;

TEST_CASE("redact_source hides libpq keyword passwords and URI passwords", "[redact]") {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"PG:dbname=rtm host=127.0.0.1 password=s3cret user=rtm", "PG:dbname=rtm host=127.0.0.1 password=*** user=rtm"},
      {"PG:password=s3cret", "PG:password=***"},
      {"PG:dbname=rtm PASSWORD = s3cret", "PG:dbname=rtm PASSWORD=***"},
      {"PG:dbname=rtm password='two words' port=5433", "PG:dbname=rtm password=*** port=5433"},
      {"PG:dbname=rtm password='it\\'s \\\\ x' port=5433", "PG:dbname=rtm password=*** port=5433"},
      {"PG:dbname=rtm password='unterminated", "PG:dbname=rtm password=***"},
      {"postgresql://rtm:s3cret@db.example/rtm", "postgresql://rtm:***@db.example/rtm"},
      {"postgres://rtm@db.example/rtm", "postgres://rtm@db.example/rtm"},
      {"postgresql://db.example:5432/rtm", "postgresql://db.example:5432/rtm"},
      {"postgresql://db/rtm?user=rtm&password=s3cret", "postgresql://db/rtm?user=rtm&password=***"},
      {"incidents: cannot open 'PG:dbname=rtm password=s3cret' as vector data: FATAL: password authentication "
       "failed for user \"rtm\"",
       "incidents: cannot open 'PG:dbname=rtm password=*** as vector data: FATAL: password authentication failed "
       "for user \"rtm\""},
      {"/data/city/assaults.csv", "/data/city/assaults.csv"},
      {"PG:dbname=rtm host=127.0.0.1", "PG:dbname=rtm host=127.0.0.1"},
      {"mypassword=x is not a keyword", "mypassword=x is not a keyword"},
      {"", ""},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    CHECK(redact_source(c.in) == c.out);
  }
}

TEST_CASE("redact_source leaves no trace of the secret", "[redact]") {
  const std::string secret = "Zq x'Yv\\Wk";
  const std::string conn = with_password("PG:dbname=rtm host=127.0.0.1", secret);
  CHECK(conn == "PG:dbname=rtm host=127.0.0.1 password='Zq x\\'Yv\\\\Wk'");
  const std::string shown = redact_source("while reading " + conn + " (again: " + conn + ")");
  CHECK(shown == "while reading PG:dbname=rtm host=127.0.0.1 password=*** (again: PG:dbname=rtm "
                 "host=127.0.0.1 password=***)");
  for (const char* piece : {"Zq", "Yv", "Wk"}) CHECK(shown.find(piece) == std::string::npos);
}

TEST_CASE("with_password and is_database_source", "[redact]") {
  CHECK(with_password("PG:dbname=rtm", "") == "PG:dbname=rtm");
  CHECK(with_password("PG:", "x") == "PG:password='x'");
  CHECK(is_database_source("PG:dbname=rtm"));
  CHECK(is_database_source("pg:dbname=rtm"));
  CHECK(is_database_source("postgresql://h/rtm"));
  CHECK_FALSE(is_database_source("/data/PG:x.gpkg"));
  CHECK_FALSE(is_database_source("incidents.csv"));
}
