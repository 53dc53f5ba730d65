// `dfc run` and the container commands around it (ps, stop, kill, rm, logs, exec, wait), with Docker's
// flags and exit codes: the container's own code, 125 when dfc fails, 126/127 when the command cannot run.
#include "backend/containers/Containers.h"
#include "backend/store/Trace.h"
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <csignal>
#include <iomanip>
#include <pthread.h>
#include <thread>

namespace dfc::cli {
namespace {

// As docker's sig-proxy for an attached run: the signals a terminal or a shell sends this client go
// to the container's first run (host pid `pid`), whose exit the restart policy then treats as any
// other. The signals are taken back from SIG_IGN (a shell's background job starts with SIGINT
// ignored) and waited for by one thread; the client ends with the first run.
void proxySignals(int pid) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) {
    sigaddset(&set, s);
    ::signal(s, SIG_DFL);
  }
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([pid, set] {
    for (;;) {
      int sig = 0;
      if (::sigwait(&set, &sig) == 0)
        ::kill(pid, sig);
    }
  }).detach();
}

constexpr int ExitRunFailure = 125;

struct RunFlags {
  std::string image, workdir, user, network = "default", name, entrypoint, hostname, memory, restart = "no";
  std::vector<std::string> command, env, envFiles, volumes, mounts, tmpfs, ports, networkAliases;
  int64_t pidsLimit = 0;
  bool rm = false, detach = false, interactive = false, tty = false, publishAll = false, readOnly = false;
  bool entrypointSet = false;
  bool createOnly = false; // dfc create: record the container, print its id, start nothing
};

int reportRun(llvm::Error e) {
  containers::Failure f = containers::explain(std::move(e));
  std::cerr << "dfc: " << f.message << "\n";
  return f.exitCode;
}

int runContainer(RunFlags &f, CLI::App *cmd) {
  auto store = openStore();
  if (!store)
    return ExitRunFailure;
  containers::RunSpec spec;
  spec.image = f.image;
  spec.name = f.name;
  spec.command = f.command;
  if (cmd->count("--entrypoint"))
    spec.entrypoint = f.entrypoint;
  spec.env = f.env;
  spec.envFiles = f.envFiles;
  for (const std::string &v : f.volumes) {
    auto vb = containers::parseVolume(v);
    if (!vb)
      return reportRun(vb.takeError());
    spec.volumes.push_back(*vb);
  }
  for (const std::string &m : f.mounts) {
    auto vb = containers::parseMount(m);
    if (!vb)
      return reportRun(vb.takeError());
    spec.volumes.push_back(*vb);
  }
  for (const std::string &t : f.tmpfs) {
    auto vb = containers::parseTmpfs(t);
    if (!vb)
      return reportRun(vb.takeError());
    spec.volumes.push_back(*vb);
  }
  for (const std::string &p : f.ports) {
    auto pb = containers::parsePort(p);
    if (!pb)
      return reportRun(pb.takeError());
    spec.ports.push_back(*pb);
  }
  spec.publishAll = f.publishAll;
  spec.workdir = f.workdir;
  spec.user = f.user;
  spec.hostname = f.hostname;
  spec.readOnly = f.readOnly;
  spec.tty = f.tty;
  spec.interactive = f.interactive;
  spec.autoRemove = f.rm;
  auto policy = containers::parseRestartPolicy(f.restart);
  if (!policy)
    return reportRun(policy.takeError());
  spec.restart = f.restart;
  bool restarts = policy->name != "no";
  // The restarts are the supervisor's: an attached run with a policy is a detached one whose first run's
  // output is printed, as docker run returns at the first exit while its daemon restarts the container.
  if (restarts && !f.detach && !f.createOnly && (f.interactive || f.tty)) {
    std::cerr << "dfc: --restart with -i or -t needs -d (dfc has no daemon to keep the terminal attached "
                 "across restarts)\n";
    return ExitRunFailure;
  }
  if (!f.memory.empty()) {
    auto m = containers::parseMemory(f.memory);
    if (!m)
      return reportRun(m.takeError());
    spec.memoryBytes = *m;
  }
  if (f.pidsLimit > 0)
    spec.pidsLimit = f.pidsLimit;
  spec.network = f.network == "host"   ? containers::Network::Host
                 : f.network == "none" ? containers::Network::None
                                       : containers::Network::Default;
  if (f.network != "default" && f.network != "bridge" && f.network != "host" && f.network != "none")
    spec.userNetwork = f.network; // one of `dfc network create`
  if (!f.networkAliases.empty() && spec.userNetwork.empty()) {
    std::cerr << "dfc: network-scoped aliases are only supported for user-defined networks\n";
    return ExitRunFailure;
  }
  spec.networkAliases = f.networkAliases;
  store::trace::mark("run: store opened");
  containers::Containers all(*store);
  auto id = all.create(spec);
  if (!id)
    return reportRun(id.takeError());
  store::trace::mark("run: container recorded");
  if (f.createOnly) {
    std::cout << *id << "\n";
    return ExitSuccess;
  }
  if (f.detach) {
    if (llvm::Error e = all.startDetached(*id))
      return reportRun(std::move(e));
    std::cout << *id << "\n";
    return ExitSuccess;
  }
  if (restarts) {
    if (llvm::Error e = all.startDetached(*id))
      return reportRun(std::move(e));
    if (auto first = all.info(*id); first && first->pid > 0)
      proxySignals(first->pid);
    llvm::Error e = all.logs(
        *id, true,
        [](bool isStderr, llvm::StringRef text) {
          (isStderr ? std::cerr : std::cout) << text.str() << std::flush;
        },
        true);
    if (e)
      return reportRun(std::move(e));
    auto c = all.info(*id);
    if (!c)
      return reportRun(c.takeError());
    return c->firstExitCode >= 0 ? c->firstExitCode : c->exitCode;
  }
  return all.runAttached(*id);
}

std::string shortCommand(const std::vector<std::string> &args) {
  std::string text;
  for (const std::string &a : args)
    text += (text.empty() ? "" : " ") + a;
  // docker ps truncates the quoted command to 20 characters with an ellipsis.
  if (text.size() > 19)
    text = text.substr(0, 19) + "…";
  return "\"" + text + "\"";
}

int listContainers(bool all, bool quiet, bool noTrunc) {
  auto store = openStore();
  if (!store)
    return ExitFailure;
  containers::Containers cs(*store);
  auto list = cs.list();
  if (!list)
    return reportError(list.takeError(), "ps");
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"});
  // Newest first, as docker ps lists them.
  for (auto it = list->rbegin(); it != list->rend(); ++it) {
    const containers::ContainerInfo &c = *it;
    if (!all && c.status != containers::Status::Running && c.status != containers::Status::Restarting)
      continue;
    if (quiet) {
      std::cout << (noTrunc ? c.id : c.id.substr(0, 12)) << "\n";
      continue;
    }
    rows.push_back({noTrunc ? c.id : c.id.substr(0, 12), c.image, shortCommand(c.args),
                    containers::humanDuration(now - c.created) + " ago", containers::statusText(c, now),
                    containers::portsText(c.ports), c.name});
  }
  if (quiet)
    return ExitSuccess;
  std::vector<size_t> widths(7, 0);
  auto displayWidth = [](const std::string &s) {
    size_t n = 0;
    for (unsigned char ch : s)
      n += (ch & 0xC0) != 0x80;
    return n;
  };
  for (const auto &r : rows)
    for (size_t i = 0; i < r.size(); ++i)
      widths[i] = std::max(widths[i], displayWidth(r[i]));
  for (const auto &r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size())
        line += std::string(widths[i] - displayWidth(r[i]) + 3, ' ');
    }
    std::cout << line << "\n";
  }
  return ExitSuccess;
}

// Runs fn for every named container, printing the name on success as docker does.
int eachContainer(const std::vector<std::string> &names, bool echo,
                  const std::function<llvm::Error(containers::Containers &, const std::string &)> &fn) {
  auto store = openStore();
  if (!store)
    return ExitFailure;
  containers::Containers cs(*store);
  int status = ExitSuccess;
  for (const std::string &n : names) {
    if (llvm::Error e = fn(cs, n)) {
      std::cerr << "Error response from daemon: " << llvm::toString(std::move(e)) << "\n";
      status = ExitFailure;
      continue;
    }
    if (echo)
      std::cout << n << "\n";
  }
  return status;
}

void registerContainerCommands(CLI::App &app, int &status) {
  {
    auto flags = std::make_shared<std::array<bool, 3>>();
    CLI::App *ps = app.add_subcommand("ps", "List containers");
    ps->alias("ls");
    ps->add_flag("-a,--all", (*flags)[0], "Show all containers (default shows just running)");
    ps->add_flag("-q,--quiet", (*flags)[1], "Only display container IDs");
    ps->add_flag("--no-trunc", (*flags)[2], "Don't truncate output");
    ps->callback([flags, &status] { status = listContainers((*flags)[0], (*flags)[1], (*flags)[2]); });
  }
  {
    auto names = std::make_shared<std::vector<std::string>>();
    auto timeout = std::make_shared<int>(10);
    CLI::App *stop = app.add_subcommand("stop", "Stop one or more running containers");
    stop->add_option("-t,--time", *timeout, "Seconds to wait before killing the container");
    stop->add_option("containers", *names)->required();
    stop->callback([names, timeout, &status] {
      status = eachContainer(*names, true, [&](containers::Containers &cs, const std::string &n) {
        return cs.stop(n, *timeout);
      });
    });
  }
  {
    auto names = std::make_shared<std::vector<std::string>>();
    auto attach = std::make_shared<bool>(false);
    CLI::App *start = app.add_subcommand("start", "Start one or more stopped containers");
    start->add_flag("-a,--attach", *attach, "Attach STDOUT/STDERR and forward signals");
    start->add_option("containers", *names)->required();
    start->callback([names, attach, &status] {
      if (*attach && names->size() > 1) {
        std::cerr << "dfc: you cannot start and attach multiple containers at once\n";
        status = ExitUsage;
        return;
      }
      int code = ExitSuccess;
      status = eachContainer(*names, !*attach, [&](containers::Containers &cs, const std::string &n) -> llvm::Error {
        auto c = cs.start(n, *attach);
        if (!c)
          return c.takeError();
        code = *c;
        return llvm::Error::success();
      });
      if (*attach && status == ExitSuccess)
        status = code; // the container's exit code, as docker start -a returns it
    });
  }
  {
    auto names = std::make_shared<std::vector<std::string>>();
    auto timeout = std::make_shared<int>(10);
    CLI::App *restart = app.add_subcommand("restart", "Restart one or more containers");
    restart->add_option("-t,--time", *timeout, "Seconds to wait before killing the container");
    restart->add_option("containers", *names)->required();
    restart->callback([names, timeout, &status] {
      status = eachContainer(*names, true, [&](containers::Containers &cs, const std::string &n) -> llvm::Error {
        return cs.restart(n, *timeout);
      });
    });
  }
  {
    auto names = std::make_shared<std::vector<std::string>>();
    auto sig = std::make_shared<std::string>("KILL");
    CLI::App *kill = app.add_subcommand("kill", "Kill one or more running containers");
    kill->add_option("-s,--signal", *sig, "Signal to send to the container");
    kill->add_option("containers", *names)->required();
    kill->callback([names, sig, &status] {
      int number = 0;
      std::string s = llvm::StringRef(*sig).upper();
      llvm::StringRef r(s);
      r.consume_front("SIG");
      static const std::pair<const char *, int> known[] = {{"KILL", SIGKILL}, {"TERM", SIGTERM}, {"INT", SIGINT},
                                                           {"HUP", SIGHUP},   {"QUIT", SIGQUIT}, {"USR1", SIGUSR1},
                                                           {"USR2", SIGUSR2}};
      unsigned n = 0;
      if (!r.getAsInteger(10, n))
        number = static_cast<int>(n);
      for (const auto &[text, value] : known)
        if (r == text)
          number = value;
      if (!number) {
        std::cerr << "dfc: invalid signal: " << *sig << "\n";
        status = ExitUsage;
        return;
      }
      status = eachContainer(*names, true, [&](containers::Containers &cs, const std::string &n) {
        return cs.kill(n, number);
      });
    });
  }
  {
    auto names = std::make_shared<std::vector<std::string>>();
    auto force = std::make_shared<bool>(false);
    CLI::App *rm = app.add_subcommand("rm", "Remove one or more containers");
    rm->add_flag("-f,--force", *force, "Force the removal of a running container (uses SIGKILL)");
    rm->add_option("containers", *names)->required();
    rm->callback([names, force, &status] {
      status = eachContainer(*names, true, [&](containers::Containers &cs, const std::string &n) {
        return cs.remove(n, *force);
      });
    });
  }
  {
    auto name = std::make_shared<std::string>();
    auto follow = std::make_shared<bool>(false);
    auto options = std::make_shared<containers::LogOptions>();
    auto tail = std::make_shared<std::string>("all");
    CLI::App *logs = app.add_subcommand("logs", "Fetch the logs of a container");
    logs->add_flag("-f,--follow", *follow, "Follow log output");
    logs->add_option("-n,--tail", *tail, "Number of lines to show from the end of the logs (default all)");
    logs->add_flag("-t,--timestamps", options->timestamps, "Show timestamps");
    logs->add_option("container", *name)->required();
    logs->callback([name, follow, options, tail, &status] {
      if (*tail != "all" && llvm::StringRef(*tail).getAsInteger(10, options->tail)) {
        std::cerr << "dfc: invalid --tail value: " << *tail << "\n";
        status = ExitUsage;
        return;
      }
      if (*tail != "all" && options->tail < 0)
        options->tail = -1; // docker reads a negative count as all
      status = eachContainer({*name}, false, [&](containers::Containers &cs, const std::string &n) {
        return cs.logs(
            n, *follow,
            [](bool err, llvm::StringRef text) {
              std::ostream &os = err ? std::cerr : std::cout;
              os << text.str();
              os.flush();
            },
            false, *options);
      });
    });
  }
  {
    auto names = std::make_shared<std::vector<std::string>>();
    CLI::App *wait = app.add_subcommand("wait", "Block until containers stop, then print their exit codes");
    wait->add_option("containers", *names)->required();
    wait->callback([names, &status] {
      status = eachContainer(*names, false, [&](containers::Containers &cs, const std::string &n) -> llvm::Error {
        auto code = cs.wait(n);
        if (!code)
          return code.takeError();
        std::cout << *code << "\n";
        return llvm::Error::success();
      });
    });
  }
  {
    auto spec = std::make_shared<containers::ExecSpec>();
    auto name = std::make_shared<std::string>();
    CLI::App *exec = app.add_subcommand("exec", "Execute a command in a running container");
    exec->add_flag("-i,--interactive", spec->interactive, "Keep STDIN open");
    exec->add_flag("-t,--tty", spec->tty, "Allocate a pseudo-TTY");
    exec->add_option("-e,--env", spec->env, "Set environment variables")->allow_extra_args(false);
    exec->add_option("-u,--user", spec->user, "Username or UID (format: <name|uid>[:<group|gid>])");
    exec->add_option("-w,--workdir", spec->workdir, "Working directory inside the container");
    exec->add_option("container", *name)->required();
    exec->add_option("command", spec->command)->required();
    exec->prefix_command(false);
    exec->positionals_at_end(true);
    exec->callback([spec, name, &status] {
      auto store = openStore();
      if (!store) {
        status = ExitRunFailure;
        return;
      }
      containers::Containers cs(*store);
      auto code = cs.exec(*name, *spec);
      status = code ? *code : reportRun(code.takeError());
    });
  }
}

} // namespace

namespace {

// `run` and `create` take the same options (create: no -d, it starts nothing).
void addRunCommand(CLI::App &app, int &status, bool create) {
  auto f = std::make_shared<RunFlags>();
  f->createOnly = create;
  CLI::App *cmd = create ? app.add_subcommand("create", "Create a new container")
                         : app.add_subcommand("run", "Run a command in a new container");
  // -h is --hostname, as in docker run.
  cmd->set_help_flag("--help", "Print this help message and exit");
  cmd->add_flag("--rm", f->rm, "Automatically remove the container when it exits");
  if (!create)
    cmd->add_flag("-d,--detach", f->detach, "Run container in background and print container ID");
  // `-h` is docker's --hostname: help must be --help only, and that before -h is added.
  cmd->add_flag("-i,--interactive", f->interactive, "Keep STDIN open even if not attached");
  cmd->add_flag("-t,--tty", f->tty, "Allocate a pseudo-TTY");
  cmd->add_flag("-P,--publish-all", f->publishAll, "Publish all exposed ports to random ports");
  cmd->add_flag("--read-only", f->readOnly, "Mount the container's root filesystem as read only");
  cmd->add_option("--name", f->name, "Assign a name to the container");
  cmd->add_option("-e,--env", f->env, "Set environment variables")->allow_extra_args(false);
  cmd->add_option("--env-file", f->envFiles, "Read in a file of environment variables")->allow_extra_args(false);
  cmd->add_option("-v,--volume", f->volumes, "Bind mount a volume (HOST:CONTAINER[:ro])")->allow_extra_args(false);
  cmd->add_option("--mount", f->mounts, "Attach a filesystem mount (type=bind|volume|tmpfs,source=..,target=..)")
      ->allow_extra_args(false);
  cmd->add_option("--tmpfs", f->tmpfs, "Mount a tmpfs directory (PATH[:OPTIONS])")->allow_extra_args(false);
  cmd->add_option("-p,--publish", f->ports, "Publish a container's port to the host")->allow_extra_args(false);
  cmd->add_option("-w,--workdir", f->workdir, "Working directory inside the container");
  cmd->add_option("-u,--user", f->user, "Username or UID (format: <name|uid>[:<group|gid>])");
  cmd->add_option("--entrypoint", f->entrypoint, "Overwrite the default ENTRYPOINT of the image");
  cmd->add_option("-h,--hostname", f->hostname, "Container host name");
  cmd->add_option("-m,--memory", f->memory, "Memory limit");
  cmd->add_option(
      "--restart", f->restart,
      "Restart policy to apply when a container exits (no, always, unless-stopped, on-failure[:N])");
  cmd->add_option("--pids-limit", f->pidsLimit, "Tune container pids limit");
  cmd->add_option("--network,--net", f->network, "default, none, host or a network of dfc network create");
  cmd->add_option("--network-alias", f->networkAliases, "Add network-scoped alias for the container")
      ->allow_extra_args(false);
  cmd->add_option("image", f->image, "Image name or id")->required();
  cmd->add_option("command", f->command, "Command and arguments");
  cmd->prefix_command(false);
  cmd->positionals_at_end(true);
  cmd->callback([f, cmd, &status] { status = runContainer(*f, cmd); });
}

} // namespace

void registerRunCommand(CLI::App &app, int &status) {
  addRunCommand(app, status, false);
  addRunCommand(app, status, true);
  registerContainerCommands(app, status);
}

} // namespace dfc::cli
