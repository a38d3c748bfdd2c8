#pragma once
// The error taxonomy: one class per thing the user must fix. Only main() catches,
// and maps each class to its own exit code (see README, "Exit codes").
#include <stdexcept>
#include <string>
#include <vector>

namespace rtm {

enum class ExitCode : int {
  ok = 0,
  internal = 1,  // a bug: please report
  usage = 2,     // bad command line
  config = 3,    // the study file is wrong (key, line)
  data = 4,      // an input data source is wrong (file, layer, row)
  model = 5,     // the model cannot be fitted or applied
  render = 6,    // a map or document cannot be drawn
  output = 7,    // outputs cannot be written (permissions, disk)
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
  virtual ExitCode exit_code() const { return ExitCode::internal; }
  virtual const char* kind() const { return "error"; }
  // Context added on the way up ("while reading layer 'liquor_retail'").
  const std::vector<std::string>& context() const { return context_; }
  void add_context(std::string c) { context_.push_back(std::move(c)); }

 private:
  std::vector<std::string> context_;
};

class UsageError : public Error {
 public:
  using Error::Error;
  ExitCode exit_code() const override { return ExitCode::usage; }
  const char* kind() const override { return "usage error"; }
};

class ConfigError : public Error {
 public:
  using Error::Error;
  ExitCode exit_code() const override { return ExitCode::config; }
  const char* kind() const override { return "study file error"; }
};

class DataError : public Error {
 public:
  using Error::Error;
  ExitCode exit_code() const override { return ExitCode::data; }
  const char* kind() const override { return "data error"; }
};

class ModelError : public Error {
 public:
  using Error::Error;
  ExitCode exit_code() const override { return ExitCode::model; }
  const char* kind() const override { return "model error"; }
};

class RenderError : public Error {
 public:
  using Error::Error;
  ExitCode exit_code() const override { return ExitCode::render; }
  const char* kind() const override { return "render error"; }
};

class OutputError : public Error {
 public:
  using Error::Error;
  ExitCode exit_code() const override { return ExitCode::output; }
  const char* kind() const override { return "output error"; }
};

// Runs f(); if it throws an rtm::Error, adds `context` and rethrows.
template <class F>
auto with_context(const std::string& context, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (Error& e) {
    e.add_context(context);
    throw;
  }
}

}  // namespace rtm
