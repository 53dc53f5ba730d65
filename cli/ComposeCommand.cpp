// `dfc compose [-f FILE] [-p NAME] up [--build] [-d] [--dependency-timeout S] | down [-v] [-t N] | ps [-a] |
// logs [-f] | build | stop`: reads the project (backend/compose) and runs it on the local store.
#include "backend/compose/Compose.h"
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <iostream>

namespace dfc::cli {
namespace {

struct ComposeFlags {
  std::vector<std::string> files;
  std::string project;
  bool build = false, detach = false, volumes = false, all = false, follow = false;
  int timeout = 10;
  int dependencyTimeout = 300;
};

std::atomic<int> interrupts{0};
void onInterrupt(int) { ++interrupts; }

// Loads the project and opens the store, then runs fn; errors print as "dfc compose: ..." with exit 1.
int withProject(const ComposeFlags &f, const std::function<llvm::Error(compose::Runner &)> &fn) {
  compose::LoadOptions lo;
  lo.files = f.files;
  lo.projectName = f.project;
  auto project = compose::loadProject(lo);
  if (!project) {
    std::cerr << "dfc compose: " << llvm::toString(project.takeError()) << "\n";
    return ExitFailure;
  }
  for (const std::string &w : project->warnings)
    std::cerr << "WARN: " << w << "\n";
  auto store = openStore();
  if (!store)
    return ExitFailure;
  compose::Runner runner(*store, std::move(*project), [](llvm::StringRef line) {
    std::cout << line.str() << "\n";
    std::cout.flush();
  });
  if (llvm::Error e = fn(runner)) {
    std::cerr << "dfc compose: " << llvm::toString(std::move(e)) << "\n";
    return ExitFailure;
  }
  return ExitSuccess;
}

// Ctrl-C (and SIGTERM) while attached: counted, and acted on by the follower loop.
struct InterruptScope {
  struct sigaction old[2];
  InterruptScope() {
    interrupts = 0;
    struct sigaction sa {};
    sa.sa_handler = onInterrupt;
    ::sigaction(SIGINT, &sa, &old[0]);
    ::sigaction(SIGTERM, &sa, &old[1]);
  }
  ~InterruptScope() {
    ::sigaction(SIGINT, &old[0], nullptr);
    ::sigaction(SIGTERM, &old[1], nullptr);
  }
};

std::string shortCommand(const std::vector<std::string> &args) {
  std::string text;
  for (const std::string &a : args)
    text += (text.empty() ? "" : " ") + a;
  if (text.size() > 19)
    text = text.substr(0, 19) + "…";
  return "\"" + text + "\"";
}

llvm::Error printPs(compose::Runner &r, bool all) {
  auto list = r.containers(all);
  if (!list)
    return list.takeError();
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"}};
  for (const containers::ContainerInfo &c : *list) {
    auto service = c.labels.find("com.docker.compose.service");
    rows.push_back({c.name, c.image, shortCommand(c.args), service == c.labels.end() ? "" : service->second,
                    containers::humanDuration(now - c.created) + " ago", containers::statusText(c, now),
                    containers::portsText(c.ports)});
  }
  auto width = [](const std::string &s) {
    size_t n = 0;
    for (unsigned char ch : s)
      n += (ch & 0xC0) != 0x80;
    return n;
  };
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto &row : rows)
    for (size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], width(row[i]));
  for (const auto &row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i)
      line += row[i] + (i + 1 < row.size() ? std::string(widths[i] - width(row[i]) + 3, ' ') : "");
    std::cout << line << "\n";
  }
  return llvm::Error::success();
}

} // namespace

void registerComposeCommand(CLI::App &app, int &status) {
  auto f = std::make_shared<ComposeFlags>();
  CLI::App *cmd = app.add_subcommand("compose", "Run multi-container projects from compose.yaml");
  cmd->add_option("-f,--file", f->files, "Compose file (default: compose.yaml, docker-compose.yaml, ...)")
      ->allow_extra_args(false);
  cmd->add_option("-p,--project-name", f->project, "Project name (default: the directory's name)");
  cmd->require_subcommand(1);

  CLI::App *up = cmd->add_subcommand("up", "Create and start the services' containers");
  up->add_flag("--build", f->build, "Build images before starting containers");
  up->add_flag("-d,--detach", f->detach, "Run in the background");
  up->add_option("--dependency-timeout", f->dependencyTimeout,
                 "Seconds a service waits for each depends_on condition (healthy, completed) (default 300)");
  up->callback([f, &status] {
    status = withProject(*f, [&](compose::Runner &r) -> llvm::Error {
      compose::UpOptions o;
      o.build = f->build;
      o.detach = f->detach;
      o.dependencyTimeoutSeconds = f->dependencyTimeout;
      if (llvm::Error e = r.up(o))
        return e;
      if (f->detach)
        return llvm::Error::success();
      InterruptScope scope;
      return r.attach([] { return interrupts.load(); });
    });
  });

  CLI::App *down = cmd->add_subcommand("down", "Stop and remove containers and the project network");
  down->add_flag("-v,--volumes", f->volumes, "Remove the project's named and anonymous volumes");
  down->add_option("-t,--timeout", f->timeout, "Seconds to wait for each container to stop");
  down->callback([f, &status] {
    status = withProject(*f, [&](compose::Runner &r) { return r.down(f->volumes, f->timeout); });
  });

  CLI::App *stop = cmd->add_subcommand("stop", "Stop the services' containers");
  stop->add_option("-t,--timeout", f->timeout, "Seconds to wait for each container to stop");
  stop->callback(
      [f, &status] { status = withProject(*f, [&](compose::Runner &r) { return r.stop(f->timeout); }); });

  CLI::App *ps = cmd->add_subcommand("ps", "List the project's containers");
  ps->add_flag("-a,--all", f->all, "Show stopped containers too");
  ps->callback(
      [f, &status] { status = withProject(*f, [&](compose::Runner &r) { return printPs(r, f->all); }); });

  CLI::App *logs = cmd->add_subcommand("logs", "Show the services' output");
  logs->add_flag("-f,--follow", f->follow, "Follow log output");
  logs->callback([f, &status] {
    // Ctrl-C simply ends `logs -f`: the containers keep running.
    status = withProject(*f, [&](compose::Runner &r) { return r.logs(f->follow); });
  });

  CLI::App *build = cmd->add_subcommand("build", "Build the services' images");
  build->callback(
      [f, &status] { status = withProject(*f, [&](compose::Runner &r) { return r.build(false); }); });
}

} // namespace dfc::cli
