// `dfc load -i FILE`: images from a docker-archive or OCI archive into the local store.
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

namespace dfc::cli {

void registerLoadCommand(CLI::App &app, int &status) {
  auto input = std::make_shared<std::string>();
  CLI::App *cmd = app.add_subcommand("load", "Load images from a tar archive");
  cmd->add_option("-i,--input", *input, "Archive to read")->required();
  cmd->callback([input, &status] {
    auto store = openStore();
    if (!store) {
      status = ExitFailure;
      return;
    }
    auto loaded = store->load(*input);
    if (!loaded) {
      status = reportError(loaded.takeError(), "load " + *input);
      return;
    }
    for (const std::string &n : *loaded)
      std::cout << "Loaded image: " << n << "\n";
    status = ExitSuccess;
  });
}

} // namespace dfc::cli
