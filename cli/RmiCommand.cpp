// `dfc rmi [-f] IMAGE...`: untag images and delete those no tag keeps (docker rmi).
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

namespace dfc::cli {

void registerRmiCommand(CLI::App &app, int &status) {
  struct Flags {
    std::vector<std::string> images;
    bool force = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App *cmd = app.add_subcommand("rmi", "Remove images");
  cmd->add_option("images", f->images, "Image names or ids")->required();
  cmd->add_flag("-f,--force", f->force, "Remove every tag of the image");
  cmd->callback([f, &status] {
    auto store = openStore();
    if (!store) {
      status = ExitFailure;
      return;
    }
    status = ExitSuccess;
    for (const std::string &name : f->images) {
      auto lines = store->removeImage(name, f->force);
      if (!lines) {
        status = reportError(lines.takeError(), "rmi " + name);
        continue;
      }
      for (const std::string &l : *lines)
        std::cout << l << "\n";
    }
  });
}

} // namespace dfc::cli
