#include "io/redact.hpp"

#include <cctype>

namespace rtm::io {

namespace {

bool space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool iequal_at(const std::string& s, std::size_t pos, const char* word) {
  for (std::size_t i = 0; word[i] != '\0'; ++i) {
    if (pos + i >= s.size()) return false;
    if (std::tolower(static_cast<unsigned char>(s[pos + i])) != word[i]) return false;
  }
  return true;
}

// Keyword values: password [spaces] = [spaces] value.
std::string redact_keywords(const std::string& s) {
  static const char kWord[] = "password";
  const std::size_t wlen = sizeof kWord - 1;
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    const bool boundary = i == 0 || !(std::isalnum(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '_');
    if (boundary && iequal_at(s, i, kWord)) {
      std::size_t j = i + wlen;
      while (j < s.size() && space(s[j]) && s[j] != '\n') ++j;
      if (j < s.size() && s[j] == '=') {
        ++j;
        while (j < s.size() && space(s[j]) && s[j] != '\n') ++j;
        std::size_t end = j;
        if (end < s.size() && s[end] == '\'') {  // quoted: up to the closing quote, \' and \\ escaped
          ++end;
          while (end < s.size() && s[end] != '\'') end += s[end] == '\\' ? 2 : 1;
          end = end < s.size() ? end + 1 : s.size();
        } else {  // unquoted: up to white space
          while (end < s.size() && !space(s[end])) ++end;
        }
        out.append(s, i, wlen);
        out += "=***";
        i = end;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

// URIs: scheme://user:secret@host -> scheme://user:***@host
std::string redact_uris(const std::string& s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t sep = s.find("://", i);
    if (sep == std::string::npos) break;
    const std::size_t start = sep + 3;
    std::size_t end = start;
    while (end < s.size() && !space(s[end]) && s[end] != '/' && s[end] != '@') ++end;
    out.append(s, i, start - i);
    if (end < s.size() && s[end] == '@') {
      const std::size_t colon = s.find(':', start);
      if (colon != std::string::npos && colon < end) {
        out.append(s, start, colon + 1 - start);
        out += "***";
        i = end;
        continue;
      }
    }
    i = start;
  }
  out.append(s, i, std::string::npos);
  return out;
}

}  // namespace

std::string redact_source(const std::string& text) { return redact_uris(redact_keywords(text)); }

bool is_database_source(const std::string& source) {
  return iequal_at(source, 0, "pg:") || iequal_at(source, 0, "postgresql://") || iequal_at(source, 0, "postgres://");
}

std::string with_password(const std::string& source, const std::string& password) {
  if (password.empty()) return source;
  std::string quoted = "'";
  for (char c : password) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += "'";
  return source + (source.empty() || space(source.back()) || source.back() == ':' ? "" : " ") + "password=" + quoted;
}

}  // namespace rtm::io
