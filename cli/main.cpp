// Entry point of the dfc binary: builds the CLI11 app from the subcommands in Commands.h and runs it.
// All real work happens in the libraries; this file only maps flags and exit codes.
#include "backend/containers/Containers.h"
#include "backend/store/Trace.h"
#include "cli/Commands.h"

#include <CLI/CLI.hpp>

#ifndef DFC_VERSION
#define DFC_VERSION "0.0.0"
#endif

int main(int argc, char **argv) {
  // `dfc run -d` starts this binary again as the container's supervisor.
  if (dfc::containers::runSupervisorIfRequested())
    return 0;
  dfc::store::trace::mark("main");
  CLI::App app{"dfc: a Dockerfile compiler, linter and language server", "dfc"};
  app.set_version_flag("--version", "dfc " DFC_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  int status = dfc::cli::ExitSuccess;
  dfc::cli::registerParseCommand(app, status);
  dfc::cli::registerLintCommand(app, status);
  for (auto reg : {dfc::cli::registerBuildCommand, dfc::cli::registerImagesCommand, dfc::cli::registerImportCommand,
                   dfc::cli::registerBootstrapCommand, dfc::cli::registerTagCommand, dfc::cli::registerRmiCommand,
                   dfc::cli::registerInspectCommand, dfc::cli::registerHistoryCommand, dfc::cli::registerSaveCommand,
                   dfc::cli::registerLoadCommand, dfc::cli::registerSystemCommand, dfc::cli::registerRunCommand})
    reg(app, status);
  dfc::cli::registerLspCommand(app, status);
  dfc::cli::registerPullCommand(app, status);
  dfc::cli::registerPushCommand(app, status);
  dfc::cli::registerLoginCommand(app, status);
  dfc::cli::registerPlanCommand(app, status);
  dfc::cli::registerComposeCommand(app, status);

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
