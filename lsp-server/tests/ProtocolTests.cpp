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
  Diagnostic edges; // escapes at both ends of a string, and a string that is all escapes
  edges.message = "\"mid\n";
  edges.code = "\\";
  edges.range = {{120000, 0}, {120001, 65535}};
  p.diagnostics = {plain, broken, edges};
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

TEST_CASE("editor settings: both shapes, bad entries named and skipped") {
  std::vector<std::string> problems;
  EditorSettings s;
  CHECK_FALSE(fromJSON(json::parse(R"({"other":{}})"), s, problems));
  CHECK_FALSE(fromJSON(json(nullptr), s, problems));
  REQUIRE(fromJSON(json::parse(R"({"lint":{"severityOverrides":{"DL3008":"Error","X":"loud","Y":3},
                                          "shellcheck":false,"configFile":"/c.yaml"}})"),
                   s, problems));
  CHECK(s.severityOverrides == std::map<std::string, std::string>{{"DL3008", "error"}});
  CHECK_FALSE(s.shellcheck);
  CHECK(s.configFile == "/c.yaml");
  CHECK(problems.size() == 2);
  EditorSettings wrapped;
  problems.clear();
  REQUIRE(fromJSON(json::parse(R"({"dfc":{"lint":{"shellcheck":"no","configFile":7}}})"), wrapped, problems));
  CHECK(wrapped.shellcheck); // the default stays
  CHECK(wrapped.configFile.empty());
  CHECK(problems.size() == 2);
}
