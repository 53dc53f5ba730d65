// Containers made from store images, the way `docker run|ps|stop|kill|rm|logs|exec|inspect|wait` sees
// them: state in the store's database, files in $DFC_ROOT/containers/<id>/, detached ones kept by a supervisor.
#pragma once

#include "backend/store/ImageStore.h"

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dfc::containers {

// One published port: `-p [IP:]HOST:CONT[/proto]`; hostPort 0 picks a free one (-P).
struct PortBinding {
  std::string hostIp = "0.0.0.0";
  uint16_t hostPort = 0;
  uint16_t containerPort = 0;
  std::string protocol = "tcp";
};

// One `-v`, `--mount` or `--tmpfs`: a host path (absolute), a named volume under $DFC_ROOT/volumes, or
// a tmpfs.
struct VolumeBinding {
  std::string source; // host path, or volume name when named; empty for a tmpfs
  std::string destination;
  bool named = false;
  bool readOnly = false;
  bool mustExist = false;          // --mount type=bind: a missing source is an error (-v creates it)
  bool anonymous = false;          // --mount type=volume without a source: goes with a --rm container
  bool tmpfs = false;
  std::vector<std::string> tmpfsOptions = {}; // after docker's nosuid,nodev,noexec: "size=64m", "mode=1777", "exec"...
};

enum class Network { Default, None, Host };

// What `dfc run` was asked for, before the image fills the gaps.
struct RunSpec {
  std::string image;
  std::string name;                       // empty: a generated one
  std::vector<std::string> command;       // replaces the image's CMD when non-empty
  std::optional<std::string> entrypoint;  // "" clears the image's ENTRYPOINT (and its CMD, as Docker does)
  std::vector<std::string> env;           // "K=V", or "K" to copy the caller's value
  std::vector<std::string> envFiles;
  std::vector<VolumeBinding> volumes;
  std::vector<std::string> volumesFrom;   // container ids or names
  std::vector<PortBinding> ports;
  bool publishAll = false;                // -P: every EXPOSEd port on a free host port
  std::string workdir, user, hostname;
  bool readOnly = false, tty = false, interactive = false, autoRemove = false;
  std::optional<int64_t> memoryBytes, pidsLimit;
  Network network = Network::Default;
  std::string networkNamespace;           // a path to join (compose projects); implies Default
  std::string userNetwork;                // `--network NAME` of `dfc network create`: joined at create
  std::vector<std::string> networkAliases; // --network-alias: more names others on it know it by
  std::string networkAddress;             // its address on the user network (set by create)
  std::vector<std::string> extraHosts;    // "name:ip" lines for /etc/hosts
  std::map<std::string, std::string> labels;
  std::string restart = "no"; // no | always | unless-stopped | on-failure[:N] (parseRestartPolicy)
  std::optional<store::HealthConfig> healthcheck; // replaces the image's HEALTHCHECK (compose `healthcheck:`)
};

// `--restart`: what the supervisor does when the process exits (Docker's policies). Restarts wait
// 100 ms, doubling up to a minute, back to 100 ms after a run of 10 s or more. A user's stop or kill
// ends it for good, `always` included: Docker restarts those only when its daemon restarts, and dfc has
// no daemon.
struct RestartPolicy {
  std::string name = "no";   // "no", "always", "unless-stopped", "on-failure"
  int maximumRetryCount = 0; // on-failure:N; 0 is no limit
  // Whether a process that exited with `exitCode` is started again after `restartCount` restarts.
  bool restarts(int exitCode, int restartCount) const;
};
llvm::Expected<RestartPolicy> parseRestartPolicy(llvm::StringRef text);

// Flag parsers, each with Docker's error wording on bad input.
llvm::Expected<PortBinding> parsePort(llvm::StringRef spec);
llvm::Expected<VolumeBinding> parseVolume(llvm::StringRef spec);
// `--mount type=bind|volume|tmpfs,source=..,target=..[,readonly][,tmpfs-size=N][,tmpfs-mode=M]` (docker's
// keys and aliases: src, destination/dst, ro, readonly=true|false; volume-nocopy accepted).
llvm::Expected<VolumeBinding> parseMount(llvm::StringRef spec);
// `--tmpfs PATH[:OPTIONS]`.
llvm::Expected<VolumeBinding> parseTmpfs(llvm::StringRef spec);
llvm::Expected<int64_t> parseMemory(llvm::StringRef spec); // "64m", "1g", "1048576"
// KEY=VALUE lines; blank and '#' lines skipped; a bare KEY takes the caller's value.
llvm::Expected<std::vector<std::string>> readEnvFile(llvm::StringRef path);

// Restarting: between two runs of a container with a restart policy, its supervisor waiting out the backoff.
enum class Status { Created, Running, Restarting, Exited };

// A container as `ps` and `inspect` report it.
struct ContainerInfo {
  std::string id, name, image;
  std::vector<std::string> args; // entrypoint + cmd as run
  Status status = Status::Created;
  int exitCode = 0;       // the last run's, also while restarting
  int restartCount = 0;   // restarts by the restart policy since the container was started
  int firstExitCode = -1; // the first run's exit code once it ended
  int pid = 0;            // host pid of the container's PID 1 while running
  int64_t created = 0;    // unix seconds
  int64_t startedAt = 0, finishedAt = 0;
  std::vector<PortBinding> ports; // as bound (real host ports)
  std::map<std::string, std::string> labels;
  std::string error;      // why it never ran
  std::string health;     // HEALTHCHECK status while running: "starting", "healthy", "unhealthy"; "" without one
  std::string stateJson;  // the whole record
};

// `docker ps`'s STATUS column: "Up 3 minutes", "Up 5 seconds (healthy)", "Exited (0) 2 seconds ago",
// "Created", "Restarting (3) 1 second ago" (the last exit code, the time since it).
std::string statusText(const ContainerInfo &c, int64_t now);
// `docker ps`'s PORTS column: "0.0.0.0:8080->80/tcp, ...".
std::string portsText(const std::vector<PortBinding> &ports);
// "About a minute", "3 hours", "Less than a second" (docker's HumanDuration).
std::string humanDuration(int64_t seconds);

struct ExecSpec {
  std::vector<std::string> command;
  std::vector<std::string> env;
  std::string user, workdir;
  bool tty = false, interactive = false;
  int outputFd = -1;   // >= 0: the process's stdout and stderr (health checks), else ours
  int64_t timeoutMs = 0; // > 0: SIGKILL after this long; exec then fails with a message saying so
};

// User networks (`dfc network create`): a record in $DFC_ROOT/networks/<name>.json and a BridgeNetwork
// (Network.h) of its own. A container joins at create (`--network NAME`), gets the next free address
// and /etc/hosts lines for every container already on it (names, aliases, short ids); it leaves when
// it is removed.
struct UserNetwork {
  std::string name, id;
  int64_t created = 0;
};
bool validNetworkName(llvm::StringRef name);
llvm::Expected<UserNetwork> createUserNetwork(store::ImageStore &store, llvm::StringRef name);
llvm::Expected<std::vector<UserNetwork>> listUserNetworks(store::ImageStore &store);
// Refused while a container is on it (any state): docker's "has active endpoints".
llvm::Error removeUserNetwork(store::ImageStore &store, llvm::StringRef name);
// `docker network inspect`'s JSON array.
llvm::Expected<std::string> userNetworksInspectJson(store::ImageStore &store, const std::vector<UserNetwork> &nets);

// `dfc logs` options. tail >= 0: only the last `tail` lines logged so far (then, following, every new
// one); timestamps: each line after its RFC 3339 time and a space, as `docker logs -t` prints it.
struct LogOptions {
  int64_t tail = -1;
  bool timestamps = false;
};

class Containers {
public:
  explicit Containers(store::ImageStore &store) : Store(store) {}

  // Records a new container (status Created) and makes its directory (a --rm one gets it from whoever
  // runs it); returns the full id.
  llvm::Expected<std::string> create(const RunSpec &spec);
  // Runs a created container in this process, its stdio on ours (a pty relayed with raw mode and resize
  // when it asked for one), signals forwarded; returns its exit code (125-127 when it never ran).
  int runAttached(llvm::StringRef id);
  // Hands a created container to a supervisor (double fork, setsid) and returns once it runs;
  // the error (see explain()) when it could not start.
  llvm::Error startDetached(llvm::StringRef id);

  // `docker start`: runs a created or exited container again — its writable layer, name, ports and
  // settings kept, its log appended to — detached, or attached (returns its exit code); a running
  // one is left alone (0).
  llvm::Expected<int> start(llvm::StringRef idOrName, bool attach = false);
  // `docker restart`: stop, then start; a detached --rm container is kept across it (docker's too).
  llvm::Error restart(llvm::StringRef idOrName, int timeoutSeconds);

  // Full id of a container by id, unambiguous id prefix or name.
  llvm::Expected<std::string> resolve(llvm::StringRef idOrName);
  llvm::Expected<ContainerInfo> info(llvm::StringRef idOrName);
  // Every container (oldest first); a running one whose supervisor is gone reads as exited.
  llvm::Expected<std::vector<ContainerInfo>> list();

  // STOPSIGNAL (image's, else SIGTERM), then SIGKILL after timeoutSeconds; returns once it exited. A stop
  // (like kill with SIGKILL or the stop signal, and rm -f) ends the restart policy's restarts.
  llvm::Error stop(llvm::StringRef idOrName, int timeoutSeconds = 10);
  llvm::Error kill(llvm::StringRef idOrName, int signal);
  // force: kills a running container first; otherwise a running one is an error.
  llvm::Error remove(llvm::StringRef idOrName, bool force = false);
  // Blocks until the container is not running (nor restarting); returns its exit code.
  llvm::Expected<int> wait(llvm::StringRef idOrName);
  // Writes the logged output (stdout lines to out, stderr lines to err); follow: until it stops, or with
  // untilFirstRunEnds until its first run ended (restarts or not): `dfc run --restart` without -d.
  llvm::Error logs(llvm::StringRef idOrName, bool follow,
                   const std::function<void(bool isStderr, llvm::StringRef)> &sink,
                   bool untilFirstRunEnds = false, const LogOptions &options = LogOptions());
  // `docker inspect` JSON object for the container.
  llvm::Expected<std::string> inspect(llvm::StringRef idOrName);
  // Runs a process inside a running container's namespaces; returns its exit code (126/127 for exec failures).
  llvm::Expected<int> exec(llvm::StringRef idOrName, const ExecSpec &spec);

  std::string directory(llvm::StringRef id) const;
  std::string logPath(llvm::StringRef id) const;

private:
  store::ImageStore &Store;
};

// A detached container's supervisor is the running executable started again (/proc/self/exe) with a
// request in its environment: main() calls this first. It returns false when this process is not such
// a supervisor, and otherwise supervises the container and exits without returning.
bool runSupervisorIfRequested();

// A failure with the exit code `dfc run` returns for it: 125 for dfc's own failures, 126/127 when the
// command cannot be run. Other errors read as 125.
llvm::Error runError(int exitCode, const llvm::Twine &message);
struct Failure {
  int exitCode = 125;
  std::string message;
};
Failure explain(llvm::Error e);

// $DFC_ROOT/volumes/<name>/_data, created when missing.
llvm::Expected<std::string> namedVolumePath(store::ImageStore &store, llvm::StringRef name);
llvm::Error removeNamedVolume(store::ImageStore &store, llvm::StringRef name);
// Docker's rule for a volume name: [a-zA-Z0-9][a-zA-Z0-9_.-]+.
bool validVolumeName(llvm::StringRef name);
// `docker volume ls|inspect`: the named volumes, by name.
struct VolumeInfo {
  std::string name, mountpoint;
  int64_t createdAt = 0; // unix seconds
};
llvm::Expected<std::vector<VolumeInfo>> listNamedVolumes(store::ImageStore &store);
// `docker volume inspect`'s JSON array for these volumes.
std::string volumesInspectJson(const std::vector<VolumeInfo> &volumes);
// The ids of the containers (any state) that mount the volume: it cannot be removed while there are any.
llvm::Expected<std::vector<std::string>> volumeUsers(store::ImageStore &store, llvm::StringRef name);

} // namespace dfc::containers
