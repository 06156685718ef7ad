#pragma once
// The bytes of a data file, whether it is stored raw or gzip-compressed.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace pepita {

// The DataError for a problem with `file`: every data error message starts with the file.
DataError file_error(const std::filesystem::path& file, const std::string& problem);

// The whole content of `file`, gunzipped if it starts with the gzip magic bytes (the content
// decides, not the extension, so a misnamed file still reads). Throws DataError.
std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& file);

// The same content handed to `take` piece by piece, in order, without ever holding all of it: for
// a reader that keeps only part of a file (the labels of a data set loaded without its pixels).
// The same errors as read_file_bytes; pieces already taken when one is thrown are not taken back.
void stream_file_bytes(const std::filesystem::path& file, const std::function<void(std::span<const std::uint8_t>)>& take);

}  // namespace pepita
