// `dfc pull [--insecure] [--platform OS/ARCH] [-q] NAME`: fetch an image from its registry into the
// store, printing docker's progress and status lines.
#include "backend/registry/Pull.h"
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

#include <iostream>

namespace dfc::cli {
namespace {

struct PullFlags {
  std::string name;
  std::string platform;
  bool insecure = false;
  bool quiet = false;
};

int runPull(const PullFlags &flags) {
  registry::PullOptions opts;
  opts.registry.insecure = flags.insecure;
  if (!flags.platform.empty()) {
    llvm::SmallVector<llvm::StringRef, 3> parts;
    llvm::StringRef(flags.platform).split(parts, '/');
    if (parts.size() < 2 || parts.size() > 3) {
      std::cerr << "dfc: pull: --platform wants OS/ARCH[/VARIANT], got '" << flags.platform << "'\n";
      return ExitUsage;
    }
    opts.os = parts[0].str();
    opts.architecture = parts[1].str();
    opts.variant = parts.size() == 3 ? parts[2].str() : "";
  }
  if (!flags.quiet)
    opts.progress = [](llvm::StringRef line) { std::cout << line.str() << "\n" << std::flush; };
  auto store = openStore();
  if (!store)
    return ExitFailure;
  std::optional<store::Digest> before;
  if (auto old = store->resolve(flags.name))
    before = old->id;
  else
    llvm::consumeError(old.takeError());
  auto pulled = registry::pullImage(*store, flags.name, opts);
  if (!pulled)
    return reportError(pulled.takeError(), "pull " + flags.name);
  std::string full = pulled->reference.str();
  if (!flags.quiet)
    std::cout << "Status: "
              << (before && *before == pulled->image.id ? "Image is up to date for "
                                                        : "Downloaded newer image for ")
              << pulled->reference.familiar() << "\n";
  std::cout << full << "\n";
  return ExitSuccess;
}

} // namespace

void registerPullCommand(CLI::App &app, int &status) {
  auto flags = std::make_shared<PullFlags>();
  CLI::App *cmd = app.add_subcommand("pull", "Download an image from a registry");
  cmd->add_option("name", flags->name, "NAME[:TAG|@DIGEST]")->required();
  cmd->add_flag("--insecure", flags->insecure, "Allow http and unverified https for this registry");
  cmd->add_option("--platform", flags->platform, "OS/ARCH[/VARIANT] to pick from a multi-platform image");
  cmd->add_flag("-q,--quiet", flags->quiet, "Print only the image name");
  cmd->callback([flags, &status] { status = runPull(*flags); });
}

} // namespace dfc::cli
