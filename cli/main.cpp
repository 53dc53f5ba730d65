// Entry point of the dfc binary: builds the CLI11 app from the subcommands in Commands.h and runs it.
// All real work happens in the libraries; this file only maps flags and exit codes.
#include "backend/containers/Containers.h"
#include "backend/store/Trace.h"
#include "cli/Commands.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstring>

#ifndef DFC_VERSION
#define DFC_VERSION "0.0.0"
#endif

int main(int argc, char **argv) {
  // `dfc run -d` starts this binary again as the container's supervisor.
  if (dfc::containers::runSupervisorIfRequested())
    return 0;
  // `dfc --version` needs no subcommand: CLI11 would build every command's options first.
  if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
    std::fputs("dfc " DFC_VERSION "\n", stdout);
    return dfc::cli::ExitSuccess;
  }
  dfc::store::trace::mark("main");
  CLI::App app{"dfc: a Dockerfile compiler, linter and language server", "dfc"};
  app.set_version_flag("--version", "dfc " DFC_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  int status = dfc::cli::ExitSuccess;
  using Register = void (*)(CLI::App &, int &);
  namespace c = dfc::cli;
  // In the order `dfc --help` lists them.
  const Register all[] = {c::registerParseCommand,   c::registerLintCommand,   c::registerBuildCommand,
                          c::registerImagesCommand,  c::registerImportCommand, c::registerBootstrapCommand,
                          c::registerTagCommand,     c::registerRmiCommand,    c::registerInspectCommand,
                          c::registerHistoryCommand, c::registerSaveCommand,   c::registerLoadCommand,
                          c::registerSystemCommand,  c::registerRunCommand,    c::registerLspCommand,
                          c::registerPullCommand,    c::registerPushCommand,   c::registerLoginCommand,
                          c::registerPlanCommand,    c::registerComposeCommand, c::registerVolumeCommand,
                          c::registerNetworkCommand};
  // The command a command line names is registered alone: CLI11 builds every option of every
  // command it is given, 0.4 ms of each dfc start. Help, a typo or a name missing here gets them all.
  static const struct {
    const char *name;
    Register reg;
  } byName[] = {{"parse", c::registerParseCommand},     {"lint", c::registerLintCommand},
                {"build", c::registerBuildCommand},     {"images", c::registerImagesCommand},
                {"import", c::registerImportCommand},   {"bootstrap", c::registerBootstrapCommand},
                {"tag", c::registerTagCommand},         {"rmi", c::registerRmiCommand},
                {"inspect", c::registerInspectCommand}, {"history", c::registerHistoryCommand},
                {"save", c::registerSaveCommand},       {"load", c::registerLoadCommand},
                {"system", c::registerSystemCommand},   {"run", c::registerRunCommand},
                {"ps", c::registerRunCommand},          {"ls", c::registerRunCommand},
                {"stop", c::registerRunCommand},        {"kill", c::registerRunCommand},
                {"rm", c::registerRunCommand},          {"logs", c::registerRunCommand},
                {"wait", c::registerRunCommand},        {"exec", c::registerRunCommand},
                {"create", c::registerRunCommand},      {"start", c::registerRunCommand},
                {"restart", c::registerRunCommand},     {"volume", c::registerVolumeCommand},
                {"network", c::registerNetworkCommand},
                {"lsp", c::registerLspCommand},         {"pull", c::registerPullCommand},
                {"push", c::registerPushCommand},       {"login", c::registerLoginCommand},
                {"logout", c::registerLoginCommand},    {"plan", c::registerPlanCommand},
                {"compose", c::registerComposeCommand}};
  Register chosen = nullptr;
  for (const auto &n : byName)
    if (argc > 1 && std::strcmp(argv[1], n.name) == 0)
      chosen = n.reg;
  bool registered = false;
  if (chosen) {
    chosen(app, status);
    for (CLI::App *sub : app.get_subcommands([](CLI::App *) { return true; }))
      registered |= sub->check_name(argv[1]);
  }
  if (!registered)
    for (Register reg : all)
      if (reg != chosen)
        reg(app, status);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    // --help and --version are "errors" with exit code 0; every real usage error exits 2.
    int code = app.exit(e);
    return code == 0 ? dfc::cli::ExitSuccess : dfc::cli::ExitUsage;
  }
  dfc::store::trace::mark("exit");
  return status;
}
