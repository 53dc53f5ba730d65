// Locating and reading BuildKit's conformance corpus in ../shared (never copied into the repo).
// When it is absent the tests say so visibly and pass nothing off as checked.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace dfc::corpus {

inline std::filesystem::path root() { return std::filesystem::path(DFC_SHARED_DIR) / "conformance/buildkit"; }

// True when the corpus is present; otherwise prints a SKIPPED line (once per test case).
inline bool available() {
  if (std::filesystem::exists(root() / "SOURCE.md"))
    return true;
  WARN("SKIPPED: BuildKit corpus not found at " << root().string() << " (../shared is absent)");
  return false;
}

inline std::string readFile(const std::filesystem::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace dfc::corpus
