#pragma once
// The bytes of a data file, whether it is stored raw or gzip-compressed.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace pepita {

// The DataError for a problem with `file`: every data error message starts with the file.
DataError file_error(const std::filesystem::path& file, const std::string& problem);

// The whole content of `file`, gunzipped if it starts with the gzip magic bytes (the content
// decides, not the extension, so a misnamed file still reads). Throws DataError.
std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& file);

}  // namespace pepita
