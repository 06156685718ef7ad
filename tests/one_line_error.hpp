#pragma once
// The tests' check of every error the user can meet: an `Error` is thrown, its message is one
// line, and when the error concerns a file, the message starts with that file.
#include <doctest/doctest.h>

#include <filesystem>
#include <optional>
#include <string>

namespace pepita::testing {

// The message of the `Error` that `action` throws, after checking that it is one line and, given
// `file`, that it starts with "FILE: ".
template <class Error, class Action>
std::string one_line_error(Action&& action, const std::optional<std::filesystem::path>& file = std::nullopt) {
  std::string message;
  try {
    action();
  } catch (const Error& error) {
    message = error.what();
  }
  INFO("message: ", message);
  REQUIRE_MESSAGE(!message.empty(), "the expected error was not thrown");
  if (file) CHECK(message.starts_with(file->string() + ": "));
  CHECK(message.find('\n') == std::string::npos);
  return message;
}

}  // namespace pepita::testing
