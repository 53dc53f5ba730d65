// The subcommands of the dfc binary: each registers its flags on the CLI11 app and runs when chosen.
// CLI11 is a heavy header, so it stays in the .cpp files; this header only forward-declares the app.
#pragma once

namespace CLI {
class App;
} // namespace CLI

namespace dfc::cli {

// Process exit codes shared by every subcommand.
enum ExitCode : int {
  ExitSuccess = 0,
  ExitFailure = 1, // the input has errors (diagnostics were printed)
  ExitUsage = 2,   // bad flags or an unreadable input file
};

// `dfc parse [--dump=buildkit|--json] [--build-arg K=V]... [--target S] FILE|-`.
// When the subcommand runs, it stores its exit code in `status`.
void registerParseCommand(CLI::App &app, int &status);

// `dfc lint [--format F] [--failure-threshold T] [--config FILE] [--ignore ID]... [--no-shellcheck]
// [--fix] [--explain ID] [--list] PATH...` (docs/lint.md).
void registerLintCommand(CLI::App &app, int &status);

// `dfc lsp [--stdio] [--rule-docs-url URL]`: the language server on stdin/stdout.
void registerLspCommand(CLI::App &app, int &status);

// Image store and build commands (StoreAccess.h opens $DFC_ROOT for them).
void registerBuildCommand(CLI::App &app, int &status);
void registerImagesCommand(CLI::App &app, int &status);
void registerImportCommand(CLI::App &app, int &status);
void registerBootstrapCommand(CLI::App &app, int &status);
void registerTagCommand(CLI::App &app, int &status);
void registerRmiCommand(CLI::App &app, int &status);
void registerInspectCommand(CLI::App &app, int &status);
void registerHistoryCommand(CLI::App &app, int &status);
void registerSaveCommand(CLI::App &app, int &status);
void registerLoadCommand(CLI::App &app, int &status);
void registerSystemCommand(CLI::App &app, int &status);
// `dfc volume create|ls|inspect|rm`: the named volumes containers mount.
void registerVolumeCommand(CLI::App &app, int &status);
// `dfc network create|ls|inspect|rm`: user networks containers join with `dfc run --network NAME`.
void registerNetworkCommand(CLI::App &app, int &status);
void registerRunCommand(CLI::App &app, int &status);
// `dfc compose [-f FILE] [-p NAME] up|down|ps|logs|build|stop` (backend/compose).
void registerComposeCommand(CLI::App &app, int &status);
// `dfc plan [-f FILE] [--build-arg K=V] [--target S] [-O N] [--format text|json|dot] CONTEXT`:
// the optimised plan and cache predictions, reading the store only.
void registerPlanCommand(CLI::App &app, int &status);

// Registry commands: `dfc pull`, `dfc push`, `dfc login` (which also registers `dfc logout`).
void registerPullCommand(CLI::App &app, int &status);
void registerPushCommand(CLI::App &app, int &status);
void registerLoginCommand(CLI::App &app, int &status);

} // namespace dfc::cli
