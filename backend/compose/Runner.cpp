// Running a project: build what needs building, create volumes and the project network, then one container
// per service in dependency order (labelled as docker compose labels them, so ps/logs/down find them in the
// store without the file's help), and follow their logs with a "<service>-1  | " prefix.
#include "backend/compose/Compose.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace dfc::compose {

namespace {

const char *const ProjectLabel = "com.docker.compose.project";
const char *const ServiceLabel = "com.docker.compose.service";
const char *const NumberLabel = "com.docker.compose.container-number";
const char *const DirLabel = "com.docker.compose.project.working_dir";
const char *const FilesLabel = "com.docker.compose.project.config_files";
const char *const HashLabel = "dfc.compose.config-hash";
const char *const NetnsLabel = "dfc.compose.netns";
const char *const AnonymousLabel = "dfc.compose.anonymous-volumes";

llvm::Error failure(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string fnv(llvm::StringRef text) {
  uint64_t h = 14695981039346656037ull;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

std::string describe(const containers::RunSpec &s, const std::string &imageId) {
  std::string d = imageId;
  auto add = [&](const std::string &k, const std::string &v) { d += "\n" + k + "=" + v; };
  for (const std::string &c : s.command)
    add("cmd", c);
  if (s.entrypoint)
    add("entrypoint", *s.entrypoint);
  for (const std::string &e : s.env)
    add("env", e);
  for (const containers::VolumeBinding &v : s.volumes)
    add("volume", v.source + ":" + v.destination + (v.named ? ":named" : "") + (v.readOnly ? ":ro" : ""));
  for (const std::string &v : s.volumesFrom)
    add("volumes_from", v);
  for (const containers::PortBinding &p : s.ports)
    add("port", p.hostIp + ":" + std::to_string(p.hostPort) + ":" + std::to_string(p.containerPort) + "/" +
                    p.protocol);
  for (const std::string &h : s.extraHosts)
    add("host", h);
  for (const auto &[k, v] : s.labels)
    add("label " + k, v);
  add("workdir", s.workdir);
  add("user", s.user);
  add("hostname", s.hostname);
  add("restart", s.restart);
  if (s.healthcheck) {
    for (const std::string &t : s.healthcheck->Test)
      add("healthcheck", t);
    add("healthcheck",
        std::to_string(s.healthcheck->Interval) + "," + std::to_string(s.healthcheck->Timeout) + "," +
            std::to_string(s.healthcheck->StartPeriod) + "," + std::to_string(s.healthcheck->StartInterval) +
            "," + std::to_string(s.healthcheck->Retries));
  }
  return d;
}

// Waits until the container of `dependency` meets `condition` (depends_on's long form), with docker
// compose's errors: an unhealthy or exited dependency, a failed one-shot, no healthcheck to wait for.
llvm::Error awaitCondition(containers::Containers &cs, const Project &p, const Service &service,
                           const Service &dependency, const std::string &condition, int timeoutSeconds,
                           const Printer &print) {
  std::string name = p.containerOf(dependency);
  bool healthy = condition == "service_healthy";
  print("Container " + name + "  Waiting");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
  for (;;) {
    auto c = cs.info(name);
    if (!c)
      return failure("service " + service.name + ": " + containers::explain(c.takeError()).message);
    if (healthy) {
      if (c->status == containers::Status::Running && c->health == "healthy") {
        print("Container " + name + "  Healthy");
        return llvm::Error::success();
      }
      if (c->status == containers::Status::Running && c->health.empty())
        return failure("dependency failed to start: container " + name + " has no healthcheck configured");
      if (c->status == containers::Status::Running && c->health == "unhealthy")
        return failure("dependency failed to start: container " + name + " is unhealthy");
      if (c->status == containers::Status::Exited)
        return failure("dependency failed to start: container " + name + " exited (" +
                       std::to_string(c->exitCode) + ")");
    } else if (c->status == containers::Status::Exited) {
      if (c->exitCode != 0)
        return failure("service \"" + dependency.name + "\" didn't complete successfully: exit " +
                       std::to_string(c->exitCode));
      print("Container " + name + "  Exited");
      return llvm::Error::success();
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return failure("service " + service.name + ": timed out after " + std::to_string(timeoutSeconds) +
                     " s waiting for " + dependency.name + " to be " +
                     (healthy ? "healthy" : "completed successfully"));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

} // namespace

containers::RunSpec containerSpec(const Project &P, const Service &service, const Network &net) {
  const Service *s = &service;
  auto indexOf = [&](const Service *x) { return static_cast<size_t>(x - P.services.data()); };
  containers::RunSpec spec;
  spec.image = P.imageOf(*s);
  spec.name = P.containerOf(*s);
  // Compose's entrypoint is a list where RunSpec's is one word: the rest goes before the command.
  if (s->entrypoint) {
    spec.entrypoint = s->entrypoint->empty() ? "" : s->entrypoint->front();
    if (s->entrypoint->size() > 1)
      spec.command.assign(s->entrypoint->begin() + 1, s->entrypoint->end());
  }
  if (s->command)
    spec.command.insert(spec.command.end(), s->command->begin(), s->command->end());
  spec.env = s->environment;
  std::vector<std::string> anonymous;
  for (const ServiceVolume &v : s->volumes) {
    containers::VolumeBinding b;
    b.destination = v.target;
    b.readOnly = v.readOnly;
    switch (v.kind) {
    case ServiceVolume::Kind::Bind:
      b.source = v.source;
      break;
    case ServiceVolume::Kind::Named:
      b.source = P.volumes.at(v.source).name;
      b.named = true;
      break;
    case ServiceVolume::Kind::Anonymous:
      b.source = P.name + "_" + s->name + "_" + fnv(v.target).substr(0, 12);
      b.named = true;
      anonymous.push_back(b.source);
      break;
    }
    spec.volumes.push_back(b);
  }
  for (const std::string &from : s->volumesFrom) {
    llvm::StringRef f(from);
    if (f.consume_front("container:"))
      spec.volumesFrom.push_back(f.str());
    else
      spec.volumesFrom.push_back(P.containerOf(*P.service(f)));
  }
  spec.ports = s->ports;
  spec.workdir = s->workingDir;
  spec.user = s->user;
  spec.hostname = s->hostname;
  spec.restart = s->restart;
  spec.healthcheck = s->healthcheck;
  spec.networkNamespace = Network::path(net.containerNamespace(spec.name));
  // Every container knows every service by name (and by container name, hostname and link alias).
  for (size_t i = 0; i < P.services.size(); ++i) {
    const Service &other = P.services[i];
    std::string addr = Network::address(i);
    spec.extraHosts.push_back(other.name + ":" + addr);
    spec.extraHosts.push_back(P.containerOf(other) + ":" + addr);
    if (!other.hostname.empty() && other.hostname != other.name)
      spec.extraHosts.push_back(other.hostname + ":" + addr);
  }
  for (const auto &[target, alias] : s->links)
    if (alias != target)
      spec.extraHosts.push_back(alias + ":" + Network::address(indexOf(P.service(target))));
  spec.labels = s->labels;
  spec.labels[ProjectLabel] = P.name;
  spec.labels[ServiceLabel] = s->name;
  spec.labels[NumberLabel] = "1";
  spec.labels[DirLabel] = P.dir;
  spec.labels[FilesLabel] = P.files.empty() ? "" : P.files[0];
  spec.labels[NetnsLabel] = net.containerNamespace(spec.name);
  std::string anon;
  for (const std::string &a : anonymous)
    anon += (anon.empty() ? "" : ",") + a;
  if (!anon.empty())
    spec.labels[AnonymousLabel] = anon;
  return spec;
}

Runner::Runner(store::ImageStore &store, Project project, Printer print)
    : Store(store), P(std::move(project)) {
  auto lock = std::make_shared<std::mutex>();
  Print = [lock, print = std::move(print)](llvm::StringRef line) {
    std::lock_guard<std::mutex> held(*lock);
    print(line);
  };
}

// Each build is `dfc build` started again (/proc/self/exe), not a call in this process and not a fork that
// carries on: the builder unshares the mount namespace of the process it runs in (`ip netns` mounts made
// after that would be invisible to the host), and a forked child would inherit SQLite's per-process lock
// bookkeeping for the store this process has open.
llvm::Error Runner::buildInChild(const Service &s, const std::string &image) {
  std::vector<std::string> args = {"dfc", "build", "--progress", "plain", "-t", image};
  if (!s.build->dockerfile.empty())
    args.insert(args.end(), {"-f", s.build->dockerfile});
  if (!s.build->target.empty())
    args.insert(args.end(), {"--target", s.build->target});
  for (const auto &[k, v] : s.build->args)
    args.insert(args.end(), {"--build-arg", k + "=" + v});
  args.push_back(s.build->context);
  std::cout.flush();
  std::cerr.flush();
  std::string root = Store.root();
  pid_t pid = ::fork();
  if (pid < 0)
    return failure(llvm::Twine("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setenv("DFC_ROOT", root.c_str(), 1);
    std::vector<char *> argv;
    for (std::string &a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    std::fprintf(stderr, "dfc compose: cannot start dfc build: %s\n", std::strerror(errno));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return llvm::Error::success();
  return failure("service " + s.name + ": build failed (dfc build exited with " +
                 std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) + ")");
}

llvm::Error Runner::build(bool onlyMissing) {
  auto order = startOrder(P);
  if (!order)
    return order.takeError();
  for (const Service *s : *order) {
    if (!s->build)
      continue;
    std::string image = P.imageOf(*s);
    if (onlyMissing) {
      auto found = Store.resolve(image);
      if (found)
        continue;
      llvm::consumeError(found.takeError());
    }
    Print("Building " + s->name + " (" + image + ")");
    if (llvm::Error e = buildInChild(*s, image))
      return e;
  }
  return llvm::Error::success();
}

llvm::Error Runner::up(const UpOptions &options) {
  auto order = startOrder(P);
  if (!order)
    return order.takeError();
  if (llvm::Error e = build(!options.build))
    return e;
  // Images first, so a missing one fails before anything is created.
  std::map<std::string, std::string> imageIds;
  for (const Service &s : P.services) {
    auto img = Store.resolve(P.imageOf(s));
    if (!img)
      return failure(s.location.text() + ": service " + s.name + ": image " + P.imageOf(s) +
                     " is not in the store (" + llvm::toString(img.takeError()) +
                     "); dfc compose pulls nothing: dfc pull or dfc build it");
    imageIds[s.name] = img->id.str();
  }
  for (const auto &[key, v] : P.volumes) {
    bool existed = ::access((Store.root() + "/volumes/" + v.name).c_str(), F_OK) == 0;
    auto path = containers::namedVolumePath(Store, v.name);
    if (!path)
      return path.takeError();
    if (!existed)
      Print("Volume " + v.name + "  Created");
  }
  Network net = Network::forProject(Store, P.name);
  bool netExisted = ::access(Network::path(net.projectNamespace).c_str(), F_OK) == 0;
  if (llvm::Error e = net.create())
    return e;
  if (!netExisted)
    Print("Network " + P.name + "_default  Created");

  containers::Containers cs(Store);
  for (const Service *s : *order) {
    for (const auto &[needed, condition] : s->dependsOnCondition)
      if (llvm::Error e = awaitCondition(cs, P, *s, *P.service(needed), condition,
                                         options.dependencyTimeoutSeconds, Print))
        return e;
    containers::RunSpec spec = containerSpec(P, *s, net);
    std::string hash = fnv(describe(spec, imageIds[s->name]));
    spec.labels[HashLabel] = hash;

    // An unchanged running container stays; anything else is replaced.
    auto existing = cs.info(spec.name);
    if (existing && existing->name == spec.name) {
      auto label = existing->labels.find(HashLabel);
      if (existing->status == containers::Status::Running && label != existing->labels.end() &&
          label->second == hash) {
        Print("Container " + spec.name + "  Running");
        continue;
      }
      if (llvm::Error e = cs.remove(existing->id, true))
        return e;
      Print("Container " + spec.name + "  Recreated");
    } else if (!existing) {
      llvm::consumeError(existing.takeError());
    }
    size_t index = static_cast<size_t>(s - P.services.data());
    if (llvm::Error e = net.attach(spec.name, index, Network::address(index)))
      return e;
    auto id = cs.create(spec);
    if (!id) {
      llvm::consumeError(net.detach(spec.name));
      return failure("service " + s->name + ": " + containers::explain(id.takeError()).message);
    }
    Print("Container " + spec.name + "  Created");
    if (llvm::Error e = cs.startDetached(*id))
      return failure("service " + s->name + ": " + containers::explain(std::move(e)).message);
    Print("Container " + spec.name + "  Started");
  }
  return llvm::Error::success();
}

llvm::Expected<std::vector<containers::ContainerInfo>> Runner::containers(bool all) {
  containers::Containers cs(Store);
  auto list = cs.list();
  if (!list)
    return list.takeError();
  std::vector<containers::ContainerInfo> out;
  for (containers::ContainerInfo &c : *list) {
    auto it = c.labels.find(ProjectLabel);
    if (it == c.labels.end() || it->second != P.name)
      continue;
    if (all || c.status == containers::Status::Running || c.status == containers::Status::Restarting)
      out.push_back(std::move(c));
  }
  return out;
}

llvm::Error Runner::stop(int timeoutSeconds) {
  auto list = containers(false);
  if (!list)
    return list.takeError();
  // All at once, as docker compose does: a server that ignores SIGTERM costs the timeout once, not once per
  // container. Each thread has its own store handle (one SQLite connection per thread).
  std::vector<std::string> errors(list->size());
  std::vector<std::thread> threads;
  std::string root = Store.root();
  for (auto it = list->rbegin(); it != list->rend(); ++it) {
    Print("Container " + it->name + "  Stopping");
    size_t i = threads.size();
    threads.emplace_back([&, i, c = *it] {
      auto own = store::ImageStore::open(root);
      if (!own) {
        errors[i] = llvm::toString(own.takeError());
        return;
      }
      containers::Containers cs(**own);
      if (llvm::Error e = cs.stop(c.id, timeoutSeconds)) {
        errors[i] = c.name + ": " + llvm::toString(std::move(e));
        return;
      }
      Print("Container " + c.name + "  Stopped");
    });
  }
  for (std::thread &t : threads)
    t.join();
  for (const std::string &e : errors)
    if (!e.empty())
      return failure(e);
  return llvm::Error::success();
}

llvm::Error Runner::down(bool removeVolumes, int timeoutSeconds) {
  if (llvm::Error e = stop(timeoutSeconds))
    return e;
  auto list = containers(true);
  if (!list)
    return list.takeError();
  containers::Containers cs(Store);
  Network net = Network::forProject(Store, P.name);
  std::vector<std::string> anonymous;
  for (auto it = list->rbegin(); it != list->rend(); ++it) {
    if (llvm::Error e = cs.remove(it->id, true))
      return e;
    Print("Container " + it->name + "  Removed");
    if (auto a = it->labels.find(AnonymousLabel); a != it->labels.end()) {
      llvm::SmallVector<llvm::StringRef, 4> names;
      llvm::StringRef(a->second).split(names, ',');
      for (llvm::StringRef n : names)
        anonymous.push_back(n.str());
    }
    if (llvm::Error e = net.detach(it->name))
      return e;
  }
  // Namespaces of containers that are gone from the store (a crash between attach and create).
  for (const Service &s : P.services)
    if (llvm::Error e = net.detach(P.containerOf(s)))
      return e;
  bool netExisted = ::access(Network::path(net.projectNamespace).c_str(), F_OK) == 0;
  if (llvm::Error e = net.remove())
    return e;
  if (netExisted)
    Print("Network " + P.name + "_default  Removed");
  if (removeVolumes) {
    for (const auto &[key, v] : P.volumes) {
      if (v.external || ::access((Store.root() + "/volumes/" + v.name).c_str(), F_OK) != 0)
        continue;
      if (llvm::Error e = containers::removeNamedVolume(Store, v.name))
        return e;
      Print("Volume " + v.name + "  Removed");
    }
    for (const std::string &a : anonymous)
      if (llvm::Error e = containers::removeNamedVolume(Store, a))
        return e;
  }
  return llvm::Error::success();
}

namespace {

// Follows (or dumps) each container's log in a thread of its own, each with its own store handle.
// `tick` runs on this thread every 50 ms while they follow.
llvm::Error followAll(store::ImageStore &store, const std::vector<containers::ContainerInfo> &list,
                      bool follow, const Printer &print, const std::function<void()> &tick) {
  size_t width = 0;
  auto prefixOf = [](const containers::ContainerInfo &c) {
    auto s = c.labels.find(ServiceLabel);
    return (s == c.labels.end() ? c.name : s->second + "-1");
  };
  for (const containers::ContainerInfo &c : list)
    width = std::max(width, prefixOf(c).size());
  std::atomic<size_t> running{list.size()};
  std::vector<std::thread> threads;
  std::vector<std::string> errors(list.size());
  std::string root = store.root();
  for (size_t i = 0; i < list.size(); ++i) {
    std::string prefix = prefixOf(list[i]);
    prefix += std::string(width - prefix.size(), ' ') + "  | ";
    threads.emplace_back([&, i, prefix] {
      auto own = store::ImageStore::open(root);
      if (!own) {
        errors[i] = llvm::toString(own.takeError());
      } else {
        containers::Containers cs(**own);
        llvm::Error e = cs.logs(list[i].id, follow,
                                [&](bool, llvm::StringRef text) { print(prefix + text.rtrim("\n").str()); });
        if (e)
          errors[i] = llvm::toString(std::move(e));
      }
      --running;
    });
  }
  while (running > 0) {
    if (tick)
      tick();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (std::thread &t : threads)
    t.join();
  for (const std::string &e : errors)
    if (!e.empty())
      return failure(e);
  return llvm::Error::success();
}

} // namespace

llvm::Error Runner::attach(const std::function<int()> &interrupts) {
  auto list = containers(true);
  if (!list)
    return list.takeError();
  // The first interrupt stops the containers gracefully on a thread of its own (stop() opens a store per
  // container) while the followers print the last lines; a second one kills them.
  std::string stopError;
  std::thread stopper;
  bool killed = false;
  llvm::Error e = followAll(Store, *list, true, Print, [&] {
    int n = interrupts ? interrupts() : 0;
    if (n >= 1 && !stopper.joinable()) {
      Print("Gracefully stopping... (press Ctrl+C again to force)");
      stopper = std::thread([&] {
        if (llvm::Error s = stop(10))
          stopError = llvm::toString(std::move(s));
      });
    }
    if (n >= 2 && !killed) {
      killed = true;
      Print("Killing...");
      // Through Containers::kill, which also ends restart policies (the stopper may not have got there).
      containers::Containers cs(Store);
      for (const containers::ContainerInfo &c : *list)
        if (c.status == containers::Status::Running && c.pid > 0)
          llvm::consumeError(cs.kill(c.id, SIGKILL));
    }
  });
  if (stopper.joinable())
    stopper.join();
  if (!stopError.empty()) {
    llvm::consumeError(std::move(e));
    return failure(stopError);
  }
  return e;
}

llvm::Error Runner::logs(bool follow) {
  auto list = containers(true);
  if (!list)
    return list.takeError();
  if (!follow) {
    for (const containers::ContainerInfo &c : *list)
      if (llvm::Error e = followAll(Store, {c}, false, Print, nullptr))
        return e;
    return llvm::Error::success();
  }
  return followAll(Store, *list, true, Print, nullptr);
}

} // namespace dfc::compose
