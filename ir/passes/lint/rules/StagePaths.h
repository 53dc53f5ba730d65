// Paths as a stage sees them: WORKDIR tracking and joining, so rules can tell that `COPY x .`
// and a later `rm -rf /app/x` name the same file.
#pragma once

#include "ir/Program.h"

#include <llvm/ADT/SmallVector.h>

#include <string>
#include <vector>

namespace dfc::lint::rules {

// `path` made absolute against `cwd` and normalized (`.`, `..`, doubled and trailing slashes).
inline std::string absolutePath(llvm::StringRef cwd, llvm::StringRef path) {
  std::string joined = path.startswith("/") ? path.str() : cwd.str() + "/" + path.str();
  // Already normal (no empty, `.` or `..` part, no trailing '/'): itself. Most paths are.
  llvm::StringRef j(joined);
  if (j.size() > 1 && j.startswith("/") && j.find("//") == llvm::StringRef::npos && j.find("/.") == llvm::StringRef::npos &&
      !j.endswith("/"))
    return joined;
  llvm::SmallVector<llvm::StringRef, 8> parts, out;
  llvm::StringRef(joined).split(parts, '/', -1, false);
  for (llvm::StringRef p : parts) {
    if (p == ".")
      continue;
    if (p == "..") {
      if (!out.empty())
        out.pop_back();
      continue;
    }
    out.push_back(p);
  }
  std::string r;
  for (llvm::StringRef p : out)
    r += "/" + p.str();
  return r.empty() ? "/" : r;
}

// Whether `path` is `dir` or lies under it.
inline bool within(llvm::StringRef path, llvm::StringRef dir) {
  if (dir == "/")
    return true;
  return path == dir || (path.startswith(dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

// The working directory before each instruction of `s` (index i), "/" until a WORKDIR says
// otherwise. Unknown variables leave their expansion as BuildKit would (empty).
inline std::vector<std::string> workdirs(const Stage &s) {
  std::vector<std::string> out;
  std::string cwd = "/";
  for (const AnyInstruction &any : s.instructions) {
    out.push_back(cwd);
    if (const auto *w = any.as<WorkdirInstruction>())
      cwd = absolutePath(cwd, w->path.expanded());
  }
  out.push_back(cwd);
  return out;
}

// Where a COPY/ADD puts each source: the destination itself, or dest/<basename> when the
// destination is a directory (ends with '/', or several sources).
inline std::vector<std::string> copiedPaths(const CopyCommon &c, llvm::StringRef cwd) {
  std::vector<std::string> out;
  std::string dest = absolutePath(cwd, c.dest.expanded());
  bool intoDir = llvm::StringRef(c.dest.expanded()).endswith("/") || c.sources.size() > 1 ||
                 c.dest.expanded() == "." || c.dest.expanded().empty();
  for (const Operand &src : c.sources) {
    llvm::StringRef s(src.expanded());
    s = s.rtrim('/');
    llvm::StringRef base = s.substr(s.rfind('/') + 1);
    if (base.contains('?'))
      base = base.split('?').first;
    if (!intoDir || base.empty() || base == ".")
      out.push_back(dest);
    else
      out.push_back(absolutePath(dest, base));
  }
  return out;
}

} // namespace dfc::lint::rules
