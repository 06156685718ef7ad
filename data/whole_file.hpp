#pragma once
// Reads a whole file at once, with the one-line errors every reader of files gives: the path, then
// what is wrong with it (missing, a directory, unreadable, cut short).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace pepita {

// The bytes of `file` in a Container of bytes (std::string, std::vector<std::uint8_t>). `kind` is
// what it should be, for the messages: "checkpoint" gives "checkpoint file not found" and "is a
// directory, not a checkpoint"; "" gives "file not found" and "is a directory, not a file". Throws
// Error("<path>: <problem>").
template <class Error, class Container>
Container read_whole_file(const std::filesystem::path& file, std::string_view kind) {
  namespace fs = std::filesystem;
  const auto fail = [&](const std::string& problem) { return Error(file.string() + ": " + problem); };
  const std::string named = kind.empty() ? std::string("file") : std::string(kind);
  std::error_code error;
  const fs::file_type type = fs::status(file, error).type();
  if (type == fs::file_type::not_found) throw fail((kind.empty() ? "" : named + " ") + "file not found");
  if (error) throw fail("cannot access: " + error.message());
  if (type == fs::file_type::directory) throw fail("is a directory, not a " + named);

  std::ifstream in(file, std::ios::binary);
  const std::uintmax_t size = fs::file_size(file, error);
  if (!in || error) throw fail("cannot open for reading");
  Container bytes(size, 0);
  in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(size));
  if (std::uintmax_t(in.gcount()) != size) throw fail("read error");
  return bytes;
}

}  // namespace pepita
