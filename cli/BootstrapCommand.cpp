// `dfc bootstrap busybox [NAME]` and `dfc bootstrap debian:SUITE [--mirror URL]`: base images made
// on this machine, so FROM busybox / FROM debian:bookworm work without a registry.
#include "backend/store/Bootstrap.h"
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

namespace dfc::cli {

void registerBootstrapCommand(CLI::App &app, int &status) {
  struct Flags {
    std::string what, name, mirror, busybox = "/bin/busybox";
  };
  auto f = std::make_shared<Flags>();
  CLI::App *cmd = app.add_subcommand("bootstrap", "Create a base image: busybox or debian:SUITE");
  cmd->add_option("image", f->what, "busybox, or debian:SUITE (e.g. debian:bookworm)")->required();
  cmd->add_option("name", f->name, "Tag for the image (default: the image argument)");
  cmd->add_option("--mirror", f->mirror, "Debian mirror (default: the host's)");
  cmd->add_option("--busybox", f->busybox, "busybox binary to use");
  cmd->callback([f, &status] {
    auto store = openStore();
    if (!store) {
      status = ExitFailure;
      return;
    }
    llvm::StringRef what(f->what);
    llvm::Expected<store::ResolvedImage> img = llvm::make_error<llvm::StringError>("", llvm::inconvertibleErrorCode());
    llvm::consumeError(img.takeError());
    if (what == "busybox" || what.startswith("busybox:")) {
      std::string name = f->name.empty() ? (what.contains(':') ? f->what : "busybox:latest") : f->name;
      img = store::bootstrapBusybox(*store, name, f->busybox);
    } else if (what.startswith("debian")) {
      std::string suite = what.contains(':') ? what.split(':').second.str() : "bookworm";
      std::string name = f->name.empty() ? "debian:" + suite : f->name;
      img = store::bootstrapDebian(*store, name, suite, f->mirror);
    } else {
      std::cerr << "dfc: bootstrap knows busybox and debian:SUITE, not " << f->what << "\n";
      status = ExitUsage;
      return;
    }
    if (!img) {
      status = reportError(img.takeError(), "bootstrap " + f->what);
      return;
    }
    std::cout << img->name << " " << img->id.str() << "\n";
    status = ExitSuccess;
  });
}

} // namespace dfc::cli
