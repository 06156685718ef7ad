#pragma once
// What every fuzz target shares: a file to hand the input to readers that take a path, a way to
// absorb the one error a reader is meant to throw (and nothing else), and invariant checks.
#include <cstdint>
#include <filesystem>
#include <span>

namespace pepita::fuzz {

// The path of a file that holds `input`, private to this process (libFuzzer's -jobs and -fork
// run several). Each call replaces the previous input.
const std::filesystem::path& input_file(std::span<const std::uint8_t> input);

// Runs `action`. ExpectedError, how the code under test rejects bad input, ends it quietly;
// anything else escapes and crashes the fuzzer, which then keeps the input as a finding.
template <class ExpectedError, class Action>
void tolerate(Action&& action) {
  try {
    action();
  } catch (const ExpectedError&) {
  }
}

// Aborts, which libFuzzer reports as a crash, unless `holds`; `invariant` says what failed.
void require(bool holds, const char* invariant);

}  // namespace pepita::fuzz
