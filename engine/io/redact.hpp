#pragma once
// Database connection strings may hold a password. Every place that shows a
// source string (messages, report.json, summaries, the ledger, `rtm history`)
// passes it through redact_source() first.
#include <string>

namespace rtm::io {

// `text` with every password hidden as "***": libpq keyword values
// (`password=secret`, `password = 'two words'`, as in `PG:dbname=x
// password=secret`) and the password of a URI's user info
// (`postgresql://user:secret@host/db`). Works on whole messages too.
std::string redact_source(const std::string& text);

// True for a database connection string GDAL opens by name (`PG:...`,
// `postgresql://...`): no file to check, no file to hash.
bool is_database_source(const std::string& source);

// The connection string to open: `source` with `password='...'` appended
// (quoted and escaped as libpq wants) when `password` is not empty. Never shown.
std::string with_password(const std::string& source, const std::string& password);

}  // namespace rtm::io
