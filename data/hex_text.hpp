#pragma once
// Bytes and 32-bit values as hexadecimal text, for the one-line errors that quote a file's magic
// number or a checksum.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace pepita {

// "0x0000081b".
inline std::string hex(std::uint32_t value) {
  char text[11];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

// "0x1f8b08": each byte as two digits.
inline std::string hex(std::string_view bytes) {
  std::string text = "0x";
  for (char byte : bytes) {
    char digits[3];
    std::snprintf(digits, sizeof digits, "%02x", unsigned(std::uint8_t(byte)));
    text += digits;
  }
  return text;
}

}  // namespace pepita
