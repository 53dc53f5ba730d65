// `dfc volume create|ls|inspect|rm`: the named volumes of the store ($DFC_ROOT/volumes/<name>/_data)
// that `-v NAME:PATH`, `--mount type=volume` and compose's volumes mount.
#include "backend/containers/Containers.h"
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <functional>
#include <iostream>

namespace dfc::cli {

namespace {

llvm::Error volumeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

// The named volume or an error as docker words it.
llvm::Expected<containers::VolumeInfo> findVolume(const std::vector<containers::VolumeInfo> &all,
                                                  const std::string &name) {
  auto it = std::find_if(all.begin(), all.end(), [&](const containers::VolumeInfo &v) { return v.name == name; });
  if (it == all.end())
    return volumeError("get " + name + ": no such volume");
  return *it;
}

int create(const std::string &nameIn) {
  auto store = openStore();
  if (!store)
    return ExitFailure;
  std::string name = nameIn;
  if (name.empty()) {
    // An anonymous volume: named by 64 random hex digits, as docker names them.
    auto v = containers::parseMount("type=volume,target=/anonymous");
    if (!v)
      return reportError(v.takeError());
    name = v->source;
  }
  if (!containers::validVolumeName(name)) {
    std::cerr << "dfc: create " << name
              << ": \"" << name << "\" includes invalid characters for a local volume name, only "
              << "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed\n";
    return ExitFailure;
  }
  auto path = containers::namedVolumePath(*store, name);
  if (!path)
    return reportError(path.takeError(), "create " + name);
  std::cout << name << "\n";
  return ExitSuccess;
}

// Opens the store, lists its volumes and runs `fn` on both; the exit code.
int withVolumes(const std::function<int(store::ImageStore &, const std::vector<containers::VolumeInfo> &)> &fn) {
  auto store = openStore();
  if (!store)
    return ExitFailure;
  auto all = containers::listNamedVolumes(*store);
  if (!all)
    return reportError(all.takeError());
  return fn(*store, *all);
}

int list(const std::vector<containers::VolumeInfo> &all, bool quiet) {
  if (!quiet)
    std::cout << "DRIVER    VOLUME NAME\n";
  for (const containers::VolumeInfo &v : all)
    std::cout << (quiet ? "" : "local     ") << v.name << "\n";
  return ExitSuccess;
}

int inspect(const std::vector<containers::VolumeInfo> &all, const std::vector<std::string> &names) {
  std::vector<containers::VolumeInfo> found;
  int status = ExitSuccess;
  for (const std::string &n : names) {
    auto v = findVolume(all, n);
    if (!v) {
      std::cerr << "Error response from daemon: " << llvm::toString(v.takeError()) << "\n";
      status = ExitFailure;
      continue;
    }
    found.push_back(*v);
  }
  std::cout << containers::volumesInspectJson(found) << "\n";
  return status;
}

int remove(store::ImageStore &store, const std::vector<containers::VolumeInfo> &all,
           const std::vector<std::string> &names, bool force) {
  int status = ExitSuccess;
  for (const std::string &n : names) {
    llvm::Error e = [&]() -> llvm::Error {
      auto v = findVolume(all, n);
      if (!v) {
        if (!force)
          return v.takeError();
        llvm::consumeError(v.takeError());
        return llvm::Error::success();
      }
      auto users = containers::volumeUsers(store, n);
      if (!users)
        return users.takeError();
      if (!users->empty()) {
        std::string ids;
        for (const std::string &id : *users)
          ids += (ids.empty() ? "" : ", ") + id;
        return volumeError("remove " + n + ": volume is in use - [" + ids + "]");
      }
      if (llvm::Error e = containers::removeNamedVolume(store, n))
        return e;
      std::cout << n << "\n";
      return llvm::Error::success();
    }();
    if (e) {
      std::cerr << "Error response from daemon: " << llvm::toString(std::move(e)) << "\n";
      status = ExitFailure;
    }
  }
  return status;
}

} // namespace

void registerVolumeCommand(CLI::App &app, int &status) {
  CLI::App *volume = app.add_subcommand("volume", "Manage volumes");
  volume->require_subcommand(1);

  auto name = std::make_shared<std::string>();
  CLI::App *createCmd = volume->add_subcommand("create", "Create a volume");
  createCmd->add_option("name", *name, "Volume name (default: a random id)");
  createCmd->callback([name, &status] { status = create(*name); });

  auto quiet = std::make_shared<bool>(false);
  CLI::App *ls = volume->add_subcommand("ls", "List volumes");
  ls->alias("list");
  ls->add_flag("-q,--quiet", *quiet, "Only display volume names");
  ls->callback([quiet, &status] {
    status = withVolumes([&](store::ImageStore &, const auto &all) { return list(all, *quiet); });
  });

  auto names = std::make_shared<std::vector<std::string>>();
  CLI::App *inspectCmd = volume->add_subcommand("inspect", "Display detailed information on one or more volumes");
  inspectCmd->add_option("volumes", *names)->required();
  inspectCmd->callback([names, &status] {
    status = withVolumes([&](store::ImageStore &, const auto &all) { return inspect(all, *names); });
  });

  auto rmNames = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  CLI::App *rm = volume->add_subcommand("rm", "Remove one or more volumes");
  rm->alias("remove");
  rm->add_flag("-f,--force", *force, "Do not fail when a volume does not exist");
  rm->add_option("volumes", *rmNames)->required();
  rm->callback([rmNames, force, &status] {
    status = withVolumes([&](store::ImageStore &store, const auto &all) { return remove(store, all, *rmNames, *force); });
  });
}

} // namespace dfc::cli
