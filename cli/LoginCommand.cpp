// `dfc login [-u USER] [-p PASS | --password-stdin] [--insecure] [SERVER]` and `dfc logout [SERVER]`:
// credentials in config.json ($DFC_CONFIG, $DOCKER_CONFIG or ~/.docker), shared with docker.
#include "backend/registry/Login.h"
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <termios.h>
#include <unistd.h>

namespace dfc::cli {
namespace {

struct LoginFlags {
  std::string server;
  std::string username;
  std::string password;
  bool passwordStdin = false;
  bool insecure = false;
};

// One line from the terminal; without echo for passwords.
std::optional<std::string> prompt(const char *question, bool secret) {
  if (!::isatty(STDIN_FILENO))
    return std::nullopt;
  std::cerr << question << std::flush;
  termios old{};
  bool restore = secret && ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~tcflag_t(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (restore) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
  }
  return line;
}

int runLogin(LoginFlags flags) {
  std::string domain = registry::loginDomain(flags.server);
  if (flags.passwordStdin && !flags.password.empty()) {
    std::cerr << "dfc: login: --password and --password-stdin are mutually exclusive\n";
    return ExitUsage;
  }
  if (flags.passwordStdin && flags.username.empty()) {
    std::cerr << "dfc: login: --password-stdin needs --username\n";
    return ExitUsage;
  }
  if (!flags.password.empty())
    std::cerr << "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n";
  if (flags.passwordStdin) {
    std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    while (!all.empty() && (all.back() == '\n' || all.back() == '\r'))
      all.pop_back();
    flags.password = all;
  }
  if (flags.username.empty()) {
    auto u = prompt("Username: ", false);
    if (!u || u->empty()) {
      std::cerr << "dfc: login: a username is required (-u)\n";
      return ExitUsage;
    }
    flags.username = *u;
  }
  if (flags.password.empty() && !flags.passwordStdin) {
    auto p = prompt("Password: ", true);
    if (!p) {
      std::cerr << "dfc: login: a password is required (-p or --password-stdin)\n";
      return ExitUsage;
    }
    flags.password = *p;
  }
  if (flags.password.empty()) {
    std::cerr << "dfc: login: the password is empty\n";
    return ExitUsage;
  }
  registry::RegistryOptions opts;
  opts.insecure = flags.insecure;
  if (llvm::Error e = registry::login(domain, {flags.username, flags.password}, opts))
    return reportError(std::move(e), "login " + domain);
  std::cout << "Login Succeeded\n";
  return ExitSuccess;
}

int runLogout(const std::string &server) {
  std::string domain = registry::loginDomain(server);
  auto removed = registry::logout(domain);
  if (!removed)
    return reportError(removed.takeError(), "logout " + domain);
  if (*removed)
    std::cout << "Removing login credentials for " << registry::credentialKey(domain) << "\n";
  else
    std::cout << "Not logged in to " << registry::credentialKey(domain) << "\n";
  return ExitSuccess;
}

} // namespace

void registerLoginCommand(CLI::App &app, int &status) {
  auto flags = std::make_shared<LoginFlags>();
  CLI::App *cmd = app.add_subcommand("login", "Log in to a registry (Docker Hub when SERVER is omitted)");
  cmd->add_option("server", flags->server, "Registry host[:port]");
  cmd->add_option("-u,--username", flags->username, "Username");
  cmd->add_option("-p,--password", flags->password, "Password");
  cmd->add_flag("--password-stdin", flags->passwordStdin, "Take the password from stdin");
  cmd->add_flag("--insecure", flags->insecure, "Allow http and unverified https for this registry");
  cmd->callback([flags, &status] { status = runLogin(*flags); });

  auto server = std::make_shared<std::string>();
  CLI::App *out = app.add_subcommand("logout", "Remove stored credentials for a registry");
  out->add_option("server", *server, "Registry host[:port]");
  out->callback([server, &status] { status = runLogout(*server); });
}

} // namespace dfc::cli
