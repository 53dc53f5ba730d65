// End to end over real pipes: spawns `dfc lsp --stdio` and drives a whole editing session,
// asserting every reply. DFC_BINARY is the built dfc (set by CMake).
#include "lsp-server/Transport.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <spawn.h>
#include <sys/stat.h>
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
      Skipped.push_back(std::move(m));
    }
  }
  void notify(const std::string &method, json params) {
    send({{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
  }
  json waitNotification(const std::string &method) {
    for (auto it = Skipped.begin(); it != Skipped.end(); ++it)
      if (it->value("method", "") == method) {
        json p = (*it)["params"];
        Skipped.erase(it);
        return p;
      }
    for (;;) {
      json m = next();
      if (m.is_null())
        FAIL("server closed the pipe while we waited for " << method);
      if (m.value("method", "") == method)
        return m["params"];
      Skipped.push_back(std::move(m));
    }
  }
  // Messages that arrived while we waited for something else, oldest first.
  std::vector<json> Skipped;
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
  // Every code links to its rule page (docs/rules/ of the source tree beside build/bin/dfc).
  for (const json &d : diags["diagnostics"]) {
    INFO(d.dump());
    REQUIRE(d.contains("codeDescription"));
    std::string href = d["codeDescription"]["href"];
    REQUIRE(href.rfind("file://", 0) == 0);
    CHECK(href.substr(href.size() - d["code"].get<std::string>().size() - 3) ==
          d["code"].get<std::string>() + ".md");
    CHECK(access(href.substr(7).c_str(), R_OK) == 0);
  }

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

namespace {

// Rule ids of a publishDiagnostics notification -> severity.
std::map<std::string, int> bySeverity(const json &diags) {
  std::map<std::string, int> out;
  for (const json &d : diags["diagnostics"])
    out[d.value("code", "")] = d["severity"].get<int>();
  return out;
}

} // namespace

TEST_CASE("editor settings: initializationOptions, didChangeConfiguration, config file") {
  if (access(DFC_BINARY, X_OK) != 0) {
    WARN("SKIP: " DFC_BINARY " is not built");
    return;
  }
  char tmpl[] = "/tmp/dfc-lsp-settings-XXXXXX";
  REQUIRE(mkdtemp(tmpl));
  std::string dir = tmpl;
  std::string file = dir + "/Dockerfile", fileUri = "file://" + file;
  std::string conf = dir + "/editor.yaml";
  std::ofstream(conf) << "ignored:\n  - MaintainerDeprecated\n";
  // The nearest config file, used while the editor names none.
  std::ofstream(dir + "/.hadolint.yaml") << "override:\n  error:\n    - MaintainerDeprecated\n";
  // The folder is the build context, as for `dfc lint`: its .dockerignore feeds CopyIgnoredFile.
  std::ofstream(dir + "/.dockerignore") << "# secrets\nsecret.txt\n";

  Client c;
  // VS Code's shape: initializationOptions is the `dfc` section itself.
  json init = c.request(
      "initialize", {{"processId", nullptr},
                     {"rootUri", nullptr},
                     {"capabilities", json::object()},
                     {"initializationOptions",
                      {{"lint",
                        {{"severityOverrides", {{"FromAsCasing", "off"}, {"JSONArgsRecommended", "Error"}}},
                         {"shellcheck", false},
                         {"configFile", ""}}}}}});
  REQUIRE(init.contains("result"));
  c.notify("initialized", json::object());
  std::string text = "FROM alpine:3.19 as build\nMAINTAINER me\nCOPY secret.txt /x\nCMD echo hi\n";
  c.notify(
      "textDocument/didOpen",
      {{"textDocument", {{"uri", fileUri}, {"languageId", "dockerfile"}, {"version", 1}, {"text", text}}}});
  auto open = bySeverity(c.waitNotification("textDocument/publishDiagnostics"));
  CHECK(open.count("FromAsCasing") == 0);   // off in the editor
  CHECK(open["JSONArgsRecommended"] == 1);  // raised by the editor
  CHECK(open["MaintainerDeprecated"] == 1); // raised by the nearest .hadolint.yaml
  CHECK(open["CopyIgnoredFile"] == 2);

  // didChangeConfiguration as the extension pushes it: {settings: {dfc: ...}}. Every open
  // document is re-linted and published again.
  c.notify("workspace/didChangeConfiguration",
           {{"settings",
             {{"dfc",
               {{"lint",
                 {{"severityOverrides", {{"FromAsCasing", "info"}, {"DL3025", "bogus"}}},
                  {"shellcheck", false},
                  {"configFile", conf}}}}}}}});
  auto changed = bySeverity(c.waitNotification("textDocument/publishDiagnostics"));
  CHECK(changed["FromAsCasing"] == 3);
  CHECK(changed.count("MaintainerDeprecated") == 0); // ignored by editor.yaml
  CHECK(changed["JSONArgsRecommended"] == 2);        // back to its default: the old override is gone
  json warned = c.waitNotification("window/logMessage");
  CHECK(warned["message"].get<std::string>().find("DL3025") != std::string::npos);

  // A config file that cannot be read: said in the log, the defaults apply.
  c.notify(
      "workspace/didChangeConfiguration",
      {{"settings", {{"dfc", {{"lint", {{"configFile", dir + "/missing.yaml"}, {"shellcheck", false}}}}}}}});
  json log = c.waitNotification("window/logMessage");
  CHECK(log["message"].get<std::string>().find("missing.yaml") != std::string::npos);
  auto defaults = bySeverity(c.waitNotification("textDocument/publishDiagnostics"));
  CHECK(defaults.count("FromAsCasing") == 1);
  CHECK(defaults["MaintainerDeprecated"] == 2);

  // `settings: null` (a client expecting to be asked) changes nothing and publishes nothing.
  c.Skipped.clear();
  c.notify("workspace/didChangeConfiguration", {{"settings", nullptr}});
  json hover = c.request("textDocument/hover", {{"textDocument", {{"uri", fileUri}}},
                                                {"position", {{"line", 0}, {"character", 1}}}});
  CHECK(hover.contains("result"));
  for (const json &m : c.Skipped)
    CHECK(m.value("method", "") != "textDocument/publishDiagnostics");

  json sd = c.request("shutdown", nullptr);
  CHECK(sd.contains("result"));
  c.notify("exit", nullptr);
  CHECK(c.exitStatus() == 0);
  std::remove(conf.c_str());
  std::remove((dir + "/.hadolint.yaml").c_str());
  std::remove((dir + "/.dockerignore").c_str());
  rmdir(dir.c_str());
}

namespace {

// Runs the dfc binary with `args` (no shell); true when it exits 0.
bool runDfc(std::vector<std::string> args) {
  args.insert(args.begin(), DFC_BINARY);
  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  if (posix_spawn(&pid, DFC_BINARY, nullptr, nullptr, argv.data(), environ) != 0)
    return false;
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

} // namespace

TEST_CASE("FROM completion and hover from the local image store") {
  if (access(DFC_BINARY, X_OK) != 0) {
    WARN("SKIP: " DFC_BINARY " is not built");
    return;
  }
  char tmpl[] = "/tmp/dfc-lsp-store-XXXXXX";
  REQUIRE(mkdtemp(tmpl));
  std::string root = tmpl;
  std::string rootfs = root + "/rootfs";
  REQUIRE(mkdir(rootfs.c_str(), 0755) == 0);
  std::ofstream(rootfs + "/hello") << "hello\n";
  std::string tar = root + "/rootfs.tar";
  REQUIRE(std::system(("tar -C '" + rootfs + "' -cf '" + tar + "' .").c_str()) == 0);
  std::string store = root + "/store";
  const char *old = std::getenv("DFC_ROOT");
  std::string saved = old ? old : "";
  setenv("DFC_ROOT", store.c_str(), 1);
  REQUIRE(runDfc({"import", tar, "dfc-e2e/base:1"}));

  Client c; // inherits DFC_ROOT
  REQUIRE(c.request("initialize",
                    {{"processId", nullptr}, {"rootUri", nullptr}, {"capabilities", json::object()}})
              .contains("result"));
  c.notify("initialized", json::object());
  std::string fileUri = "file://" + root + "/Dockerfile";
  std::string text = "FROM dfc-e2e/base:1 AS one\nFROM docker.io/dfc-e2e/base:1\nFROM alpine:3.19\nFROM \n";
  c.notify(
      "textDocument/didOpen",
      {{"textDocument", {{"uri", fileUri}, {"languageId", "dockerfile"}, {"version", 1}, {"text", text}}}});
  c.waitNotification("textDocument/publishDiagnostics");
  auto at = [&](int line, int ch) {
    return json{{"textDocument", {{"uri", fileUri}}}, {"position", {{"line", line}, {"character", ch}}}};
  };
  auto labels = [&](const json &reply) {
    std::set<std::string> out;
    for (const json &i : reply["result"]["items"])
      out.insert(i["label"].get<std::string>());
    return out;
  };
  std::set<std::string> first = labels(c.request("textDocument/completion", at(3, 5)));
  CHECK(first.count("dfc-e2e/base:1") == 1);
  CHECK(first.count("one") == 1); // earlier stages too

  std::string known = c.request("textDocument/hover", at(0, 8))["result"]["contents"]["value"];
  CHECK(known.find("Local image store") != std::string::npos);
  CHECK(known.find("layers: 1") != std::string::npos);
  CHECK(known.find("linux/") != std::string::npos);
  // The same image by its full name.
  std::string full = c.request("textDocument/hover", at(1, 8))["result"]["contents"]["value"];
  CHECK(full.find("layers: 1") != std::string::npos);
  std::string unknown = c.request("textDocument/hover", at(2, 8))["result"]["contents"]["value"];
  CHECK(unknown.find("not in the local store") != std::string::npos);

  // A new image while the server runs: the store changed, so the next completion sees it.
  REQUIRE(runDfc({"tag", "dfc-e2e/base:1", "dfc-e2e/other:2"}));
  std::set<std::string> second = labels(c.request("textDocument/completion", at(3, 5)));
  CHECK(second.count("dfc-e2e/other:2") == 1);

  c.request("shutdown", nullptr);
  c.notify("exit", nullptr);
  CHECK(c.exitStatus() == 0);
  if (old)
    setenv("DFC_ROOT", saved.c_str(), 1);
  else
    unsetenv("DFC_ROOT");
  CHECK(std::system(("rm -rf '" + root + "'").c_str()) == 0);
}

TEST_CASE("ShellCheck on a worker thread when the editor's settings turn it on") {
  if (access(DFC_BINARY, X_OK) != 0) {
    WARN("SKIP: " DFC_BINARY " is not built");
    return;
  }
  if (std::system("command -v shellcheck >/dev/null 2>&1") != 0) {
    WARN("SKIP: shellcheck is not installed (scripts/setup.sh installs it)");
    return;
  }
  alarm(120); // a result that never comes fails the test instead of hanging it
  const char *scUri = "file:///tmp/dfc-e2e-shellcheck/Dockerfile";
  Client c;
  REQUIRE(c.request("initialize", {{"processId", nullptr},
                                   {"rootUri", nullptr},
                                   {"capabilities", json::object()},
                                   {"initializationOptions", {{"lint", {{"shellcheck", true}}}}}})
              .contains("result"));
  c.notify("initialized", json::object());
  std::string text = "FROM alpine:3.19\nRUN echo $1\nRUN true\n";
  c.notify(
      "textDocument/didOpen",
      {{"textDocument", {{"uri", scUri}, {"languageId", "dockerfile"}, {"version", 1}, {"text", text}}}});
  auto shellCheckLines = [](const json &p) {
    std::vector<int> lines;
    for (const json &d : p["diagnostics"])
      if (d.value("code", "") == "ShellCheck" && d["message"].get<std::string>().rfind("SC2086", 0) == 0)
        lines.push_back(d["range"]["start"]["line"].get<int>());
    return lines;
  };
  // The rules' diagnostics come at once; ShellCheck's follow for the same version.
  json first = c.waitNotification("textDocument/publishDiagnostics");
  CHECK(first["version"] == 1);
  json withShellCheck = first;
  while (shellCheckLines(withShellCheck).empty())
    withShellCheck = c.waitNotification("textDocument/publishDiagnostics");
  CHECK(withShellCheck["version"] == 1);
  CHECK(shellCheckLines(withShellCheck) == std::vector<int>{1});
  CHECK(withShellCheck["diagnostics"].dump().find("ShellCheck.md") != std::string::npos);

  // An edit moves the RUN down a line: the findings of the new version are placed in its text.
  c.notify(
      "textDocument/didChange",
      {{"textDocument", {{"uri", scUri}, {"version", 2}}},
       {"contentChanges",
        {{{"range", {{"start", {{"line", 1}, {"character", 0}}}, {"end", {{"line", 1}, {"character", 0}}}}},
          {"text", "ENV A=1\n"}}}}});
  json moved;
  do
    moved = c.waitNotification("textDocument/publishDiagnostics");
  while (moved["version"] != 2 || shellCheckLines(moved).empty());
  CHECK(shellCheckLines(moved) == std::vector<int>{2});

  // Turned off in the settings: the next diagnostics have none.
  c.notify("workspace/didChangeConfiguration",
           {{"settings", {{"dfc", {{"lint", {{"shellcheck", false}}}}}}}});
  json off = c.waitNotification("textDocument/publishDiagnostics");
  CHECK(shellCheckLines(off).empty());

  c.request("shutdown", nullptr);
  c.notify("exit", nullptr);
  CHECK(c.exitStatus() == 0);
  alarm(0);
}
