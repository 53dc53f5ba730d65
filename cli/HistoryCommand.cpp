// `dfc history IMAGE`: the steps that made an image, newest first (docker history).
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace dfc::cli {

void registerHistoryCommand(CLI::App &app, int &status) {
  struct Flags {
    std::string image;
    bool noTrunc = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App *cmd = app.add_subcommand("history", "Show the history of an image");
  cmd->add_option("image", f->image, "Image name or id")->required();
  cmd->add_flag("--no-trunc", f->noTrunc, "Do not truncate output");
  cmd->callback([f, &status] {
    auto store = openStore();
    if (!store) {
      status = ExitFailure;
      return;
    }
    auto rows = store->history(f->image);
    if (!rows) {
      status = reportError(rows.takeError(), "history " + f->image);
      return;
    }
    std::printf("%-14s %-22s %-50s %-10s %s\n", "IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT");
    for (const store::HistoryRow &r : *rows) {
      std::string by = r.createdBy;
      if (!f->noTrunc && by.size() > 47)
        by = by.substr(0, 44) + "...";
      std::string id = f->noTrunc || r.id == "<missing>" ? r.id : r.id.substr(0, std::min<size_t>(r.id.size(), 19));
      std::printf("%-14s %-22s %-50s %-10llu %s\n", id.c_str(), r.created.c_str(), by.c_str(),
                  (unsigned long long)r.size, r.comment.c_str());
    }
    status = ExitSuccess;
  });
}

} // namespace dfc::cli
