// End to end over real pipes: spawns `dfc lsp --stdio` and drives a whole editing session,
// asserting every reply. DFC_BINARY is the built dfc (set by CMake).
#include "lsp-server/Transport.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

using dfc::lsp::Transport;
using nlohmann::json;

extern char **environ;

namespace {

class Client {
public:
  Client() {
    int in[2], out[2];
    REQUIRE(pipe(in) == 0);
    REQUIRE(pipe(out) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    const char *argv[] = {DFC_BINARY, "lsp", "--stdio", nullptr};
    REQUIRE(posix_spawn(&Pid, DFC_BINARY, &fa, nullptr, const_cast<char **>(argv), environ) == 0);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    ToServer = in[1];
    FromServer = out[0];
    T = std::make_unique<Transport>(FromServer, ToServer);
  }
  ~Client() {
    close(ToServer);
    close(FromServer);
    if (Pid > 0) {
      kill(Pid, SIGKILL);
      waitpid(Pid, nullptr, 0);
    }
  }
  void send(const json &m) { REQUIRE(T->write(m.dump())); }
  json request(const std::string &method, json params) {
    int id = ++NextId;
    send({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
    for (;;) {
      json m = next();
      if (m.is_null())
        FAIL("server closed the pipe while we waited for " << method);
      if (m.contains("id") && m["id"] == id && !m.contains("method"))
        return m;
    }
  }
  void notify(const std::string &method, json params) {
    send({{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
  }
  json waitNotification(const std::string &method) {
    for (;;) {
      json m = next();
      if (m.is_null())
        FAIL("server closed the pipe while we waited for " << method);
      if (m.value("method", "") == method)
        return m["params"];
    }
  }
  int exitStatus() {
    int st = 0;
    waitpid(Pid, &st, 0);
    Pid = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }

private:
  json next() {
    std::string body;
    if (T->read(body) != Transport::ReadStatus::Message)
      return json();
    return json::parse(body);
  }
  pid_t Pid = -1;
  int ToServer = -1, FromServer = -1, NextId = 0;
  std::unique_ptr<Transport> T;
};

const char *uri = "file:///tmp/dfc-e2e/Dockerfile";
json doc() { return {{"uri", uri}}; }
json at(int line, int ch) {
  return {{"textDocument", doc()}, {"position", {{"line", line}, {"character", ch}}}};
}

} // namespace

TEST_CASE("a whole session over pipes") {
  if (access(DFC_BINARY, X_OK) != 0) {
    WARN("SKIP: " DFC_BINARY " is not built");
    return;
  }
  Client c;
  json init = c.request("initialize",
                        {{"processId", nullptr}, {"rootUri", nullptr}, {"capabilities", json::object()}});
  REQUIRE(init.contains("result"));
  CHECK(init["result"]["serverInfo"]["name"] == "dfc");
  c.notify("initialized", json::object());

  std::string text = "ARG BASE=alpine:3.19\n"
                     "FROM $BASE as build\n"
                     "ENV DIR=/src\n"
                     "run echo $DIR\n"
                     "FROM scratch\n"
                     "COPY --from=build /src /out\n";
  c.notify("textDocument/didOpen",
           {{"textDocument", {{"uri", uri}, {"languageId", "dockerfile"}, {"version", 1}, {"text", text}}}});
  json diags = c.waitNotification("textDocument/publishDiagnostics");
  CHECK(diags["uri"] == uri);
  CHECK(diags["diagnostics"].dump().find("FromAsCasing") != std::string::npos);

  json hover = c.request("textDocument/hover", at(3, 1));
  CHECK(hover["result"]["contents"]["value"].get<std::string>().find("Runs a command") != std::string::npos);
  json hoverVar = c.request("textDocument/hover", at(3, 11));
  CHECK(hoverVar["result"]["contents"]["value"].get<std::string>().find("/src") != std::string::npos);

  json completion = c.request("textDocument/completion", at(5, 12));
  CHECK(completion["result"]["items"].dump().find("\"build\"") != std::string::npos);

  json def = c.request("textDocument/definition", at(5, 14));
  REQUIRE(def["result"].size() == 1);
  CHECK(def["result"][0]["range"]["start"] == json({{"line", 1}, {"character", 14}}));

  json refs = c.request("textDocument/references", {{"textDocument", doc()},
                                                    {"position", {{"line", 2}, {"character", 5}}},
                                                    {"context", {{"includeDeclaration", true}}}});
  CHECK(refs["result"].size() == 2);

  json ren = c.request(
      "textDocument/rename",
      {{"textDocument", doc()}, {"position", {{"line", 1}, {"character", 15}}}, {"newName", "compile"}});
  CHECK(ren["result"]["changes"][uri].size() == 2);

  json fmt = c.request("textDocument/formatting",
                       {{"textDocument", doc()}, {"options", {{"tabSize", 4}, {"insertSpaces", true}}}});
  REQUIRE(fmt["result"].size() == 1);
  CHECK(fmt["result"][0]["newText"] == "RUN");

  json actions = c.request(
      "textDocument/codeAction",
      {{"textDocument", doc()},
       {"range", {{"start", {{"line", 1}, {"character", 11}}}, {"end", {{"line", 1}, {"character", 13}}}}},
       {"context", {{"diagnostics", json::array()}}}});
  CHECK(actions["result"].dump().find("Ignore FromAsCasing") != std::string::npos);

  json tokens = c.request("textDocument/semanticTokens/full", {{"textDocument", doc()}});
  REQUIRE(tokens["result"]["data"].is_array());
  CHECK(tokens["result"]["data"].size() % 5 == 0);
  CHECK(tokens["result"]["data"].size() >= 5 * 10);

  json bad = c.request("textDocument/hover", at(99, 0));
  CHECK(bad["error"]["code"] == -32602);
  json unknown = c.request("dfc/nothing", json::object());
  CHECK(unknown["error"]["code"] == -32601);

  c.notify(
      "textDocument/didChange",
      {{"textDocument", {{"uri", uri}, {"version", 2}}},
       {"contentChanges",
        {{{"range", {{"start", {{"line", 1}, {"character", 12}}}, {"end", {{"line", 1}, {"character", 14}}}}},
          {"text", "AS"}}}}});
  json after = c.waitNotification("textDocument/publishDiagnostics");
  CHECK(after["version"] == 2);
  CHECK(after["diagnostics"].dump().find("FromAsCasing") == std::string::npos);

  json sd = c.request("shutdown", nullptr);
  CHECK(sd.contains("result"));
  c.notify("exit", nullptr);
  CHECK(c.exitStatus() == 0);
}
