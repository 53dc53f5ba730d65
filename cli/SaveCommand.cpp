// `dfc save -o FILE [--format docker|oci] IMAGE...`: images as a docker-archive or OCI archive.
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

namespace dfc::cli {

void registerSaveCommand(CLI::App &app, int &status) {
  struct Flags {
    std::vector<std::string> images;
    std::string output, format = "docker";
  };
  auto f = std::make_shared<Flags>();
  CLI::App *cmd = app.add_subcommand("save", "Save images to a tar archive");
  cmd->add_option("images", f->images, "Image names or ids")->required();
  cmd->add_option("-o,--output", f->output, "Archive to write")->required();
  cmd->add_option("--format", f->format, "docker (docker-archive) or oci")->check(CLI::IsMember({"docker", "oci"}));
  cmd->callback([f, &status] {
    auto store = openStore();
    if (!store) {
      status = ExitFailure;
      return;
    }
    store::SaveOptions o;
    o.format = f->format == "oci" ? store::ArchiveFormat::OciArchive : store::ArchiveFormat::DockerArchive;
    if (llvm::Error e = store->save(f->images, f->output, o)) {
      status = reportError(std::move(e), "save");
      return;
    }
    status = ExitSuccess;
  });
}

} // namespace dfc::cli
