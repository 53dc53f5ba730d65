// `dfc push [--insecure] [--format docker|oci] [--compression gzip|zstd|none] [--chunk-size BYTES]
// NAME [DEST]`: upload a stored image (under DEST when given) to its registry.
#include "backend/registry/Push.h"
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

#include <iostream>

namespace dfc::cli {
namespace {

struct PushFlags {
  std::string name;
  std::string dest;
  std::string format = "docker";
  std::string compression = "gzip";
  uint64_t chunkSize = 0;
  bool insecure = false;
  bool quiet = false;
};

int runPush(const PushFlags &flags) {
  registry::PushOptions opts;
  opts.registry.insecure = flags.insecure;
  opts.format = flags.format == "oci" ? registry::ManifestFormat::Oci : registry::ManifestFormat::Docker;
  opts.compression = flags.compression == "zstd"   ? store::Compression::Zstd
                     : flags.compression == "none" ? store::Compression::None
                                                   : store::Compression::Gzip;
  opts.chunkSize = flags.chunkSize;
  if (!flags.quiet)
    opts.progress = [](llvm::StringRef line) { std::cout << line.str() << "\n" << std::flush; };
  auto store = openStore();
  if (!store)
    return ExitFailure;
  auto pushed = registry::pushImage(*store, flags.name, flags.dest, opts);
  if (!pushed)
    return reportError(pushed.takeError(), "push " + (flags.dest.empty() ? flags.name : flags.dest));
  if (flags.quiet)
    std::cout << pushed->destination.str() << "@" << pushed->manifestDigest.str() << "\n";
  return ExitSuccess;
}

} // namespace

void registerPushCommand(CLI::App &app, int &status) {
  auto flags = std::make_shared<PushFlags>();
  CLI::App *cmd = app.add_subcommand("push", "Upload an image to a registry");
  cmd->add_option("name", flags->name, "Image in the local store")->required();
  cmd->add_option("dest", flags->dest, "Destination NAME[:TAG] (default: NAME)");
  cmd->add_flag("--insecure", flags->insecure, "Allow http and unverified https for this registry");
  cmd->add_option("--format", flags->format, "Manifest format")
      ->check(CLI::IsMember({"docker", "oci"}))
      ->capture_default_str();
  cmd->add_option("--compression", flags->compression, "Layer compression (zstd needs --format oci)")
      ->check(CLI::IsMember({"gzip", "zstd", "none"}))
      ->capture_default_str();
  cmd->add_option("--chunk-size", flags->chunkSize,
                  "Upload blobs in PATCH chunks of this many bytes (0: one PUT)");
  cmd->add_flag("-q,--quiet", flags->quiet, "Print only NAME@DIGEST");
  cmd->callback([flags, &status] { status = runPush(*flags); });
}

} // namespace dfc::cli
