// Formatting: keyword case, continuation indent, heredoc bodies and quoted text untouched,
// range and on-type formatting.
#include "lsp-server/tests/TestSupport.h"

using namespace dfc::lsp;
using namespace dfc::lsp::test;

namespace {
std::string format(const std::string &src, std::optional<Range> range = std::nullopt) {
  Document d = open(src);
  return applyEdits(d, formatDocument(d, FormattingOptions{}, range));
}
} // namespace

TEST_CASE("keywords upper-case, continuation lines indented once") {
  CHECK(format("from alpine as b\n  run a \\\n&& b \\\n        && c\nonbuild run x\n") ==
        "FROM alpine as b\nRUN a \\\n    && b \\\n    && c\nONBUILD RUN x\n");
  CHECK(format("FROM a\nRUN x\n") == "FROM a\nRUN x\n");
}

TEST_CASE("heredoc bodies and multi-line quoted strings stay as written") {
  std::string src = "FROM a\nrun <<EOF\n  indented\n\tbody\nEOF\nRUN echo \"a \\\n  b\"\n";
  CHECK(format(src) == "FROM a\nRUN <<EOF\n  indented\n\tbody\nEOF\nRUN echo \"a \\\n  b\"\n");
}

TEST_CASE("range formatting touches only the range; on-type indents a new continuation line") {
  CHECK(format("from a\nrun x\nrun y\n", Range{{1, 0}, {1, 5}}) == "from a\nRUN x\nrun y\n");
  Document d = open("FROM a\nRUN x \\\n\n");
  auto edits = formatOnType(d, Position{2, 0}, FormattingOptions{});
  CHECK(applyEdits(d, edits) == "FROM a\nRUN x \\\n    \n");
}
