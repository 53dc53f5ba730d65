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
