// Compose projects: compose.yaml (the Compose spec's common subset, and old `version: "2"` files) read into
// a typed model with file:line:col errors, started in dependency order on a per-project network.
#pragma once

#include "backend/containers/Containers.h"
#include "backend/containers/Network.h"
#include "backend/store/ImageStore.h"

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dfc::compose {

// Where a value came from: 1-based line and column, as every error prints it.
struct Location {
  std::string file;
  int line = 0, column = 0;
  std::string text() const; // "file:line:col" (file alone when unknown)
};

struct BuildSpec {
  std::string context;    // absolute
  std::string dockerfile; // absolute; empty = <context>/Dockerfile
  std::string target;
  std::map<std::string, std::string> args;
};

struct ServiceVolume {
  enum class Kind { Bind, Named, Anonymous };
  Kind kind = Kind::Bind;
  std::string source; // host path (Bind), the key under top-level `volumes` (Named)
  std::string target;
  bool readOnly = false;
};

struct Service {
  std::string name;
  Location location;
  std::optional<BuildSpec> build;
  std::string image; // empty: <project>-<service> when there is a build
  std::optional<std::vector<std::string>> command, entrypoint;
  std::vector<std::string> environment; // "K=V", env_file values first, `environment` after (wins)
  std::vector<containers::PortBinding> ports;
  std::vector<ServiceVolume> volumes;
  std::vector<std::string> volumesFrom; // service names, or "container:NAME"
  std::vector<std::string> dependsOn;
  // depends_on's long form: service -> "service_healthy" | "service_completed_successfully" (a service
  // not named here, or "service_started": started before this one, nothing more).
  std::map<std::string, std::string> dependsOnCondition;
  std::optional<store::HealthConfig> healthcheck;         // `healthcheck:` (disable: Test ["NONE"])
  std::vector<std::pair<std::string, std::string>> links; // service, alias
  std::string workingDir, user, restart = "no", containerName, hostname;
  std::map<std::string, std::string> labels;
};

struct Volume {
  std::string key;  // the name the file uses
  std::string name; // the store's name: <project>_<key>, or `name:`
  bool external = false;
};

struct Project {
  std::string name;
  std::string dir;                // project directory (relative paths start here)
  std::vector<std::string> files; // the files read
  std::vector<Service> services;  // file order
  std::map<std::string, Volume> volumes;
  std::vector<std::string> warnings; // "file:line:col: text"

  const Service *service(llvm::StringRef name) const;
  // The image a service runs: `image`, else <project>-<service>.
  std::string imageOf(const Service &s) const;
  // <project>-<service>-1, or container_name.
  std::string containerOf(const Service &s) const;
};

// What parsing needs from outside: variables for ${VAR} (the environment over .env) and a way to read
// env_file files (paths absolute). Kept as inputs so parsing itself does no IO.
struct ParseInput {
  std::string file; // for locations
  std::string text;
  std::string projectDir;  // absolute
  std::string projectName; // -p or COMPOSE_PROJECT_NAME; empty: `name:` or the dir's name
  std::map<std::string, std::string> variables;
  std::function<llvm::Expected<std::vector<std::string>>(const std::string &path)> readEnvFile;
};

llvm::Expected<Project> parseProject(const ParseInput &in);

// ${VAR}, $VAR, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR?e}, ${VAR:+a}, ${VAR+a}, $$ — as docker compose
// interpolates every value. Unset variables without a default become "" and are named in `unset`.
llvm::Expected<std::string> interpolate(llvm::StringRef text, const std::map<std::string, std::string> &vars,
                                        std::vector<std::string> *unset = nullptr);
// A .env file: KEY=VALUE lines, `export ` prefix, single/double quotes, comments.
llvm::Expected<std::map<std::string, std::string>> parseDotEnv(llvm::StringRef text, llvm::StringRef file);
// command/entrypoint strings are split as a POSIX shell splits words (quotes, backslashes), no expansion.
llvm::Expected<std::vector<std::string>> splitWords(llvm::StringRef text);
// A Go duration as compose files write them ("1m30s", "500ms", "2h", "1.5s"); nanoseconds.
llvm::Expected<int64_t> parseDuration(llvm::StringRef text);
// docker compose's project name normalisation: lowercase, only [a-z0-9_-], starting with a letter or digit.
std::string normaliseProjectName(llvm::StringRef name);

// Services in start order: depends_on, links and volumes_from services first; file order otherwise.
// A cycle is an error naming it.
llvm::Expected<std::vector<const Service *>> startOrder(const Project &p);

// Reads the files (`-f`, else compose.yaml/compose.yml/docker-compose.yaml/docker-compose.yml in dir),
// the .env beside the first one and the process environment. Later files override earlier ones by service.
struct LoadOptions {
  std::vector<std::string> files;
  std::string projectName;
  std::string workingDir; // where to look when files is empty; default the current directory
};
llvm::Expected<Project> loadProject(const LoadOptions &options);

// --- running a project (IO: the store, containers, network namespaces) ---

// Lines for the user ("Container p-web-1  Started"), printed by the CLI.
using Printer = std::function<void(llvm::StringRef line)>;

struct UpOptions {
  bool build = false;  // build every service with a `build`, even when its image exists
  bool detach = false; // else: follow the logs, prefixed, until the containers end or stop() is called
  // How long a service waits for each depends_on condition (healthy, completed) before `up` fails.
  int dependencyTimeoutSeconds = 300;
};

// The container a service runs as: image, command (a compose entrypoint list becomes RunSpec's entrypoint
// plus leading command words), env, volumes (named ones by their store name, anonymous ones as
// <project>_<service>_<hash of the target>), volumes_from as container names, its namespace on the project
// network, /etc/hosts lines for every service, and docker compose's labels. Pure.
using Network = containers::BridgeNetwork;
containers::RunSpec containerSpec(const Project &p, const Service &s, const Network &net);

class Runner {
public:
  // `print` is called from several threads (log followers, parallel stops), one line at a time.
  Runner(store::ImageStore &store, Project project, Printer print);

  llvm::Error build(bool onlyMissing = false);
  // Creates the network, volumes and containers, and starts them in dependency order.
  llvm::Error up(const UpOptions &options);
  // Follows every container's log, prefixed "<service>-1  | ", until all ended. `interrupts` counts Ctrl-Cs:
  // the first stops the containers (SIGTERM, SIGKILL after 10 s), the second kills them.
  llvm::Error attach(const std::function<int()> &interrupts);
  // Stops and removes the project's containers and network namespaces; with removeVolumes its volumes too.
  llvm::Error down(bool removeVolumes, int timeoutSeconds);
  llvm::Error stop(int timeoutSeconds);
  // The project's containers (all when `all`, else running ones), oldest first.
  llvm::Expected<std::vector<containers::ContainerInfo>> containers(bool all);
  llvm::Error logs(bool follow);

  const Project &project() const { return P; }

private:
  store::ImageStore &Store;
  Project P;
  llvm::Error buildInChild(const Service &s, const std::string &image);
  Printer Print;
};

} // namespace dfc::compose
