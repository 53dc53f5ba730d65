// Catch2 cannot test llvm::Error / llvm::Expected directly; every test binary that needs to uses
// these: errorText turns a result into its message ("" = success), must fails the test case with
// `what` and the message, or hands back the value.
#pragma once

#include <llvm/Support/Error.h>

#include <catch2/catch.hpp>

#include <string>

namespace dfc::test {

inline std::string errorText(llvm::Error e) { return e ? llvm::toString(std::move(e)) : std::string(); }
template <typename T> std::string errorText(llvm::Expected<T> v) {
  return v ? std::string() : llvm::toString(v.takeError());
}

template <typename T> T must(llvm::Expected<T> v, const std::string &what) {
  if (!v)
    FAIL(what << ": " << llvm::toString(v.takeError()));
  return std::move(*v);
}
inline void must(llvm::Error e, const std::string &what) {
  if (e)
    FAIL(what << ": " << llvm::toString(std::move(e)));
}

} // namespace dfc::test
