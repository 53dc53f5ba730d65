// The Server over in-memory messages: lifecycle, JSON-RPC errors, text sync, cancellation.
#include "lsp-server/Server.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <thread>
#include <unistd.h>

using namespace dfc::lsp;
using nlohmann::json;

namespace {

struct Harness {
  std::vector<json> sent;
  Server server{ServerOptions{}, [this](const std::string &body) { sent.push_back(json::parse(body)); }};

  json request(int id, const std::string &method, json params = json::object()) {
    sent.clear();
    server.handle(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump());
    for (const json &m : sent)
      if (m.contains("id") && m["id"] == id)
        return m;
    return json();
  }
  void notify(const std::string &method, json params) {
    sent.clear();
    server.handle(json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}}.dump());
  }
  json lastDiagnostics() const {
    for (auto it = sent.rbegin(); it != sent.rend(); ++it)
      if (it->value("method", "") == "textDocument/publishDiagnostics")
        return (*it)["params"];
    return json();
  }
  void init() { request(1, "initialize", {{"capabilities", json::object()}}); }
};

const char *uri = "file:///tmp/x/Dockerfile";

json pos(int l, int c) {
  return {{"textDocument", {{"uri", uri}}}, {"position", {{"line", l}, {"character", c}}}};
}

} // namespace

TEST_CASE("requests before initialize and unknown methods get JSON-RPC errors") {
  Harness h;
  CHECK(h.request(1, "textDocument/hover", pos(0, 0))["error"]["code"] == ServerNotInitialized);
  json init = h.request(2, "initialize", {{"capabilities", json::object()}});
  CHECK(init["result"]["capabilities"]["textDocumentSync"]["change"] == 2);
  CHECK(init["result"]["capabilities"]["semanticTokensProvider"]["full"] == true);
  CHECK(h.request(3, "no/such/method")["error"]["code"] == MethodNotFound);
}

TEST_CASE("malformed JSON and invalid requests") {
  Harness h;
  h.server.handle("{not json");
  REQUIRE(h.sent.size() == 1);
  CHECK(h.sent[0]["error"]["code"] == ParseError);
  CHECK(h.sent[0]["id"].is_null());
  h.sent.clear();
  h.server.handle(R"({"jsonrpc":"2.0","id":5})");
  REQUIRE(h.sent.size() == 1);
  CHECK(h.sent[0]["error"]["code"] == InvalidRequest);
  CHECK(h.sent[0]["id"] == 5);
  h.sent.clear();
  h.server.handle("[1,2]");
  CHECK(h.sent.at(0)["error"]["code"] == InvalidRequest);
}

TEST_CASE("bad params and positions, unknown documents") {
  Harness h;
  h.init();
  h.notify(
      "textDocument/didOpen",
      {{"textDocument", {{"uri", uri}, {"languageId", "dockerfile"}, {"version", 1}, {"text", "FROM a\n"}}}});
  CHECK(h.request(2, "textDocument/hover", pos(40, 0))["error"]["code"] == InvalidParams);
  CHECK(h.request(3, "textDocument/hover", {{"textDocument", {{"uri", uri}}}})["error"]["code"] ==
        InvalidParams);
  CHECK(h.request(4, "textDocument/hover",
                  {{"textDocument", {{"uri", "file:///other"}}},
                   {"position", {{"line", 0}, {"character", 0}}}})["error"]["code"] == InvalidParams);
  CHECK(h.request(5, "textDocument/hover",
                  {{"textDocument", {{"uri", uri}}},
                   {"position", {{"line", -1}, {"character", 0}}}})["error"]["code"] == InvalidParams);
  CHECK(h.request(6, "textDocument/hover", "string params")["error"]["code"] == InvalidParams);
  // Past the end of a line is fine (clamped).
  CHECK(h.request(7, "textDocument/hover", pos(0, 500)).contains("result"));
}

TEST_CASE("didOpen and didChange publish diagnostics for the new text") {
  Harness h;
  h.init();
  h.notify("textDocument/didOpen", {{"textDocument",
                                     {{"uri", uri},
                                      {"languageId", "dockerfile"},
                                      {"version", 1},
                                      {"text", "FROM alpine:3\nMAINTAINER me\n"}}}});
  json d = h.lastDiagnostics();
  REQUIRE(d.is_object());
  CHECK(d["version"] == 1);
  CHECK(d["diagnostics"].dump().find("MaintainerDeprecated") != std::string::npos);
  // Incremental: replace line 1 with a LABEL.
  h.notify(
      "textDocument/didChange",
      {{"textDocument", {{"uri", uri}, {"version", 2}}},
       {"contentChanges",
        {{{"range", {{"start", {{"line", 1}, {"character", 0}}}, {"end", {{"line", 1}, {"character", 13}}}}},
          {"text", "LABEL a=b"}}}}});
  d = h.lastDiagnostics();
  CHECK(d["version"] == 2);
  CHECK(d["diagnostics"].dump().find("MaintainerDeprecated") == std::string::npos);
  // Full sync.
  h.notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", 3}}},
                                      {"contentChanges", {{{"text", "FROM alpine:3 as x\n"}}}}});
  CHECK(h.lastDiagnostics()["diagnostics"].dump().find("FromAsCasing") != std::string::npos);
  json hov = h.request(9, "textDocument/hover", pos(0, 1));
  CHECK(hov["result"]["contents"]["value"].get<std::string>().find("base image") != std::string::npos);
}

TEST_CASE("cancelled requests answer RequestCancelled") {
  Harness h;
  h.init();
  h.notify("$/cancelRequest", {{"id", 42}});
  CHECK(h.request(42, "textDocument/hover", pos(0, 0))["error"]["code"] == RequestCancelled);
}

TEST_CASE("shutdown then exit; requests after shutdown are refused") {
  Harness h;
  h.init();
  CHECK(h.request(2, "shutdown").contains("result"));
  CHECK(h.request(3, "textDocument/hover", pos(0, 0))["error"]["code"] == InvalidRequest);
  CHECK_FALSE(h.server.handle(R"({"jsonrpc":"2.0","method":"exit"})"));
  CHECK(h.server.shutdownRequested());
}

TEST_CASE("run() over a pipe: framing, bad headers, exit code") {
  int in[2], out[2];
  REQUIRE(pipe(in) == 0);
  REQUIRE(pipe(out) == 0);
  Transport t(in[0], out[1]);
  std::vector<std::string> bodies;
  Server s(ServerOptions{}, [&](const std::string &b) { t.write(b); });
  std::string msgs;
  auto frame = [](const std::string &b) {
    return "Content-Length: " + std::to_string(b.size()) + "\r\n\r\n" + b;
  };
  msgs += frame(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})");
  msgs += "X-Nothing: 1\r\n\r\n";
  msgs += frame(R"({"jsonrpc":"2.0","id":2,"method":"shutdown"})");
  msgs += frame(R"({"jsonrpc":"2.0","method":"exit"})");
  REQUIRE(write(in[1], msgs.data(), msgs.size()) == static_cast<ssize_t>(msgs.size()));
  int code = s.run(t);
  CHECK(code == 0);
  close(out[1]);
  Transport reader(out[0], -1);
  std::string body;
  std::vector<json> replies;
  while (reader.read(body) == Transport::ReadStatus::Message)
    replies.push_back(json::parse(body));
  REQUIRE(replies.size() == 3);
  CHECK(replies[0]["id"] == 1);
  CHECK(replies[1]["error"]["code"] == ParseError);
  CHECK(replies[2]["id"] == 2);
  close(in[0]);
  close(in[1]);
  close(out[0]);
}

namespace {

// The LSP position (UTF-16 column) of byte `offset` in `text`.
json lspPosition(const std::string &text, size_t offset) {
  int line = 0, col = 0;
  for (size_t i = 0; i < offset; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      col = 0;
    } else if ((c & 0xC0) != 0x80) {
      col += c >= 0xF0 ? 2 : 1;
    }
  }
  return {{"line", line}, {"character", col}};
}

// A byte offset of `text` on a character boundary and not inside a CRLF (LSP counts "\r\n" as one
// line break, so no position lies between its two bytes).
size_t boundary(const std::string &text, size_t offset) {
  while (offset > 0 && offset < text.size() &&
         ((static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80 ||
          (text[offset] == '\n' && text[offset - 1] == '\r')))
    --offset;
  return offset;
}

} // namespace

TEST_CASE("random incremental edits end in the same diagnostics as opening the final text") {
  // Pieces that make and unmake instructions, continuations, heredocs, variables, stages,
  // non-ASCII (2-, 3- and 4-byte) text and CRLF line ends.
  const char *pieces[] = {"\n",
                          "FROM alpine:3.19 AS b\n",
                          "RUN apt-get install curl \\\n",
                          " && x",
                          "$A",
                          "ENV A=1\n",
                          "COPY --from=b /a /b\n",
                          "<<EOF\nbody\nEOF\n",
                          "é",
                          "€",
                          "😀",
                          "\r\n",
                          "# hadolint ignore=DL3008\n",
                          "ARG V\n",
                          "maintainer me\n",
                          " "};
  std::string text = "ARG A=1\nFROM alpine:$A AS base\nRUN echo $A\nFROM base\nCOPY --from=base / /x\n";
  uint32_t seed = 12345;
  auto rnd = [&](uint32_t n) {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) % n;
  };
  Harness h;
  h.init();
  h.notify("textDocument/didOpen",
           {{"textDocument", {{"uri", uri}, {"languageId", "dockerfile"}, {"version", 1}, {"text", text}}}});
  for (int v = 2; v < 302; ++v) {
    size_t b = boundary(text, rnd(static_cast<uint32_t>(text.size() + 1)));
    size_t e = boundary(text, std::min(text.size(), b + rnd(12)));
    std::string insert = rnd(3) == 0 ? "" : pieces[rnd(sizeof pieces / sizeof *pieces)];
    // Several changes in one notification, as editors batch them; positions are in the text
    // as each change finds it.
    json changes = json::array();
    changes.push_back(
        {{"range", {{"start", lspPosition(text, b)}, {"end", lspPosition(text, e)}}}, {"text", insert}});
    text.replace(b, e - b, insert);
    if (rnd(4) == 0) {
      size_t at = boundary(text, rnd(static_cast<uint32_t>(text.size() + 1)));
      changes.push_back(
          {{"range", {{"start", lspPosition(text, at)}, {"end", lspPosition(text, at)}}}, {"text", "\n"}});
      text.insert(at, "\n");
    }
    h.notify("textDocument/didChange",
             {{"textDocument", {{"uri", uri}, {"version", v}}}, {"contentChanges", changes}});
    json inc = h.lastDiagnostics();
    REQUIRE(inc.is_object());
    REQUIRE(inc["version"] == v);
    if (v % 25 != 0)
      continue;
    // The edited document against a fresh server that opens the text we expect.
    Harness fresh;
    fresh.init();
    fresh.notify(
        "textDocument/didOpen",
        {{"textDocument", {{"uri", uri}, {"languageId", "dockerfile"}, {"version", v}, {"text", text}}}});
    INFO("after " << v - 1 << " edits, text:\n" << text);
    CHECK(inc == fresh.lastDiagnostics());
    // Requests agree too (they read the same analysis).
    json a = h.request(1000 + v, "textDocument/semanticTokens/full", {{"textDocument", {{"uri", uri}}}});
    json b2 = fresh.request(1000 + v, "textDocument/semanticTokens/full", {{"textDocument", {{"uri", uri}}}});
    CHECK(a["result"] == b2["result"]);
  }
}
