// Sha256Hasher's two implementations: LLVM's for the first MiB of small inputs a process hashes,
// OpenSSL's past it and for any input over 1 MiB. Its own test binary: the budget is per process,
// so here the first digest surely takes the LLVM path, and the ones after it surely do not.
#include "backend/store/Digest.h"

#include <llvm/ADT/StringExtras.h>
#include <llvm/Support/SHA256.h>

#include <catch2/catch.hpp>

using namespace dfc::store;

namespace {

std::string reference(llvm::StringRef data) {
  llvm::SHA256 h;
  h.update(data);
  return "sha256:" + llvm::toHex(h.final(), /*LowerCase=*/true);
}

} // namespace

TEST_CASE("Sha256Hasher gives the same digests on either side of its small-input budget", "[store][digest]") {
  const std::string million(1000000, 'a');
  // FIPS 180-2's long vector, hashed while the budget lasts (1,000,000 of its 1,048,576 bytes).
  CHECK(Digest::ofBytes(million).str() ==
        "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Streamed past the 1 MiB a hasher holds back: OpenSSL from the middle of the second piece on.
  Sha256Hasher streamed;
  for (int i = 0; i < 3; ++i)
    streamed.update(million);
  CHECK(streamed.bytes() == 3000000);
  CHECK(streamed.finish().str() == reference(million + million + million));
  // The budget is spent: a small input now goes to OpenSSL at finish().
  const std::string small(100000, 'b');
  CHECK(Digest::ofBytes(small).str() == reference(small));
  CHECK(Digest::ofBytes("abc").str() ==
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Digest::ofBytes("").str() ==
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
