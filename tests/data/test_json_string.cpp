// data/json_string.hpp: the one JSON string literal every hand-written JSON of pepita uses (the
// run summaries, the simulation reports, the measured profiles), escaped as RFC 8259 §7 asks.
#include <doctest/doctest.h>

#include <string>

#include "data/json_string.hpp"

using pepita::json_string;

TEST_CASE("json_string escapes the quote, the backslash and every control character") {
  CHECK(json_string("plain text") == R"("plain text")");
  CHECK(json_string("") == R"("")");
  CHECK(json_string("say \"hi\"") == R"("say \"hi\"")");
  CHECK(json_string("C:\\dir") == R"("C:\\dir")");
  // A control character is escaped, not dropped: the string reads back byte for byte.
  CHECK(json_string("two\nlines") == R"("two\u000alines")");
  CHECK(json_string("a\x01z") == R"("a\u0001z")");
  CHECK(json_string("tab\there") == R"("tab\u0009here")");
  CHECK(json_string(std::string("nul\0byte", 8)) == R"("nul\u0000byte")");
  CHECK(json_string("\x1f") == R"("\u001f")");
  // DEL and UTF-8 are allowed raw in a JSON string.
  CHECK(json_string("\x7f") == "\"\x7f\"");
  CHECK(json_string("‖W₁‖ ± σ") == R"("‖W₁‖ ± σ")");
}
