// `dfc tag SOURCE TARGET`: another name for an image in the local store.
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

namespace dfc::cli {

void registerTagCommand(CLI::App &app, int &status) {
  auto names = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App *cmd = app.add_subcommand("tag", "Create a tag TARGET that refers to SOURCE");
  cmd->add_option("source", names->first, "Image name or id")->required();
  cmd->add_option("target", names->second, "New NAME[:TAG]")->required();
  cmd->callback([names, &status] {
    auto store = openStore();
    if (!store) {
      status = ExitFailure;
      return;
    }
    if (llvm::Error e = store->tag(names->first, names->second)) {
      status = reportError(std::move(e), "tag");
      return;
    }
    status = ExitSuccess;
  });
}

} // namespace dfc::cli
