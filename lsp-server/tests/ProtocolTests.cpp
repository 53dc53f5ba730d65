// Protocol conversions: the hand-written publishDiagnostics writer agrees with the JSON library,
// and readers reject missing or mistyped fields instead of throwing.
#include "lsp-server/Protocol.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace dfc::lsp;

TEST_CASE("publishDiagnostics text equals the generic conversion") {
  PublishDiagnosticsParams p;
  p.uri = "file:///a%20b/Dockerfile";
  p.version = 7;
  Diagnostic plain;
  plain.range = {{1, 2}, {1, 9}};
  plain.code = "FromAsCasing";
  plain.codeHref = "file:///docs/FromAsCasing.md";
  plain.message = "quote \" backslash \\ tab \t newline \n ctl \x01 é";
  plain.tags = {DiagnosticTag::Unnecessary, DiagnosticTag::Deprecated};
  Diagnostic broken;
  broken.message = std::string("bad utf8 \xff\xfe");
  broken.severity = DiagnosticSeverity::Hint;
  p.diagnostics = {plain, broken};
  json parsed = json::parse(publishDiagnosticsMessage(p));
  CHECK(parsed["method"] == "textDocument/publishDiagnostics");
  json expected = json::parse(json(p).dump(-1, ' ', false, json::error_handler_t::replace));
  CHECK(parsed["params"] == expected);
}

TEST_CASE("readers reject bad input without throwing") {
  Position pos;
  CHECK_FALSE(fromJSON(json::parse(R"({"line":"1","character":0})"), pos));
  CHECK_FALSE(fromJSON(json::parse(R"({"line":1})"), pos));
  CHECK_FALSE(fromJSON(json::parse("[]"), pos));
  Range r;
  CHECK_FALSE(
      fromJSON(json::parse(R"({"start":{"line":2,"character":0},"end":{"line":1,"character":0}})"), r));
  DidChangeParams dc;
  CHECK_FALSE(
      fromJSON(json::parse(R"({"textDocument":{"uri":"x"},"contentChanges":[{"range":5,"text":""}]})"), dc));
  DidChangeParams ok;
  REQUIRE(fromJSON(json::parse(R"({"textDocument":{"uri":"x","version":3},"contentChanges":[{"text":"a"}]})"),
                   ok));
  CHECK(ok.version == 3);
  CHECK_FALSE(ok.changes.at(0).range);
  PositionParams pp;
  CHECK_FALSE(fromJSON(json::parse(R"({"textDocument":{},"position":{"line":0,"character":0}})"), pp));
}
