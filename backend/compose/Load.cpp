// Finding and reading a project's files: the compose file, the .env beside it and the process environment
// (which wins over .env), then parseProject on what was read.
#include "backend/compose/Compose.h"

#include "backend/store/Files.h"

#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>

#include <unistd.h>

extern char **environ;

namespace dfc::compose {

namespace {

llvm::Error failure(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string absolutePath(const std::string &path, const std::string &base) {
  llvm::SmallString<256> out(llvm::StringRef(path).startswith("/") ? path : base + "/" + path);
  llvm::sys::path::remove_dots(out, true);
  return out.str().str();
}

} // namespace

llvm::Expected<Project> loadProject(const LoadOptions &options) {
  std::string cwd = options.workingDir;
  if (cwd.empty()) {
    char buf[4096];
    if (!::getcwd(buf, sizeof buf))
      return failure("getcwd failed");
    cwd = buf;
  }
  if (options.files.size() > 1)
    return failure("dfc compose reads one compose file; got " + std::to_string(options.files.size()) +
                   " -f files");
  std::string file;
  if (!options.files.empty()) {
    file = absolutePath(options.files[0], cwd);
  } else {
    for (const char *name : {"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"})
      if (::access((cwd + "/" + name).c_str(), F_OK) == 0) {
        file = cwd + "/" + name;
        break;
      }
    if (file.empty())
      return failure("no configuration file provided: not found (looked for compose.yaml, compose.yml, "
                     "docker-compose.yaml, docker-compose.yml in " +
                     cwd + ")");
  }
  auto text = store::readFile(file);
  if (!text)
    return text.takeError(); // names the file

  ParseInput in;
  in.file = file;
  in.text = *text;
  in.projectDir = llvm::sys::path::parent_path(file).str();
  std::string dotEnv = in.projectDir + "/.env";
  if (::access(dotEnv.c_str(), F_OK) == 0) {
    auto envText = store::readFile(dotEnv);
    if (!envText)
      return envText.takeError();
    auto vars = parseDotEnv(*envText, dotEnv);
    if (!vars)
      return vars.takeError();
    in.variables = *vars;
  }
  for (char **e = environ; e && *e; ++e) {
    llvm::StringRef kv(*e);
    auto [k, v] = kv.split('=');
    in.variables[k.str()] = v.str();
  }
  in.projectName = options.projectName;
  if (in.projectName.empty())
    if (auto it = in.variables.find("COMPOSE_PROJECT_NAME"); it != in.variables.end())
      in.projectName = it->second;
  in.readEnvFile = [](const std::string &path) { return containers::readEnvFile(path); };
  return parseProject(in);
}

} // namespace dfc::compose
