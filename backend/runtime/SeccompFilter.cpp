// Translation of the OCI seccomp section to libseccomp rules, exported as a BPF program.
// Semantics follow runc: unknown syscall names are skipped, args on one index are alternatives.
#include "backend/runtime/SeccompFilter.h"

#include <llvm/ADT/StringExtras.h>
#include <llvm/ADT/Twine.h>
#include <llvm/Support/FileUtilities.h>
#include <llvm/Support/xxhash.h>

#include <seccomp.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <optional>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace dfc::runtime::detail {
namespace {

llvm::Error seccompError(const llvm::Twine &message) {
  return llvm::createStringError(std::make_error_code(std::errc::invalid_argument), "seccomp: " + message);
}

std::optional<uint32_t> parseAction(llvm::StringRef action, std::optional<uint32_t> errnoRet) {
  uint32_t err = errnoRet.value_or(EPERM);
  if (action == "SCMP_ACT_ALLOW")
    return SCMP_ACT_ALLOW;
  if (action == "SCMP_ACT_ERRNO")
    return SCMP_ACT_ERRNO(err);
  if (action == "SCMP_ACT_KILL" || action == "SCMP_ACT_KILL_THREAD")
    return SCMP_ACT_KILL;
  if (action == "SCMP_ACT_KILL_PROCESS")
    return SCMP_ACT_KILL_PROCESS;
  if (action == "SCMP_ACT_TRAP")
    return SCMP_ACT_TRAP;
  if (action == "SCMP_ACT_LOG")
    return SCMP_ACT_LOG;
  if (action == "SCMP_ACT_TRACE")
    return SCMP_ACT_TRACE(err);
  return std::nullopt;
}

std::optional<scmp_compare> parseOp(llvm::StringRef op) {
  static const std::pair<const char *, scmp_compare> ops[] = {{"SCMP_CMP_NE", SCMP_CMP_NE},
                                                              {"SCMP_CMP_LT", SCMP_CMP_LT},
                                                              {"SCMP_CMP_LE", SCMP_CMP_LE},
                                                              {"SCMP_CMP_EQ", SCMP_CMP_EQ},
                                                              {"SCMP_CMP_GE", SCMP_CMP_GE},
                                                              {"SCMP_CMP_GT", SCMP_CMP_GT},
                                                              {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
  for (const auto &[name, value] : ops)
    if (op == name)
      return value;
  return std::nullopt;
}

// A key holding everything that shapes the program.
std::string cacheKey(const Seccomp &p) {
  std::string key = p.defaultAction;
  for (const std::string &a : p.architectures)
    key += "|" + a;
  for (const SeccompSyscall &s : p.syscalls) {
    key += ";" + s.action + "/" + (s.errnoRet ? std::to_string(*s.errnoRet) : "-");
    for (const std::string &n : s.names)
      key += "," + n;
    for (const SeccompArg &a : s.args)
      key +=
          ":" + std::to_string(a.index) + a.op + std::to_string(a.value) + "." + std::to_string(a.valueTwo);
  }
  return key;
}

llvm::Expected<std::vector<struct sock_filter>> build(const Seccomp &profile) {
  auto defaultAction = parseAction(profile.defaultAction, std::nullopt);
  if (!defaultAction)
    return seccompError("unknown default action " + profile.defaultAction);
  scmp_filter_ctx ctx = seccomp_init(*defaultAction);
  if (!ctx)
    return seccompError("seccomp_init failed");
  struct Release {
    scmp_filter_ctx ctx;
    ~Release() { seccomp_release(ctx); }
  } release{ctx};
  // The runtime sets no_new_privs itself, per process.noNewPrivileges.
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);

  for (const std::string &arch : profile.architectures) {
    llvm::StringRef name(arch);
    name.consume_front("SCMP_ARCH_");
    uint32_t token = seccomp_arch_resolve_name(name.lower().c_str());
    if (token == 0)
      return seccompError("unknown architecture " + arch);
    int rc = seccomp_arch_add(ctx, token);
    if (rc != 0 && rc != -EEXIST)
      return seccompError("cannot add architecture " + arch + ": " + std::strerror(-rc));
  }

  for (const SeccompSyscall &call : profile.syscalls) {
    auto action = parseAction(call.action, call.errnoRet);
    if (!action)
      return seccompError("unknown action " + call.action);
    if (*action == *defaultAction)
      continue; // libseccomp refuses rules that repeat the default
    std::vector<scmp_arg_cmp> conditions;
    bool repeatedIndex = false;
    unsigned seen = 0;
    for (const SeccompArg &arg : call.args) {
      auto op = parseOp(arg.op);
      if (!op || arg.index > 5)
        return seccompError("bad argument rule " + arg.op + " on index " + llvm::Twine(arg.index));
      if (seen & (1u << arg.index))
        repeatedIndex = true;
      seen |= 1u << arg.index;
      conditions.push_back({arg.index, *op, arg.value, arg.valueTwo});
    }
    for (const std::string &name : call.names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR)
        continue; // not a syscall libseccomp knows on any of our architectures
      auto add = [&](const scmp_arg_cmp *args, unsigned count) -> llvm::Error {
        int rc = seccomp_rule_add_array(ctx, *action, nr, count, args);
        if (rc != 0)
          return seccompError("rule for " + name + ": " + std::strerror(-rc));
        return llvm::Error::success();
      };
      if (repeatedIndex) {
        for (const scmp_arg_cmp &c : conditions)
          if (llvm::Error e = add(&c, 1))
            return e;
      } else if (llvm::Error e = add(conditions.data(), static_cast<unsigned>(conditions.size()))) {
        return e;
      }
    }
  }

  int fd = memfd_create("dfc-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return seccompError(llvm::Twine("memfd_create: ") + std::strerror(errno));
  int rc = seccomp_export_bpf(ctx, fd);
  off_t size = lseek(fd, 0, SEEK_END);
  std::vector<struct sock_filter> program;
  if (rc == 0 && size > 0 && size % sizeof(struct sock_filter) == 0) {
    program.resize(static_cast<size_t>(size) / sizeof(struct sock_filter));
    if (pread(fd, program.data(), static_cast<size_t>(size), 0) != size)
      rc = -EIO;
  } else if (rc == 0) {
    rc = -EINVAL;
  }
  close(fd);
  if (rc != 0)
    return seccompError(llvm::Twine("export: ") + std::strerror(-rc));
  if (program.size() > BPF_MAXINSNS)
    return seccompError("program too long (" + llvm::Twine(program.size()) + " instructions)");
  return program;
}

// A program kept on disk is trusted only for the exact inputs that made it: the profile, libseccomp's
// version, the kernel (libseccomp asks it what it supports) and this very executable (its inode, size
// and mtime, so a rebuilt dfc never reads an older build's program). The file is the program followed
// by an xxHash64 of those inputs and the program, so a torn or foreign file is recompiled, not loaded.
std::string diskKey(const std::string &key) {
  const scmp_version *v = seccomp_version();
  struct utsname u {};
  ::uname(&u);
  struct stat exe {};
  ::stat("/proc/self/exe", &exe);
  return key + "#libseccomp " + std::to_string(v ? v->major : 0) + "." + std::to_string(v ? v->minor : 0) +
         "." + std::to_string(v ? v->micro : 0) + "#" + u.release + " " + u.machine + "#" +
         std::to_string(exe.st_dev) + ":" + std::to_string(exe.st_ino) + ":" + std::to_string(exe.st_size) +
         ":" + std::to_string(exe.st_mtim.tv_sec) + "." + std::to_string(exe.st_mtim.tv_nsec);
}

uint64_t checksum(const std::string &key, const std::vector<struct sock_filter> &program) {
  std::string bytes = key;
  bytes.append(reinterpret_cast<const char *>(program.data()), program.size() * sizeof(struct sock_filter));
  return llvm::xxHash64(bytes);
}

std::string diskPath(const std::string &cacheDir, const std::string &key) {
  return cacheDir + "/seccomp-" + llvm::utohexstr(llvm::xxHash64(key), true) + ".bpf";
}

std::optional<std::vector<struct sock_filter>> readCached(const std::string &path, const std::string &key) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::nullopt;
  std::string bytes(BPF_MAXINSNS * sizeof(struct sock_filter) + sizeof(uint64_t) + 1, '\0');
  ssize_t n = ::read(fd, bytes.data(), bytes.size());
  ::close(fd);
  if (n < ssize_t(sizeof(struct sock_filter) + sizeof(uint64_t)) || n == ssize_t(bytes.size()) ||
      (size_t(n) - sizeof(uint64_t)) % sizeof(struct sock_filter) != 0)
    return std::nullopt;
  size_t length = (size_t(n) - sizeof(uint64_t)) / sizeof(struct sock_filter);
  std::vector<struct sock_filter> program(length);
  std::memcpy(program.data(), bytes.data(), length * sizeof(struct sock_filter));
  uint64_t stored;
  std::memcpy(&stored, bytes.data() + length * sizeof(struct sock_filter), sizeof stored);
  if (stored != checksum(key, program))
    return std::nullopt;
  return program;
}

// Best effort: LLVM's atomic write (a unique temp file, then rename), so a reader sees a whole file
// or none (the checksum covers a torn one); a failure only means the next run compiles again.
void writeCached(const std::string &cacheDir, const std::string &path, const std::string &key,
                 const std::vector<struct sock_filter> &program) {
  if (::mkdir(cacheDir.c_str(), 0700) != 0 && errno != EEXIST)
    return;
  std::string bytes(reinterpret_cast<const char *>(program.data()),
                    program.size() * sizeof(struct sock_filter));
  uint64_t sum = checksum(key, program);
  bytes.append(reinterpret_cast<const char *>(&sum), sizeof sum);
  llvm::consumeError(llvm::writeFileAtomically(path + "-%%%%%%%%.tmp", path, bytes));
}

} // namespace

llvm::Expected<std::vector<struct sock_filter>> compileSeccomp(const Seccomp &profile,
                                                               const std::string &cacheDir) {
  static std::mutex mutex;
  static std::map<std::string, std::vector<struct sock_filter>> cache;
  std::string key = cacheKey(profile);
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end())
      return it->second;
  }
  std::string onDisk = cacheDir.empty() ? "" : diskKey(key);
  std::string path = cacheDir.empty() ? "" : diskPath(cacheDir, onDisk);
  std::optional<std::vector<struct sock_filter>> program;
  if (!cacheDir.empty())
    program = readCached(path, onDisk);
  if (!program) {
    auto built = build(profile);
    if (!built)
      return built.takeError();
    program = std::move(*built);
    if (!cacheDir.empty())
      writeCached(cacheDir, path, onDisk, *program);
  }
  std::lock_guard<std::mutex> lock(mutex);
  cache.emplace(key, *program);
  return *program;
}

} // namespace dfc::runtime::detail
