// The yum / dnf / zypper rules (DL3030-DL3041) are one check per package manager: the table
// below says how each spells "yes", pins a version and cleans its cache.
#pragma once

#include "ir/passes/lint/rules/Invocation.h"

namespace dfc::lint::rules {

struct PackageManager {
  std::vector<llvm::StringRef> programs;   // "dnf", "microdnf"
  std::vector<llvm::StringRef> installs;   // subcommands that install
  std::vector<llvm::StringRef> yesFlags;   // any of these makes it non-interactive
  std::vector<llvm::StringRef> cleanVerbs; // `yum clean all`: {"clean", "all"}; zypper: {"clean"}, {"cc"}
  std::vector<llvm::StringRef> cacheDirs;  // `rm -rf <dir>...` or a cache mount there also cleans
  bool (*pinned)(llvm::StringRef package);
};

inline const std::initializer_list<llvm::StringRef> &rpmValued() {
  static const std::initializer_list<llvm::StringRef> v = {
      "-c",       "--config", "--installroot", "--enablerepo", "--disablerepo", "--releasever",
      "--setopt", "-x",       "--exclude",     "--repo",       "--repoid",      "-d",
      "-e",       "-r",       "--from",        "-t",           "--type",        "-R",
      "--root"};
  return v;
}

inline bool isIn(llvm::StringRef s, const std::vector<llvm::StringRef> &v) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Calls of the manager's programs that install something, over the whole program.
template <typename F> void forEachInstall(Context &ctx, const PackageManager &pm, F &&f) {
  if (!ctx.callsAny(pm.programs))
    return;
  for (const RunScript &r : ctx.runs()) {
    if (!r.script)
      continue;
    for (llvm::StringRef prog : pm.programs)
      for (const Invocation &inv : invocations(*r.script, prog))
        if (isIn(inv.subcommand(rpmValued()), pm.installs))
          f(*r.stage, r.index, *r.run, *r.script, inv);
  }
}

inline void checkNonInteractive(Context &ctx, const PackageManager &pm, const Message &message) {
  forEachInstall(
      ctx, pm,
      [&](const Stage &, size_t, const RunInstruction &, const ShellScript &, const Invocation &inv) {
        for (llvm::StringRef y : pm.yesFlags)
          if (inv.hasFlag(y))
            return;
        ctx.report(inv.cmd->range, message);
      });
}

inline void checkPinned(Context &ctx, const PackageManager &pm, const Message &message) {
  forEachInstall(
      ctx, pm,
      [&](const Stage &, size_t, const RunInstruction &, const ShellScript &, const Invocation &inv) {
        for (const ShellWord *p : inv.packages(rpmValued())) {
          llvm::StringRef t(p->text);
          if (isUnknowable(*p) || t.endswith(".rpm") || t.contains('/') || pm.pinned(t))
            continue;
          ctx.report(p->range, message);
        }
      });
}

inline bool cleansCache(const PackageManager &pm, const RunInstruction &run, const ShellScript &s) {
  for (const Mount &m : run.mounts)
    if (m.type == MountType::Cache || m.type == MountType::Tmpfs)
      for (llvm::StringRef dir : pm.cacheDirs)
        if (llvm::StringRef(m.target).startswith(dir))
          return true;
  for (llvm::StringRef prog : pm.programs)
    for (const Invocation &inv : invocations(s, prog)) {
      auto ops = inv.operands(rpmValued());
      for (size_t i = 0; i < ops.size(); ++i)
        if (ops[i]->text == pm.cleanVerbs[0] &&
            (pm.cleanVerbs.size() == 1 || (i + 1 < ops.size() && ops[i + 1]->text == pm.cleanVerbs[1])))
          return true;
      if (isIn(inv.subcommand(rpmValued()), {"cc"}) && pm.cleanVerbs.size() == 1)
        return true;
    }
  for (const Invocation &rm : invocations(s, "rm"))
    for (const ShellWord *w : rm.operands())
      for (llvm::StringRef dir : pm.cacheDirs)
        if (llvm::StringRef(w->text).startswith(dir))
          return true;
  return false;
}

inline void checkCleaned(Context &ctx, const PackageManager &pm, const Message &message) {
  if (!ctx.callsAny(pm.programs)) // only calls of the manager are reported
    return;
  for (const RunScript &r : ctx.runs()) {
    if (!r.script || cleansCache(pm, *r.run, *r.script))
      continue;
    [&] {
      for (llvm::StringRef prog : pm.programs)
        for (const Invocation &inv : invocations(*r.script, prog))
          if (isIn(inv.subcommand(rpmValued()), pm.installs)) {
            ctx.report(inv.cmd->range, message);
            return;
          }
    }();
  }
}

// `name-1.2.3`: a dash followed by a digit.
inline bool dashVersion(llvm::StringRef p) {
  for (size_t i = 0; i + 1 < p.size(); ++i)
    if (p[i] == '-' && p[i + 1] >= '0' && p[i + 1] <= '9')
      return true;
  return false;
}
inline bool relationVersion(llvm::StringRef p) { return p.find_first_of("=<>") != llvm::StringRef::npos; }

inline const PackageManager &yum() {
  static const PackageManager pm{{"yum"},
                                 {"install", "groupinstall", "localinstall", "reinstall"},
                                 {"-y", "--assumeyes"},
                                 {"clean", "all"},
                                 {"/var/cache/yum"},
                                 dashVersion};
  return pm;
}
inline const PackageManager &dnf() {
  static const PackageManager pm{{"dnf", "microdnf"},
                                 {"install", "groupinstall", "localinstall", "reinstall"},
                                 {"-y", "--assumeyes"},
                                 {"clean", "all"},
                                 {"/var/cache/dnf", "/var/cache/yum"},
                                 dashVersion};
  return pm;
}
inline const PackageManager &zypper() {
  static const PackageManager pm{{"zypper"},
                                 {"install", "in", "remove", "rm", "source-install", "si", "patch"},
                                 {"-n", "--non-interactive", "-y", "--no-confirm"},
                                 {"clean"},
                                 {"/var/cache/zypp"},
                                 relationVersion};
  return pm;
}

} // namespace dfc::lint::rules
