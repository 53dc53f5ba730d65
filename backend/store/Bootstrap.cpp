// Base-image bootstrap: build a rootfs in the store's tmp dir, tar it with addLayer, commit it.
// Child processes (busybox --list-full, debootstrap) run via fork/exec with explicit argv.
#include "backend/store/Bootstrap.h"

#include "backend/store/Files.h"

#include <llvm/ADT/ScopeExit.h>
#include <llvm/ADT/SmallVector.h>

#include <cerrno>
#include <cstdio>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace dfc::store {

namespace {

const char *DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Runs argv, returning its stdout; a non-zero exit is an error carrying the command.
llvm::Expected<std::string> run(const std::vector<std::string> &argv, bool captureOut) {
  int pipeFd[2];
  if (::pipe2(pipeFd, O_CLOEXEC) != 0)
    return systemError("pipe", argv[0]);
  pid_t pid = ::fork();
  if (pid < 0)
    return systemError("fork", argv[0]);
  if (pid == 0) {
    if (captureOut)
      ::dup2(pipeFd[1], 1);
    std::vector<char *> args;
    for (const std::string &a : argv)
      args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipeFd[1]);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(pipeFd[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    out.append(buf, size_t(n));
  }
  ::close(pipeFd[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string cmd;
    for (const std::string &a : argv)
      cmd += (cmd.empty() ? "" : " ") + a;
    return storeError("command failed (status " + llvm::Twine(WEXITSTATUS(status)) + "): " + cmd);
  }
  return out;
}

llvm::Error writeText(const std::string &path, llvm::StringRef text, unsigned mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return systemError("create", path);
  llvm::Error e = writeAll(fd, text.data(), text.size(), path);
  ::close(fd);
  return e;
}

llvm::Error copyFile(const std::string &from, const std::string &to, unsigned mode) {
  auto data = readFile(from);
  if (!data)
    return data.takeError();
  return writeText(to, *data, mode);
}

llvm::Expected<ResolvedImage> importDir(ImageStore &store, const std::string &dir, int64_t epoch,
                                        ImageSpec spec, llvm::StringRef name, llvm::StringRef createdBy) {
  LayerWriteOptions opts;
  opts.sourceDateEpoch = epoch;
  auto layer = store.addLayer(dir, opts);
  if (!layer)
    return layer.takeError();
  spec.created = formatTime(epoch);
  spec.architecture = hostArchitecture();
  spec.os = "linux";
  spec.diffIds = {layer->diffId};
  HistoryEntry h;
  h.created = spec.created;
  h.created_by = createdBy.str();
  h.comment = "dfc bootstrap";
  spec.history = {h};
  return store.commit(spec, name);
}

} // namespace

llvm::Expected<ResolvedImage> bootstrapBusybox(ImageStore &store, llvm::StringRef name,
                                               llvm::StringRef busybox) {
  struct stat bst;
  if (::stat(busybox.str().c_str(), &bst) != 0)
    return storeError(busybox + " not found: install Debian's busybox-static "
                                "(apt-get install -y busybox-static)");
  auto list = run({busybox.str(), "--list-full"}, true);
  if (!list)
    return list.takeError();
  auto lock = store.lease();
  if (!lock)
    return lock.takeError();
  std::string dir = store.blobs().tmpDir() + "/" + tempName("busybox-");
  if (::mkdir(dir.c_str(), 0755) != 0)
    return systemError("mkdir", dir);
  auto cleanup = llvm::make_scope_exit([&] { llvm::consumeError(removeTree(dir)); });
  for (const char *d : {"bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "dev", "proc", "sys", "var",
                        "home", "root", "tmp"})
    if (::mkdir((dir + "/" + d).c_str(), 0755) != 0)
      return systemError("mkdir", dir + "/" + d);
  ::chmod((dir + "/tmp").c_str(), 01777);
  ::chmod((dir + "/root").c_str(), 0700);
  if (llvm::Error e = copyFile(busybox.str(), dir + "/bin/busybox", 0755))
    return e;
  ::chmod((dir + "/bin/busybox").c_str(), 0755);
  llvm::SmallVector<llvm::StringRef, 512> applets;
  llvm::StringRef(*list).split(applets, '\n', -1, false);
  for (llvm::StringRef a : applets) {
    a = a.trim();
    if (a.empty() || a == "bin/busybox" || a.contains(".."))
      continue;
    std::string path = dir + "/" + a.str();
    if (llvm::Error e = makeDirs(path.substr(0, path.rfind('/'))))
      return e;
    if (::symlink("/bin/busybox", path.c_str()) != 0 && errno != EEXIST)
      return systemError("symlink", path);
  }
  if (llvm::Error e = writeText(dir + "/etc/passwd",
                                "root:x:0:0:root:/root:/bin/sh\n"
                                "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                                "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
                                0644))
    return e;
  if (llvm::Error e = writeText(dir + "/etc/group",
                                "root:x:0:\ndaemon:x:1:\ntty:x:5:\nstaff:x:50:\n"
                                "nogroup:x:65534:\n",
                                0644))
    return e;
  if (llvm::Error e = writeText(dir + "/etc/shadow", "root:*:0:0:99999:7:::\n", 0640))
    return e;
  ImageSpec spec;
  spec.config.Env = {DefaultPath};
  spec.config.Cmd = {"sh"};
  int64_t epoch = sourceDateEpoch().value_or(int64_t(bst.st_mtim.tv_sec));
  return importDir(store, dir, epoch, spec, name, "dfc bootstrap busybox (" + busybox.str() + ")");
}

std::string hostDebianMirror(llvm::StringRef etcApt) {
  std::vector<std::string> files = {(etcApt + "/sources.list").str()};
  std::string d = (etcApt + "/sources.list.d").str();
  if (DIR *dir = ::opendir(d.c_str())) {
    std::vector<std::string> names;
    while (struct dirent *e = ::readdir(dir)) {
      llvm::StringRef n(e->d_name);
      if (n.endswith(".list") || n.endswith(".sources"))
        names.push_back(n.str());
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    for (const std::string &n : names)
      files.push_back(d + "/" + n);
  }
  for (const std::string &f : files) {
    auto text = readFile(f);
    if (!text) {
      llvm::consumeError(text.takeError());
      continue;
    }
    llvm::SmallVector<llvm::StringRef, 64> lines;
    llvm::StringRef(*text).split(lines, '\n');
    for (llvm::StringRef line : lines) {
      line = line.trim();
      if (line.startswith("#"))
        continue;
      llvm::SmallVector<llvm::StringRef, 8> words;
      line.split(words, ' ', -1, false);
      llvm::StringRef url;
      if (line.startswith("URIs:") && words.size() >= 2)
        url = words[1];
      else if (words.size() >= 3 && words[0] == "deb")
        url = words[1].startswith("[") ? (words.size() >= 4 ? words[2] : "") : words[1];
      // Only the main archive: security and other vendors' repositories cannot bootstrap.
      if ((url.startswith("http://") || url.startswith("https://")) && url.contains("debian") &&
          !url.contains("security"))
        return url.rtrim('/').str();
    }
  }
  return "http://deb.debian.org/debian";
}

llvm::Expected<ResolvedImage> bootstrapDebian(ImageStore &store, llvm::StringRef name, llvm::StringRef suite,
                                              llvm::StringRef mirror) {
  struct stat st;
  if (::stat("/usr/sbin/debootstrap", &st) != 0) {
    auto installed = run({"apt-get", "install", "-y", "debootstrap"}, false);
    if (!installed)
      return installed.takeError();
  }
  std::string url = mirror.empty() ? hostDebianMirror() : mirror.str();
  auto lock = store.lease();
  if (!lock)
    return lock.takeError();
  std::string dir = store.blobs().tmpDir() + "/" + tempName("debootstrap-");
  if (::mkdir(dir.c_str(), 0755) != 0)
    return systemError("mkdir", dir);
  auto cleanup = llvm::make_scope_exit([&] { llvm::consumeError(removeTree(dir)); });
  auto out = run({"debootstrap", "--variant=minbase", suite.str(), dir, url}, false);
  if (!out)
    return out.takeError();
  // Caches that make images bigger and differ on every run.
  for (const char *junk : {"var/cache/apt/archives", "var/lib/apt/lists", "var/log"})
    if (llvm::Error e = removeTree(dir + "/" + junk))
      return e;
  for (const char *keep : {"var/cache/apt/archives/partial", "var/lib/apt/lists/partial", "var/log"})
    if (llvm::Error e = makeDirs(dir + "/" + keep))
      return e;
  ImageSpec spec;
  spec.config.Env = {DefaultPath};
  spec.config.Cmd = {"bash"};
  int64_t epoch = sourceDateEpoch().value_or(int64_t(std::time(nullptr)));
  return importDir(store, dir, epoch, spec, name, ("dfc bootstrap debian " + suite + " " + url).str());
}

} // namespace dfc::store
