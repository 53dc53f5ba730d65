// `dfc run [--rm] [-e K=V] [-w DIR] [-u USER] [--network host|none] IMAGE [CMD...]`: a minimal
// foreground container from an image's config, on an overlay over its layers.
#include "backend/build/Filesystem.h"
#include "backend/runtime/Runtime.h"
#include "backend/store/Files.h"
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

#include <sched.h>
#include <sys/mount.h>

namespace dfc::cli {
namespace {

struct RunFlags {
  std::string image, workdir, user, network = "host";
  std::vector<std::string> command, env;
  bool rm = false;
};

int runContainer(const RunFlags &f) {
  auto store = openStore();
  if (!store)
    return ExitFailure;
  auto img = store->resolve(f.image);
  if (!img)
    return reportError(img.takeError(), "run " + f.image);
  auto lowers = store->lowerDirs(*img);
  if (!lowers)
    return reportError(lowers.takeError(), "run " + f.image);
  // Our mounts stay private to this process and disappear with it.
  if (::unshare(CLONE_NEWNS) == 0)
    ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
  std::string dir = store->root() + "/snapshots/" + store::tempName(".tmp-");
  for (const char *sub : {"/upper", "/work", "/empty"})
    if (llvm::Error e = store::makeDirs(dir + sub))
      return reportError(std::move(e));
  auto mount = build::OverlayMount::mount(*lowers, dir + "/upper", dir + "/work", dir + "/rootfs", dir + "/empty");
  if (!mount)
    return reportError(mount.takeError(), "run " + f.image);

  const store::ImageConfig &c = img->spec.config;
  std::vector<std::string> args = c.Entrypoint;
  const std::vector<std::string> &cmd = f.command.empty() ? c.Cmd : f.command;
  args.insert(args.end(), cmd.begin(), cmd.end());
  if (args.empty()) {
    std::cerr << "dfc: run " << f.image << ": no command specified\n";
    return ExitUsage;
  }
  auto ids = build::lookupUser(mount->path(), f.user.empty() ? c.User : f.user);
  if (!ids)
    return reportError(ids.takeError(), "run " + f.image);
  runtime::Bundle b = runtime::dockerDefaults(mount->path());
  b.process.args = args;
  b.process.env = c.Env;
  for (const std::string &e : f.env)
    b.process.env.push_back(e);
  b.process.cwd = !f.workdir.empty() ? f.workdir : c.WorkingDir.empty() ? "/" : c.WorkingDir;
  b.process.user.uid = ids->uid;
  b.process.user.gid = ids->gid;
  b.process.capabilities = runtime::dockerCapabilities(ids->uid);
  b.process.terminal = false;
  runtime::RunOptions ro;
  ro.network = f.network == "none" ? runtime::NetworkMode::None : runtime::NetworkMode::Host;
  runtime::RunResult r = runtime::run(b, ro);
  llvm::consumeError(mount->unmount());
  if (f.rm)
    llvm::consumeError(store::removeTree(dir));
  if (!r.started()) {
    std::cerr << "dfc: run " << f.image << ": " << r.error << "\n";
    return r.exitCode;
  }
  return r.exitCode;
}

} // namespace

void registerRunCommand(CLI::App &app, int &status) {
  auto f = std::make_shared<RunFlags>();
  CLI::App *cmd = app.add_subcommand("run", "Run a command in a new container (foreground)");
  cmd->add_flag("--rm", f->rm, "Remove the container's filesystem when it exits");
  cmd->add_option("-e,--env", f->env, "Set an environment variable (K=V)")->allow_extra_args(false);
  cmd->add_option("-w,--workdir", f->workdir, "Working directory");
  cmd->add_option("-u,--user", f->user, "USER[:GROUP]");
  cmd->add_option("--network", f->network, "host or none")->check(CLI::IsMember({"host", "none"}));
  cmd->add_option("image", f->image, "Image name or id")->required();
  cmd->add_option("command", f->command, "Command and arguments");
  cmd->prefix_command(false);
  cmd->positionals_at_end(true);
  cmd->callback([f, &status] { status = runContainer(*f); });
}

} // namespace dfc::cli
