// `dfc lint`: finds Dockerfiles, lints them in parallel (rules, parse errors, ShellCheck), prints one
// report in the chosen format, applies fixes on request. Exit 0 clean, 1 findings, 2 usage/config.
#include "cli/Commands.h"
#include "cli/LintConfig.h"
#include "cli/LintIO.h"
#include "cli/RuleDocs.h"
#include "frontend/Diagnostic.h"
#include "frontend/SyntaxTree.h"
#include "ir/Build.h"
#include "ir/passes/lint/Format.h"
#include "ir/passes/lint/ShellCheck.h"

#include <CLI/CLI.hpp>
#include <llvm/ADT/SmallVector.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace dfc::cli {
namespace {

struct LintFlags {
  std::vector<std::string> paths;
  std::string format = "tty";
  std::string failureThreshold;
  std::string configFile;
  std::vector<std::string> ignore;
  bool noShellcheck = false;
  bool fix = false;
  std::string explain;
  bool list = false;
};

// One Dockerfile to lint: where it is, how to show it, and what applies to it.
struct Job {
  std::string path;    // "-" for stdin
  std::string display; // as the user named it
  LintSettings settings;
  // Filled by the worker:
  std::unique_ptr<SyntaxTree> tree;
  std::unique_ptr<Program> program; // built from tree; kept, as the tree is, until the process ends
  std::vector<lint::Finding> findings;
  std::string error; // unreadable file or failed write
  size_t fixesApplied = 0;
  size_t bytes = 0; // the file's size when it was found (0 for stdin): how much work it is
};

// Writes next to the file and renames over it, so a crash leaves the old file or the new one,
// never half of each; the file keeps its permissions.
std::optional<std::string> writeAtomically(const std::string &path, const std::string &text) {
  struct stat st;
  mode_t mode = ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  std::string tmp = path + ".dfc-fix.XXXXXX";
  std::vector<char> name(tmp.begin(), tmp.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0)
    return std::string(std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(name.data());
      return reason;
    }
    done += static_cast<size_t>(n);
  }
  ::fchmod(fd, mode);
  if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(name.data(), path.c_str()) != 0) {
    std::string reason = std::strerror(errno);
    ::unlink(name.data());
    return reason;
  }
  return std::nullopt;
}

bool isDockerfileName(llvm::StringRef name) {
  return name == "Dockerfile" || name == "Containerfile" || name.endswith(".Dockerfile") ||
         name.startswith("Dockerfile.");
}

// Recursively collects Dockerfiles under `dir`, sorted, skipping VCS and dependency folders.
void walk(const std::string &dir, std::vector<std::pair<std::string, size_t>> &out) {
  DIR *d = ::opendir(dir.c_str());
  if (!d)
    return;
  std::vector<std::string> names;
  while (dirent *e = ::readdir(d))
    names.push_back(e->d_name);
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string &n : names) {
    if (n == "." || n == ".." || n == ".git" || n == "node_modules")
      continue;
    std::string p = dir == "/" ? "/" + n : dir + "/" + n;
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0)
      continue;
    if (S_ISDIR(st.st_mode))
      walk(p, out);
    else if (S_ISREG(st.st_mode) && isDockerfileName(n))
      out.push_back({p, static_cast<size_t>(st.st_size)});
  }
}

std::string dirOf(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

} // namespace

// Declared in LintConfig.h (`dfc lsp` reads it too).
std::vector<std::string> readDockerignore(const std::string &dockerfile, const std::string &dir) {
  std::string text;
  bool found = dockerfile != "-" && !readInput(dockerfile + ".dockerignore", text);
  if (!found) {
    text.clear();
    found = !readInput((dir == "/" ? "" : dir) + "/.dockerignore", text);
  }
  if (!found)
    return {};
  std::vector<std::string> patterns;
  llvm::SmallVector<llvm::StringRef, 32> lines;
  llvm::StringRef(text).split(lines, '\n');
  for (llvm::StringRef l : lines) {
    l = l.trim();
    if (!l.empty() && !l.startswith("#"))
      patterns.push_back(l.str());
  }
  return patterns;
}

namespace {

bool onPath(const char *program) {
  const char *path = std::getenv("PATH");
  if (!path)
    return false;
  llvm::SmallVector<llvm::StringRef, 16> dirs;
  llvm::StringRef(path).split(dirs, ':');
  for (llvm::StringRef d : dirs) {
    std::string p = (d.empty() ? std::string(".") : d.str()) + "/" + program;
    if (::access(p.c_str(), X_OK) == 0)
      return true;
  }
  return false;
}

// Runs `shellcheck -s DIALECT -f json -e EXCLUDES -` with `script` on stdin; its stdout in `out`.
// Both pipes are polled together so a large script cannot deadlock against a chatty tool.
bool runShellCheck(const std::string &script, const std::string &dialect, std::string &out) {
  int in[2], res[2];
  if (::pipe2(in, O_CLOEXEC) != 0)
    return false;
  if (::pipe2(res, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return false;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&fa, res[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::string excludes = lint::shellCheckExcludes();
  std::vector<std::string> args = {"shellcheck", "-s", dialect, "-f", "json", "-e", excludes, "-"};
  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, "shellcheck", &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(in[0]);
  ::close(res[1]);
  if (rc != 0) {
    ::close(in[1]);
    ::close(res[0]);
    return false;
  }
  size_t written = 0;
  bool inputOpen = true;
  if (script.empty()) {
    ::close(in[1]);
    inputOpen = false;
  }
  char buf[65536];
  for (;;) {
    pollfd fds[2] = {{res[0], POLLIN, 0}, {inputOpen ? in[1] : -1, POLLOUT, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (inputOpen && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = ::write(in[1], script.data() + written, script.size() - written);
      if (n > 0)
        written += static_cast<size_t>(n);
      if (n < 0 && errno != EINTR && errno != EAGAIN)
        written = script.size();
      if (written == script.size()) {
        ::close(in[1]);
        inputOpen = false;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(res[0], buf, sizeof buf);
      if (n > 0)
        out.append(buf, static_cast<size_t>(n));
      else if (n == 0 || errno != EINTR)
        break;
    }
  }
  if (inputOpen)
    ::close(in[1]);
  ::close(res[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // ShellCheck exits 1 when it found something; only a crash or a missing tool is a failure.
  return WIFEXITED(status) && WEXITSTATUS(status) <= 1;
}

bool ignoredByConfig(const lint::Config &config, const lint::Finding &f) {
  auto hit = [&](llvm::StringRef id) {
    for (const std::string &i : config.ignored)
      if (llvm::StringRef(i).equals_insensitive(id))
        return true;
    return false;
  };
  if (hit(f.rule->id))
    return true;
  for (const char *a : f.rule->aliases)
    if (hit(a))
      return true;
  // ShellCheck findings also answer to their SC code, as in hadolint's `ignored: [SC2086]`.
  llvm::StringRef msg(f.message);
  return msg.startswith("SC") && hit(msg.split(':').first);
}

// Whether a list like "DL3008, SC2086 trailing words" names the finding.
bool listNames(llvm::StringRef list, const lint::Finding &f) {
  llvm::SmallVector<llvm::StringRef, 8> ids;
  list.split(ids, ',', -1, false);
  lint::Config c;
  for (llvm::StringRef id : ids)
    if (!(id = id.trim().split(' ').first).empty())
      c.ignored.insert(id.str());
  return c.ignored.count("all") || ignoredByConfig(c, f);
}

// The inline suppressions lint() applies to rule findings, for the findings added here:
// `# dfc|hadolint [global] ignore=` and BuildKit's `# check=skip=`.
bool suppressedInline(const SyntaxTree &tree, const lint::Finding &f) {
  if (const Directive *check = tree.directive("check")) {
    llvm::SmallVector<llvm::StringRef, 4> opts;
    llvm::StringRef(check->value).split(opts, ';');
    for (llvm::StringRef o : opts)
      if (o.trim().consume_front("skip=") && listNames(o.trim().drop_front(5), f))
        return true;
  }
  auto parse = [](llvm::StringRef text, bool &global, llvm::StringRef &ids) {
    text = text.ltrim().drop_front().trim(); // '#'
    if (!text.consume_front("hadolint") && !text.consume_front("dfc"))
      return false;
    text = text.ltrim();
    global = text.consume_front("global");
    text = text.ltrim();
    if (!text.consume_front("ignore="))
      return false;
    ids = text;
    return true;
  };
  for (const Range &c : tree.comments) {
    bool global = false;
    llvm::StringRef ids;
    if (parse(tree.source.text().slice(c.begin.offset, c.end.offset), global, ids) && global && listNames(ids, f))
      return true;
  }
  for (const Instruction &ins : tree.instructions) {
    if (f.range.begin.line < ins.keywordRange.begin.line || f.range.begin.line > ins.range.end.line)
      continue;
    for (llvm::StringRef c : ins.comments) {
      bool global = false;
      llvm::StringRef ids;
      std::string withHash = c.ltrim().startswith("#") ? c.str() : "#" + c.str();
      if (parse(withHash, global, ids) && !global && listNames(ids, f))
        return true;
    }
    break;
  }
  return false;
}

// Moves the `extra` findings that configuration and suppressions keep into `findings`, with
// severity overrides applied, and sorts the result by position.
void keepConfigured(const SyntaxTree &tree, const lint::Config &config, std::vector<lint::Finding> &extra,
                    std::vector<lint::Finding> &findings) {
  size_t before = findings.size();
  for (lint::Finding &f : extra) {
    if (ignoredByConfig(config, f) || (!config.disableIgnorePragma && suppressedInline(tree, f)))
      continue;
    for (auto &[id, sev] : config.overrides) {
      llvm::StringRef i(id);
      if (i.equals_insensitive(f.rule->id) || (llvm::StringRef(f.message).startswith(id + ":")))
        f.severity = sev;
    }
    findings.push_back(std::move(f));
  }
  if (findings.size() == before)
    return; // lint()'s findings come sorted: nothing to move (the big file's 1,200: ~20 us)
  std::stable_sort(findings.begin(), findings.end(), [](const lint::Finding &a, const lint::Finding &b) {
    return a.range.begin.offset < b.range.begin.offset;
  });
}

// Findings the rules cannot make themselves: parse/IR errors and ShellCheck's. Inline suppressions
// apply to them as to any rule (lint() handles those), configuration here.
void addToolFindings(const SyntaxTree &tree, const Program &program, const LintSettings &s, bool shellcheck,
                     std::vector<lint::Finding> &findings) {
  std::vector<lint::Finding> extra;
  if (const lint::Rule *syntax = lint::findRule("SyntaxError")) {
    for (const Diagnostic &d : program.diagnostics) {
      if (d.severity != Severity::Error)
        continue;
      lint::Finding f;
      f.rule = &syntax->info;
      f.range = d.range;
      f.severity = Severity::Error;
      f.message = d.message;
      extra.push_back(std::move(f));
    }
  }
  if (shellcheck) {
    for (const lint::ShellBody &body : lint::shellBodies(tree, program)) {
      std::string json, error;
      if (runShellCheck(body.script, body.dialect, json))
        lint::shellCheckFindings(body, json, tree.source, extra, error);
    }
  }
  keepConfigured(tree, s.config, extra, findings);
}

std::vector<lint::Finding> lintText(Job &job, std::string text, const LintSettings &s, bool shellcheck) {
  job.program.reset(); // built from the tree it replaces
  job.tree = std::make_unique<SyntaxTree>(parseDockerfile(std::move(text)));
  job.program = std::make_unique<Program>(buildProgram(*job.tree));
  std::vector<lint::Finding> findings = lint::lint(*job.tree, *job.program, s.config).findings;
  addToolFindings(*job.tree, *job.program, s, shellcheck, findings);
  return findings;
}

void lintJob(Job &job, bool shellcheck, bool fix) {
  std::string text;
  if (auto reason = readInput(job.path, text)) {
    job.error = "cannot read " + job.display + ": " + *reason;
    return;
  }
  bool useShellcheck = shellcheck && job.settings.config.shellcheck;
  if (!fix) {
    job.findings = lintText(job, std::move(text), job.settings, useShellcheck);
    return;
  }
  // Fixes can overlap; each round takes the ones that do not, and re-lints the result. ShellCheck
  // has no fixes, so it only runs on the final text.
  std::string current = text;
  for (int round = 0; round < 8; ++round) {
    std::vector<lint::Finding> findings = lintText(job, current, job.settings, false);
    size_t applied = 0;
    std::string next = lint::applyFixes(current, findings, &applied);
    if (applied == 0 || next == current)
      break;
    job.fixesApplied += applied;
    current = std::move(next);
  }
  if (current != text)
    if (auto reason = writeAtomically(job.path, current))
      job.error = "cannot write " + job.display + ": " + *reason;
  job.findings = lintText(job, std::move(current), job.settings, useShellcheck);
}

void printRuleList() {
  for (const lint::Rule *r : lint::allRules()) {
    std::string aliases;
    for (const char *a : r->info.aliases)
      aliases += (aliases.empty() ? "" : ",") + std::string(a);
    std::printf("%-32s %-16s %-8s %-16s %s\n", r->info.id, aliases.empty() ? "-" : aliases.c_str(),
                severityName(r->info.severity).str().c_str(), ruleSourceName(r->info.source).str().c_str(),
                r->info.summary);
  }
}

int explain(const std::string &idOrAlias) {
  const lint::Rule *r = lint::findRule(idOrAlias);
  if (!r) {
    std::cerr << "dfc: no lint rule '" << idOrAlias << "' (dfc lint --list shows them)\n";
    return ExitUsage;
  }
  if (const char *page = ruleDoc(r->info.id)) {
    std::cout << page;
    if (!llvm::StringRef(page).endswith("\n"))
      std::cout << "\n";
    return ExitSuccess;
  }
  // No page yet: the metadata is still worth printing.
  std::cout << "# " << r->info.id << "\n\n" << r->info.summary << "\n\nDefault severity: "
            << severityName(r->info.severity).str() << "\n";
  return ExitSuccess;
}

// The process ends once the report is out: freeing every tree, program and finding first would
// cost a sixth of linting (the big file: ~200 us of ~1.2 ms). They stay reachable from here (so
// leak checkers are quiet) and go with the process.
void keepUntilExit(std::vector<Job> jobs, std::vector<lint::FileReport> reports) {
  static std::vector<std::pair<std::vector<Job>, std::vector<lint::FileReport>>> *kept =
      new std::vector<std::pair<std::vector<Job>, std::vector<lint::FileReport>>>();
  kept->emplace_back(std::move(jobs), std::move(reports));
}

int runLint(const LintFlags &flags) {
  if (!flags.explain.empty())
    return explain(flags.explain);
  if (flags.list) {
    printRuleList();
    return ExitSuccess;
  }
  std::optional<lint::OutputFormat> format = lint::parseOutputFormat(flags.format);
  if (!format) {
    std::cerr << "dfc: unknown format '" << flags.format << "'\n";
    return ExitUsage;
  }
  std::optional<std::optional<Severity>> threshold;
  if (!flags.failureThreshold.empty()) {
    std::optional<Severity> t;
    if (!parseFailureThreshold(flags.failureThreshold, t)) {
      std::cerr << "dfc: --failure-threshold must be error, warning, info, style or none\n";
      return ExitUsage;
    }
    threshold = t;
  }
  if (flags.paths.empty()) {
    std::cerr << "dfc: lint needs at least one PATH (a file, a directory or '-')\n";
    return ExitUsage;
  }
  tuneHeapForLint();

  std::vector<Job> jobs;
  for (const std::string &p : flags.paths) {
    if (p == "-") {
      if (flags.fix) {
        std::cerr << "dfc: --fix cannot rewrite stdin; name the file\n";
        return ExitUsage;
      }
      jobs.push_back(Job{"-", "<stdin>", {}, nullptr, nullptr, {}, {}, 0});
      continue;
    }
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) {
      std::cerr << "dfc: cannot read " << p << ": " << std::strerror(errno) << "\n";
      return ExitUsage;
    }
    if (S_ISDIR(st.st_mode)) {
      std::vector<std::pair<std::string, size_t>> found;
      std::string dir = p.size() > 1 && p.back() == '/' ? p.substr(0, p.size() - 1) : p;
      walk(dir, found);
      for (auto &[f, bytes] : found)
        jobs.push_back(Job{f, f, {}, nullptr, nullptr, {}, {}, 0, bytes});
    } else {
      jobs.push_back(Job{p, p, {}, nullptr, nullptr, {}, {}, 0, static_cast<size_t>(st.st_size)});
    }
  }

  // Configuration before any linting: a broken config stops the run with exit 2. Files in one
  // folder share the lookup.
  std::map<std::string, LintSettings> byConfigFile;
  std::map<std::string, std::string> configOfFolder;
  for (Job &job : jobs) {
    std::string configPath = flags.configFile;
    if (configPath.empty()) {
      char cwd[PATH_MAX];
      std::string dir = job.path == "-" ? (::getcwd(cwd, sizeof cwd) ? cwd : ".") : dirOf(job.path);
      configPath = findLintConfig(dir, configOfFolder);
    }
    auto it = byConfigFile.find(configPath);
    if (it == byConfigFile.end()) {
      LintSettings s;
      if (!configPath.empty())
        if (auto err = loadLintConfig(configPath, s)) {
          std::cerr << *err << "\n";
          return ExitUsage;
        }
      it = byConfigFile.emplace(configPath, std::move(s)).first;
    }
    job.settings = it->second;
    {
      char cwd[PATH_MAX];
      std::string dir = job.path == "-" ? (::getcwd(cwd, sizeof cwd) ? cwd : ".") : dirOf(job.path);
      job.settings.config.dockerignore = readDockerignore(job.path, dir);
    }
    // The command line wins over any file.
    for (const std::string &id : flags.ignore)
      job.settings.config.ignored.insert(id);
    if (threshold)
      job.settings.failureThreshold = *threshold;
    if (flags.noShellcheck)
      job.settings.config.shellcheck = false;
  }

  bool shellcheck = !flags.noShellcheck && onPath("shellcheck");
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < jobs.size();)
      lintJob(jobs[i], shellcheck, flags.fix);
  };
  // A second thread pays for itself only on more than a few milliseconds of work: starting it and
  // its malloc arena cost ~0.3 ms of CPU, more than half of linting BuildKit's 38 files (17 KB).
  size_t bytes = 0;
  for (const Job &job : jobs)
    bytes += job.path == "-" ? (64u << 10) : job.bytes;
  size_t threads = jobs.size() < 2 || bytes < (64u << 10)
                       ? 1
                       : std::min<size_t>(jobs.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t)
    pool.emplace_back(worker);
  worker();
  for (std::thread &t : pool)
    t.join();

  int status = ExitSuccess;
  std::vector<lint::FileReport> reports;
  for (Job &job : jobs) {
    if (!job.error.empty()) {
      std::cerr << "dfc: " << job.error << "\n";
      status = ExitUsage;
    }
    if (!job.tree)
      continue;
    if (flags.fix && job.fixesApplied)
      std::cerr << "dfc: " << job.display << ": applied " << job.fixesApplied
                << (job.fixesApplied == 1 ? " fix\n" : " fixes\n");
    const LintSettings &s = job.settings;
    if (s.failureThreshold && !s.noFail && status == ExitSuccess)
      for (const lint::Finding &f : job.findings)
        if (f.severity <= *s.failureThreshold)
          status = ExitFailure;
    reports.push_back(lint::FileReport{job.display, &job.tree->source, std::move(job.findings)});
  }
  lint::FormatOptions opts;
  opts.toolVersion = DFC_VERSION;
  opts.color = *format == lint::OutputFormat::Tty && ::isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
  // Written to stdout as it is rendered, 64 KiB at a time (no copy of the whole report).
  lint::formatReport(*format, reports, opts, [](llvm::StringRef piece) {
    while (!piece.empty()) {
      ssize_t n = ::write(STDOUT_FILENO, piece.data(), piece.size());
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return; // as std::cout did: a closed or full stdout loses the report, the status stands
      piece = piece.drop_front(static_cast<size_t>(n));
    }
  });
  keepUntilExit(std::move(jobs), std::move(reports));
  return status;
}

} // namespace

void registerLintCommand(CLI::App &app, int &status) {
  auto flags = std::make_shared<LintFlags>();
  CLI::App *cmd = app.add_subcommand("lint", "Lint Dockerfiles (files, directories or '-' for stdin)");
  cmd->add_option("paths", flags->paths, "Dockerfiles, directories to search, or '-' for stdin");
  cmd->add_option("-f,--format", flags->format, "Output format")
      ->check(CLI::IsMember(lint::outputFormatNames()));
  cmd->add_option("-t,--failure-threshold", flags->failureThreshold,
                  "Exit 1 when a finding is at least this severe (default: warning)")
      ->check(CLI::IsMember({"error", "warning", "info", "style", "none"}));
  cmd->add_option("-c,--config", flags->configFile, "Configuration file (default: nearest .dfc.yaml or .hadolint.yaml)");
  cmd->add_option("--ignore", flags->ignore, "Rule id or alias to skip (repeatable)")->allow_extra_args(false);
  cmd->add_flag("--no-shellcheck", flags->noShellcheck, "Do not run ShellCheck on RUN bodies");
  cmd->add_flag("--fix", flags->fix, "Apply safe fixes in place");
  cmd->add_option("--explain", flags->explain, "Print the documentation of a rule and exit");
  cmd->add_flag("--list", flags->list, "List every rule and exit");
  cmd->callback([flags, &status] { status = runLint(*flags); });
}

std::vector<lint::Finding> editorShellCheck(const SyntaxTree &tree, const Program &program,
                                            const lint::Config &config, ShellCheckOutputs &outputs,
                                            const std::function<bool()> &stop) {
  static const bool available = onPath("shellcheck");
  std::vector<lint::Finding> found, kept;
  if (!available || !config.shellcheck)
    return kept;
  for (const lint::ShellBody &body : lint::shellBodies(tree, program)) {
    if (stop && stop())
      return kept;
    std::string key = body.dialect + '\0' + body.script;
    auto it = outputs.find(key);
    if (it == outputs.end()) {
      std::string json;
      if (!runShellCheck(body.script, body.dialect, json))
        continue;
      if (outputs.size() >= 4096)
        outputs.clear(); // bounded: old bodies are rarely typed again
      it = outputs.emplace(std::move(key), std::move(json)).first;
    }
    std::string error;
    lint::shellCheckFindings(body, it->second, tree.source, found, error);
  }
  keepConfigured(tree, config, found, kept);
  return kept;
}

} // namespace dfc::cli
