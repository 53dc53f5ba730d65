// `dfc inspect NAME...`: docker inspect's JSON, one array for all: a container when one has that
// name or id, otherwise an image.
#include "backend/containers/Containers.h"
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

namespace dfc::cli {

void registerInspectCommand(CLI::App &app, int &status) {
  auto images = std::make_shared<std::vector<std::string>>();
  CLI::App *cmd = app.add_subcommand("inspect", "Show a container's or an image's configuration as JSON");
  cmd->add_option("images", *images, "Image names or ids")->required();
  cmd->callback([images, &status] {
    auto store = openStore();
    if (!store) {
      status = ExitFailure;
      return;
    }
    status = ExitSuccess;
    std::string out = "[";
    containers::Containers cs(*store);
    for (size_t i = 0; i < images->size(); ++i) {
      if (auto c = cs.inspect((*images)[i])) {
        out += (out.size() > 1 ? "," : "") + *c;
        continue;
      } else {
        llvm::consumeError(c.takeError());
      }
      auto j = store->inspect((*images)[i]);
      if (!j) {
        status = reportError(j.takeError(), "inspect " + (*images)[i]);
        continue;
      }
      out += (out.size() > 1 ? "," : "") + *j;
    }
    std::cout << out << "]\n";
  });
}

} // namespace dfc::cli
