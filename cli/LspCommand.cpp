// `dfc lsp [--stdio]`: runs the language server on stdin/stdout. Wires the CLI's lint config
// lookup and the embedded rule pages into the server; everything else lives in lsp-server/.
#include "cli/Commands.h"
#include "cli/LintConfig.h"
#include "cli/LspImageStore.h"
#include "cli/RuleDocs.h"
#include "lsp-server/Server.h"

#include "backend/store/ContentStore.h"

#include <CLI/CLI.hpp>

#include <climits>
#include <csignal>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace dfc::cli {

namespace {

// file:// URL of docs/rules/ in the source tree the binary was built in (build/bin/dfc ->
// docs/rules), so editors can open a rule's page; empty when that folder is not there.
std::string defaultRuleDocsUrl() {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    return {};
  exe[n] = 0;
  std::string dir(exe);
  for (int up = 0; up < 3; ++up) {
    dir = dir.substr(0, dir.rfind('/'));
    std::string docs = dir + "/docs/rules";
    struct stat st;
    if (stat(docs.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      return "file://" + docs + "/";
  }
  return {};
}

int runLsp(const std::string &ruleDocsUrl) {
  // A client that closes the pipe while we write must not kill us mid-message.
  signal(SIGPIPE, SIG_IGN);
  lsp::Transport transport(STDIN_FILENO, STDOUT_FILENO);
  lsp::ServerOptions opts;
  opts.version = DFC_VERSION;
  opts.ruleDocsUrl = ruleDocsUrl;
  opts.ruleDoc = [](const std::string &id) { return ruleDoc(id); };
  opts.configFor = [](const std::string &path, const std::string &configFile, std::string &error) {
    LintSettings settings;
    std::string file = configFile;
    std::string dir = path.empty() ? std::string() : path.substr(0, path.rfind('/'));
    if (file.empty() && !dir.empty())
      file = findLintConfig(dir);
    // A broken config file is reported (once) in the editor's log; the editor keeps the defaults.
    if (!file.empty())
      if (std::optional<std::string> e = loadLintConfig(file, settings)) {
        error = *e;
        settings = LintSettings{};
      }
    // As `dfc lint` does: the Dockerfile's folder is taken as the build context.
    if (!path.empty())
      settings.config.dockerignore = readDockerignore(path, dir.empty() ? "/" : dir);
    return settings.config;
  };
  // ShellCheck on the server's worker thread, with its outputs kept per RUN body.
  auto outputs = std::make_shared<ShellCheckOutputs>();
  opts.shellCheck = [outputs](const SyntaxTree &tree, const Program &program, const lint::Config &config,
                              const std::function<bool()> &stop) {
    return editorShellCheck(tree, program, config, *outputs, stop);
  };
  // Read-only and lazy: the store is first read when a FROM line asks for it.
  auto images = std::make_shared<LspImageStore>(store::defaultStoreRoot());
  opts.localImages = [images] { return images->images(); };
  opts.findImage = [images](const std::string &name) { return images->find(name); };
  lsp::Server server(std::move(opts), [&](const std::string &body) { transport.write(body); });
  return server.run(transport);
}

} // namespace

void registerLspCommand(CLI::App &app, int &status) {
  CLI::App *cmd = app.add_subcommand("lsp", "Run the Dockerfile language server (LSP over stdio)");
  // CLI11 writes the flags' values through these when it parses, after this function returned:
  // the callback owns them (`--stdio` once wrote into a freed bool: ASan in lsp_e2e_tests).
  auto stdio = std::make_shared<bool>(true);
  auto url = std::make_shared<std::string>();
  cmd->add_flag("--stdio", *stdio, "Speak LSP on stdin/stdout (the default and only transport)");
  cmd->add_option("--rule-docs-url", *url,
                  "URL prefix for rule pages in diagnostics (default: docs/rules/ beside the binary)");
  cmd->callback([&status, stdio, url] { status = runLsp(url->empty() ? defaultRuleDocsUrl() : *url); });
}

} // namespace dfc::cli
