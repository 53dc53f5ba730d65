// `dfc system df|prune|check`: disk usage, garbage collection and a consistency check of the store.
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace dfc::cli {

void registerSystemCommand(CLI::App &app, int &status) {
  auto all = std::make_shared<bool>(false);
  CLI::App *sys = app.add_subcommand("system", "Manage the image store");
  sys->require_subcommand(1);
  CLI::App *df = sys->add_subcommand("df", "Show disk usage");
  CLI::App *prune = sys->add_subcommand("prune", "Remove unused data");
  prune->add_flag("-a,--all", *all, "Also remove the whole build cache");
  CLI::App *check = sys->add_subcommand("check", "Verify the store's consistency");
  df->callback([&status] {
    auto store = openStore();
    if (!store) {
      status = ExitFailure;
      return;
    }
    auto u = store->df();
    if (!u) {
      status = reportError(u.takeError(), "system df");
      return;
    }
    std::printf("%-14s %-8s %s\n", "TYPE", "COUNT", "SIZE");
    std::printf("%-14s %-8llu %llu\n", "Images", (unsigned long long)u->images, (unsigned long long)u->imageBytes);
    std::printf("%-14s %-8llu %llu\n", "Blobs", (unsigned long long)u->blobs, (unsigned long long)u->blobBytes);
    std::printf("%-14s %-8llu %llu\n", "Snapshots", (unsigned long long)u->snapshots,
                (unsigned long long)u->snapshotBytes);
    std::printf("%-14s %-8llu %llu\n", "Build Cache", (unsigned long long)u->cacheEntries,
                (unsigned long long)u->cacheBytes);
    std::printf("%-14s %-8llu\n", "Containers", (unsigned long long)u->containers);
    status = ExitSuccess;
  });
  prune->callback([all, &status] {
    auto store = openStore();
    if (!store) {
      status = ExitFailure;
      return;
    }
    store::PruneOptions o;
    o.buildCache = *all;
    auto r = store->prune(o);
    if (!r) {
      status = reportError(r.takeError(), "system prune");
      return;
    }
    std::printf("Deleted: %llu images, %llu blobs, %llu snapshots, %llu cache entries, %llu temp files\n"
                "Total reclaimed space: %llu bytes\n",
                (unsigned long long)r->images, (unsigned long long)r->blobs, (unsigned long long)r->snapshots,
                (unsigned long long)r->cacheEntries, (unsigned long long)r->temps, (unsigned long long)r->bytesFreed);
    status = ExitSuccess;
  });
  check->callback([&status] {
    auto store = openStore();
    if (!store) {
      status = ExitFailure;
      return;
    }
    auto r = store->check();
    if (!r) {
      status = reportError(r.takeError(), "system check");
      return;
    }
    for (const std::string &n : r->notes)
      std::printf("note: %s\n", n.c_str());
    for (const std::string &p : r->problems)
      std::printf("problem: %s\n", p.c_str());
    std::printf("%s\n", r->ok() ? "store is consistent" : "store has problems");
    status = r->ok() ? ExitSuccess : ExitFailure;
  });
}

} // namespace dfc::cli
