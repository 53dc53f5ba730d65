// `dfc network create|ls|inspect|rm`: user networks that `dfc run --network NAME` joins
// (backend/containers/UserNetworks.cpp).
#include "backend/containers/Containers.h"
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <functional>
#include <iostream>

namespace dfc::cli {

namespace {

// Opens the store, lists its networks and runs `fn` on both; the exit code.
int withNetworks(const std::function<int(store::ImageStore &, const std::vector<containers::UserNetwork> &)> &fn) {
  auto store = openStore();
  if (!store)
    return ExitFailure;
  auto all = containers::listUserNetworks(*store);
  if (!all)
    return reportError(all.takeError());
  return fn(*store, *all);
}

const containers::UserNetwork *find(const std::vector<containers::UserNetwork> &all, const std::string &name) {
  auto it = std::find_if(all.begin(), all.end(), [&](const containers::UserNetwork &n) {
    return n.name == name || (name.size() >= 3 && llvm::StringRef(n.id).startswith(name));
  });
  return it == all.end() ? nullptr : &*it;
}

} // namespace

void registerNetworkCommand(CLI::App &app, int &status) {
  CLI::App *network = app.add_subcommand("network", "Manage networks");
  network->require_subcommand(1);

  auto name = std::make_shared<std::string>();
  CLI::App *create = network->add_subcommand("create", "Create a network");
  create->add_option("name", *name)->required();
  create->callback([name, &status] {
    auto store = openStore();
    if (!store) {
      status = ExitFailure;
      return;
    }
    auto n = containers::createUserNetwork(*store, *name);
    if (!n) {
      std::cerr << "Error response from daemon: " << llvm::toString(n.takeError()) << "\n";
      status = ExitFailure;
      return;
    }
    std::cout << n->id << "\n";
    status = ExitSuccess;
  });

  auto quiet = std::make_shared<bool>(false);
  CLI::App *ls = network->add_subcommand("ls", "List networks");
  ls->alias("list");
  ls->add_flag("-q,--quiet", *quiet, "Only display network names");
  ls->callback([quiet, &status] {
    status = withNetworks([&](store::ImageStore &, const auto &all) {
      if (!*quiet)
        std::cout << "NETWORK ID     NAME      DRIVER    SCOPE\n";
      for (const containers::UserNetwork &n : all) {
        if (*quiet)
          std::cout << n.name << "\n";
        else
          std::cout << n.id.substr(0, 12) << "   " << n.name << std::string(n.name.size() < 10 ? 10 - n.name.size() : 1, ' ')
                    << "bridge    local\n";
      }
      return ExitSuccess;
    });
  });

  auto names = std::make_shared<std::vector<std::string>>();
  CLI::App *inspect = network->add_subcommand("inspect", "Display detailed information on one or more networks");
  inspect->add_option("networks", *names)->required();
  inspect->callback([names, &status] {
    status = withNetworks([&](store::ImageStore &store, const auto &all) {
      std::vector<containers::UserNetwork> found;
      int code = ExitSuccess;
      for (const std::string &n : *names) {
        if (const containers::UserNetwork *net = find(all, n))
          found.push_back(*net);
        else {
          std::cerr << "Error response from daemon: network " << n << " not found\n";
          code = ExitFailure;
        }
      }
      auto json = containers::userNetworksInspectJson(store, found);
      if (!json)
        return reportError(json.takeError());
      std::cout << *json << "\n";
      return code;
    });
  });

  auto rmNames = std::make_shared<std::vector<std::string>>();
  CLI::App *rm = network->add_subcommand("rm", "Remove one or more networks");
  rm->alias("remove");
  rm->add_option("networks", *rmNames)->required();
  rm->callback([rmNames, &status] {
    status = withNetworks([&](store::ImageStore &store, const auto &all) {
      int code = ExitSuccess;
      for (const std::string &n : *rmNames) {
        const containers::UserNetwork *net = find(all, n);
        llvm::Error e = net ? containers::removeUserNetwork(store, net->name)
                            : llvm::createStringError(llvm::inconvertibleErrorCode(), "network " + n + " not found");
        if (e) {
          std::cerr << "Error response from daemon: " << llvm::toString(std::move(e)) << "\n";
          code = ExitFailure;
          continue;
        }
        std::cout << n << "\n";
      }
      return code;
    });
  });
}

} // namespace dfc::cli
