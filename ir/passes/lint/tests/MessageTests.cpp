// Finding::message: a literal is kept by pointer (no copy), a built message is owned and survives
// the findings' moves; readers see the same text either way.
#include "ir/passes/lint/tests/LintTestSupport.h"

#include <cstdio>
#include <cstring>

namespace dfc::lint::test {
namespace {

const char Literal[] = "Avoid additional packages";

TEST_CASE("message: a literal is kept by pointer, a built one owned", "[lint]") {
  Message lit(Literal);
  CHECK(lit.data() == Literal);
  CHECK(lit.size() == std::strlen(Literal));
  CHECK(lit == "Avoid additional packages");

  std::string built = "short";
  Message owned(built);
  CHECK(owned.data() != built.data());
  CHECK(owned == "short");

  const char *picked = std::strlen(Literal) > 3 ? "yes" : "no";
  CHECK(Message(picked).data() != picked);           // storage unknown: copied
  CHECK(Message::fromStatic(picked).data() == picked); // said to be static: kept
  CHECK(Message::fromStatic(picked) == "yes");

  CHECK(Message() == "");
  CHECK(Message(static_cast<const char *>(nullptr)) == "");
}

TEST_CASE("message: a writable char buffer is copied up to its terminator, not kept as a literal", "[lint]") {
  // `char buf[N]` binds to the literal overload's `const char (&)[N]` too: kept by pointer, a
  // stack buffer dangles once the rule returns, and its size was N - 1, not the text's.
  Message m;
  {
    char buf[32];
    std::snprintf(buf, sizeof buf, "port %d", 80);
    m = Message(buf);
    CHECK(m.data() != buf);
    std::memset(buf, 'x', sizeof buf - 1); // the rule's stack reused
  }
  CHECK(m.size() == std::strlen("port 80"));
  CHECK(m == "port 80");
}

TEST_CASE("message: findings moved as their vector grows keep their text", "[lint]") {
  std::vector<Finding> fs;
  for (int i = 0; i < 200; ++i) {
    Finding f;
    if (i % 2)
      f.message = "literal text";
    else
      f.message = "built " + std::to_string(i); // short: in the string's own buffer (SSO)
    fs.push_back(std::move(f));
  }
  for (int i = 0; i < 200; ++i)
    CHECK(fs[i].message == (i % 2 ? std::string("literal text") : "built " + std::to_string(i)));
  Finding copy = fs[2];
  fs.clear();
  CHECK(copy.message == "built 2");
  CHECK(copy.message.str() + "!" == "built 2!");
  CHECK(std::string("at: ") + copy.message == "at: built 2");
}

TEST_CASE("message: rule findings read the same through both kinds", "[lint]") {
  // AptGetNoInstallRecommends reports a literal, UndefinedVar a built message.
  std::vector<Finding> lit = findings("FROM debian:12\nRUN apt-get install -y curl\n", "AptGetNoInstallRecommends");
  REQUIRE(lit.size() == 1);
  CHECK(lit[0].message == "Avoid additional packages by specifying `--no-install-recommends`");
  std::vector<Finding> built = findings("FROM debian:12\nRUN echo $NOPE\nENV A=$MISSING\n", "UndefinedVar");
  REQUIRE(!built.empty());
  CHECK(llvm::StringRef(built[0].message).startswith("Usage of undefined variable '$MISSING'"));
}

} // namespace
} // namespace dfc::lint::test
