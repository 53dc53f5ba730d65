// `dfc import ROOTFS.tar NAME[:TAG] [--change 'CMD ...']...`: a root filesystem tarball as a
// one-layer image (docker import).
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

namespace dfc::cli {

void registerImportCommand(CLI::App &app, int &status) {
  struct Flags {
    std::string tar, name, message;
    std::vector<std::string> changes;
  };
  auto f = std::make_shared<Flags>();
  CLI::App *cmd = app.add_subcommand("import", "Import a root filesystem tarball as an image");
  cmd->add_option("file", f->tar, "Tarball (any compression) or '-' for stdin")->required();
  cmd->add_option("name", f->name, "NAME[:TAG]");
  cmd->add_option("-c,--change", f->changes, "Apply a Dockerfile instruction to the config")->allow_extra_args(false);
  cmd->add_option("-m,--message", f->message, "History comment");
  cmd->callback([f, &status] {
    auto store = openStore();
    if (!store) {
      status = ExitFailure;
      return;
    }
    store::ImportOptions o;
    o.message = f->message;
    o.source = f->tar;
    auto img = f->tar == "-" ? store->importRootfs(0, f->name, f->changes, o)
                             : store->importRootfs(f->tar, f->name, f->changes, o);
    if (!img) {
      status = reportError(img.takeError(), "import " + f->tar);
      return;
    }
    std::cout << img->id.str() << "\n";
    status = ExitSuccess;
  });
}

} // namespace dfc::cli
