#pragma once
// A string as a JSON string literal (RFC 8259 §7), for the JSON the reports and the measured
// profiles write by hand. Here in data/, beside hex_text.hpp, because both train/ and simulation/
// write JSON and simulation/ sits below train/: it may include data/, not train/.
#include <string>
#include <string_view>

namespace pepita {

// The text in quotes, reading back byte for byte: '"' and '\' escaped, and every control character
// (U+0000 to U+001F, which JSON forbids raw in a string) as \u00XX. Other bytes, UTF-8 included,
// pass as they are. (Not named `quoted`: for a std::string argument, ADL would pick std::quoted,
// which escapes no control character.)
inline std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      constexpr char hex_digits[] = "0123456789abcdef";
      out += "\\u00";
      out += hex_digits[byte >> 4];
      out += hex_digits[byte & 0xF];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace pepita
