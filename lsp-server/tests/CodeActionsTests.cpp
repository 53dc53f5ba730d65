// Diagnostics (codes, links, tags) and code actions (lint fixes, ignore comments).
#include "lsp-server/tests/TestSupport.h"

using namespace dfc::lsp;
using namespace dfc::lsp::test;

TEST_CASE("diagnostics carry rule codes, doc links and tags") {
  Document d = open("FROM alpine:3\nMAINTAINER me\nCOPY --from=nope /a /b\nRUN --mount=type=bogus x\n");
  auto ds = diagnostics(d, "https://docs/rules/");
  auto find = [&](const std::string &code) {
    return std::find_if(ds.begin(), ds.end(), [&](const Diagnostic &x) { return x.code == code; });
  };
  auto m = find("MaintainerDeprecated");
  REQUIRE(m != ds.end());
  CHECK(m->codeHref == "https://docs/rules/MaintainerDeprecated.md");
  REQUIRE(m->tags.size() == 1);
  CHECK(m->tags[0] == DiagnosticTag::Deprecated);
  CHECK(m->range.start.line == 1);
  auto s = find("SyntaxError");
  REQUIRE(s != ds.end());
  CHECK(s->severity == DiagnosticSeverity::Error);
  CHECK(s->range.start.line == 3);
  dfc::lint::Config ignore;
  ignore.ignored.insert("SyntaxError");
  Document quiet = open(d.text(), ignore);
  auto qs = diagnostics(quiet, "");
  CHECK(std::none_of(qs.begin(), qs.end(), [](const Diagnostic &x) { return x.code == "SyntaxError"; }));
}

TEST_CASE("unused ARGs and stages fade, legacy syntax is struck through") {
  Document d = open("ARG NEVER=1\nFROM alpine:3.19 AS unused\nRUN true\n"
                    "FROM alpine:3.19\nENV A 1\nRUN echo $A\n");
  auto ds = diagnostics(d, "");
  auto tagsOf = [&](const std::string &code) {
    for (const Diagnostic &x : ds)
      if (x.code == code)
        return x.tags;
    FAIL("no " << code << " diagnostic");
    return std::vector<DiagnosticTag>{};
  };
  CHECK(tagsOf("UnusedStage") == std::vector<DiagnosticTag>{DiagnosticTag::Unnecessary});
  CHECK(tagsOf("UnusedArg") == std::vector<DiagnosticTag>{DiagnosticTag::Unnecessary});
  CHECK(tagsOf("LegacyKeyValueFormat") == std::vector<DiagnosticTag>{DiagnosticTag::Deprecated});
  for (const Diagnostic &x : ds)
    if (x.code != "UnusedStage" && x.code != "UnusedArg" && x.code != "LegacyKeyValueFormat")
      CHECK(x.tags.empty());
}

TEST_CASE("code actions: the rule's fix and ignore comments") {
  Document d = open("# syntax=docker/dockerfile:1\nFROM alpine:3 as build\nRUN x\n");
  auto actions = codeActions(d, Range{{1, 14}, {1, 16}}, "");
  auto find = [&](const std::string &prefix) {
    return std::find_if(actions.begin(), actions.end(),
                        [&](const CodeAction &a) { return a.title.rfind(prefix, 0) == 0; });
  };
  auto ignore = find("Ignore FromAsCasing for this instruction");
  REQUIRE(ignore != actions.end());
  CHECK(applyEdits(d, ignore->edit.changes[d.uri()]) ==
        "# syntax=docker/dockerfile:1\n# dfc ignore=FromAsCasing\nFROM alpine:3 as build\nRUN x\n");
  auto global = find("Ignore FromAsCasing in this file");
  REQUIRE(global != actions.end());
  CHECK(applyEdits(d, global->edit.changes[d.uri()]) ==
        "# syntax=docker/dockerfile:1\n# dfc global ignore=FromAsCasing\nFROM alpine:3 as build\nRUN x\n");
  // Applying the ignore silences the finding.
  Document after = open(applyEdits(d, ignore->edit.changes[d.uri()]));
  auto ds = diagnostics(after, "");
  CHECK(std::none_of(ds.begin(), ds.end(), [](const Diagnostic &x) { return x.code == "FromAsCasing"; }));
  // Fix actions come from the rule's fix when it has one.
  for (const dfc::lint::Finding &f : d.findings())
    if (f.fix && f.rule) {
      INFO(f.rule->id);
      auto fix =
          std::find_if(actions.begin(), actions.end(), [](const CodeAction &a) { return a.isPreferred; });
      CHECK(fix != actions.end());
    }
}

TEST_CASE("an existing ignore comment is extended") {
  Document d = open("FROM alpine:3\n# dfc ignore=NoSudo\nMAINTAINER me\n");
  auto actions = codeActions(d, Range{{2, 0}, {2, 3}}, "");
  auto it = std::find_if(actions.begin(), actions.end(), [](const CodeAction &a) {
    return a.title == "Ignore MaintainerDeprecated for this instruction";
  });
  REQUIRE(it != actions.end());
  CHECK(applyEdits(d, it->edit.changes[d.uri()]) ==
        "FROM alpine:3\n# dfc ignore=NoSudo,MaintainerDeprecated\nMAINTAINER me\n");
}
