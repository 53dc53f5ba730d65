// `dfc parse`: reads one Dockerfile (or stdin), prints its diagnostics and, on request, BuildKit's
// dump of the syntax tree or the program as JSON. Exit 1 when the file has errors, 2 on usage errors.
#include "cli/Commands.h"
#include "frontend/Diagnostic.h"
#include "frontend/SyntaxTree.h"
#include "ir/Build.h"
#include "ir/Json.h"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

namespace dfc::cli {
namespace {

struct ParseFlags {
  std::string file;
  std::string dump; // "buildkit" or ""
  bool json = false;
  std::vector<std::string> buildArgs; // K=V, or K to take the value from the environment
  std::string target;
};

// Reads a whole file, or stdin for "-". Returns the errno text on failure; a directory is an error
// here (open() accepts it, read() does not).
std::optional<std::string> readInput(const std::string &path, std::string &text) {
  int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::string(std::strerror(errno));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0)
      break;
    if (n < 0) {
      if (errno == EINTR)
        continue;
      std::string reason = std::strerror(errno);
      if (fd != STDIN_FILENO)
        ::close(fd);
      return reason;
    }
    text.append(buf, static_cast<size_t>(n));
  }
  if (fd != STDIN_FILENO)
    ::close(fd);
  return std::nullopt;
}

// `--build-arg K=V` overrides; a bare `K` takes its value from the environment like docker does,
// and is dropped when the variable is unset.
std::optional<std::string> parseBuildArgs(const std::vector<std::string> &specs,
                                          std::map<std::string, std::string> &out) {
  for (const std::string &spec : specs) {
    size_t eq = spec.find('=');
    std::string key = spec.substr(0, eq);
    if (key.empty())
      return "--build-arg needs KEY=VALUE, got '" + spec + "'";
    if (eq != std::string::npos) {
      out[key] = spec.substr(eq + 1);
    } else if (const char *env = std::getenv(key.c_str())) {
      out[key] = env;
    }
  }
  return std::nullopt;
}

int runParse(const ParseFlags &flags) {
  BuildOptions opts;
  opts.target = flags.target;
  if (auto err = parseBuildArgs(flags.buildArgs, opts.buildArgs)) {
    std::cerr << "dfc: " << *err << "\n";
    return ExitUsage;
  }
  std::string text;
  if (auto reason = readInput(flags.file, text)) {
    std::cerr << "dfc: cannot read " << flags.file << ": " << *reason << "\n";
    return ExitUsage;
  }
  const std::string displayName = flags.file == "-" ? "<stdin>" : flags.file;

  SyntaxTree tree = parseDockerfile(std::move(text));
  // The tree and the program are complete even for broken input, so the requested output is
  // printed either way; the exit code tells callers whether to trust it.
  const std::vector<Diagnostic> *diagnostics = &tree.diagnostics;
  bool hasErrors = tree.hasErrors();
  Program program;
  if (flags.dump == "buildkit") {
    // BuildKit's dump is the parser layer alone, so only the parser's errors apply to it.
    std::cout << dumpBuildkit(tree);
  } else {
    program = buildProgram(tree, opts);
    diagnostics = &program.diagnostics; // the tree's, then the IR's
    hasErrors = program.hasErrors();
    if (flags.json)
      std::cout << programToJson(program) << "\n";
  }
  std::cout.flush();

  for (const Diagnostic &d : *diagnostics)
    std::cerr << formatDiagnostic(displayName, d) << "\n";
  return hasErrors ? ExitFailure : ExitSuccess;
}

} // namespace

void registerParseCommand(CLI::App &app, int &status) {
  auto flags = std::make_shared<ParseFlags>();
  CLI::App *cmd = app.add_subcommand("parse", "Parse a Dockerfile and print its diagnostics, tree or IR");
  cmd->add_option("file", flags->file, "Dockerfile to parse ('-' for stdin)")->required();
  CLI::Option *dump =
      cmd->add_option("--dump", flags->dump, "Print the syntax tree in BuildKit's dump format")
          ->check(CLI::IsMember({"buildkit"}));
  cmd->add_flag("--json", flags->json, "Print the typed program (IR) as JSON")->excludes(dump);
  cmd->add_option("--build-arg", flags->buildArgs,
                  "Set a build argument (KEY=VALUE, or KEY from the environment)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--target", flags->target, "Stage to build (name or index)");
  cmd->callback([flags, &status] { status = runParse(*flags); });
}

} // namespace dfc::cli
