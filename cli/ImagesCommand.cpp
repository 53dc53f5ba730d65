// `dfc images`: the local store's tagged and untagged images, as `docker images` prints them.
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <ctime>

namespace dfc::cli {
namespace {

std::string humanSize(uint64_t b) {
  char buf[32];
  if (b >= 1000 * 1000 * 1000)
    std::snprintf(buf, sizeof buf, "%.3gGB", double(b) / 1e9);
  else if (b >= 1000 * 1000)
    std::snprintf(buf, sizeof buf, "%.3gMB", double(b) / 1e6);
  else if (b >= 1000)
    std::snprintf(buf, sizeof buf, "%.3gkB", double(b) / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%lluB", (unsigned long long)b);
  return buf;
}

int runImages(bool quiet) {
  auto store = openStore();
  if (!store)
    return ExitFailure;
  auto list = store->list();
  if (!list)
    return reportError(list.takeError());
  if (!quiet)
    std::printf("%-30s %-15s %-14s %-22s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
  for (const store::ImageSummary &i : *list) {
    if (quiet) {
      std::printf("%s\n", i.id.shortId().c_str());
      continue;
    }
    char created[32];
    std::time_t t = i.created;
    std::strftime(created, sizeof created, "%Y-%m-%d %H:%M:%S", std::gmtime(&t));
    std::printf("%-30s %-15s %-14s %-22s %s\n", i.repository.c_str(), i.tag.c_str(), i.id.shortId().c_str(),
                created, humanSize(i.size).c_str());
  }
  return ExitSuccess;
}

} // namespace

void registerImagesCommand(CLI::App &app, int &status) {
  auto quiet = std::make_shared<bool>(false);
  CLI::App *cmd = app.add_subcommand("images", "List images in the local store");
  cmd->add_flag("-q,--quiet", *quiet, "Only show image ids");
  cmd->callback([quiet, &status] { status = runImages(*quiet); });
}

} // namespace dfc::cli
