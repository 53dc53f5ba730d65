// compose files to the typed project: the tutorials' shapes, version 2 files, interpolation (environment
// over .env), env_file, start order and cycles, and errors with the file:line:col they are about.
#include "backend/compose/Compose.h"

#include "backend/store/Files.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <unistd.h>

using namespace dfc;
using namespace dfc::compose;

namespace {

ParseInput input(const std::string &text, std::map<std::string, std::string> vars = {}) {
  ParseInput in;
  in.file = "/proj/compose.yaml";
  in.text = text;
  in.projectDir = "/proj";
  in.variables = std::move(vars);
  in.readEnvFile = [](const std::string &path) { return containers::readEnvFile(path); };
  return in;
}

Project parsed(const std::string &text, std::map<std::string, std::string> vars = {}) {
  auto p = parseProject(input(text, std::move(vars)));
  if (!p)
    FAIL(llvm::toString(p.takeError()));
  return std::move(*p);
}

std::string error(const std::string &text, std::map<std::string, std::string> vars = {}) {
  auto p = parseProject(input(text, std::move(vars)));
  if (p)
    FAIL("parsed without an error:\n" << text);
  return llvm::toString(p.takeError());
}

std::vector<std::string> names(const std::vector<const Service *> &order) {
  std::vector<std::string> out;
  for (const Service *s : order)
    out.push_back(s->name);
  return out;
}

} // namespace

TEST_CASE("the tutorials' shape: build into a named volume, serve it, volumes_from a data service") {
  Project p = parsed(R"(services:
  build:
    build:
      context: ./site
      dockerfile: Dockerfile.gen
      args:
        GREETING: hi
      target: out
    volumes:
      - site:/out
  data:
    image: busybox
    volumes:
      - /data
  serve:
    image: busybox
    command: httpd -f -p 8080 -h /www
    ports:
      - "127.0.0.1:18080:8080"
      - 9000
      - target: 53
        published: 5353
        protocol: udp
    volumes:
      - site:/www:ro
      - ./conf:/etc/conf
    volumes_from:
      - data
    depends_on:
      - build
volumes:
  site:
)");
  CHECK(p.name == "proj");
  REQUIRE(p.services.size() == 3);
  const Service &b = p.services[0];
  REQUIRE(b.build);
  CHECK(b.build->context == "/proj/site");
  CHECK(b.build->dockerfile == "/proj/site/Dockerfile.gen");
  CHECK(b.build->target == "out");
  CHECK(b.build->args.at("GREETING") == "hi");
  CHECK(p.imageOf(b) == "proj-build");
  CHECK(p.containerOf(b) == "proj-build-1");
  CHECK(p.volumes.at("site").name == "proj_site");

  const Service &data = p.services[1];
  REQUIRE(data.volumes.size() == 1);
  CHECK(data.volumes[0].kind == ServiceVolume::Kind::Anonymous);
  CHECK(data.volumes[0].target == "/data");

  const Service &s = *p.service("serve");
  REQUIRE(s.command);
  CHECK(*s.command == std::vector<std::string>{"httpd", "-f", "-p", "8080", "-h", "/www"});
  REQUIRE(s.ports.size() == 3);
  CHECK(s.ports[0].hostIp == "127.0.0.1");
  CHECK(s.ports[0].hostPort == 18080);
  CHECK(s.ports[0].containerPort == 8080);
  CHECK(s.ports[1].hostPort == 0);
  CHECK(s.ports[1].containerPort == 9000);
  CHECK(s.ports[2].hostPort == 5353);
  CHECK(s.ports[2].protocol == "udp");
  REQUIRE(s.volumes.size() == 2);
  CHECK(s.volumes[0].kind == ServiceVolume::Kind::Named);
  CHECK(s.volumes[0].source == "site");
  CHECK(s.volumes[0].readOnly);
  CHECK(s.volumes[1].kind == ServiceVolume::Kind::Bind);
  CHECK(s.volumes[1].source == "/proj/conf");
  CHECK(s.volumesFrom == std::vector<std::string>{"data"});

  auto order = startOrder(p);
  REQUIRE(bool(order));
  CHECK(names(*order) == std::vector<std::string>{"build", "data", "serve"});
}

TEST_CASE("version 2 files: links become aliases and dependencies, volumes_from a container") {
  Project p = parsed(R"(version: "2"
services:
  web:
    image: busybox
    links:
      - api:backend
    volumes_from:
      - container:keeper:rw
    entrypoint: ["sh", "-c"]
    command: ["echo hi"]
    working_dir: /srv
    user: "1000:1000"
    restart: unless-stopped
  api:
    image: busybox
    container_name: the-api
    hostname: apihost
)");
  const Service &web = p.services[0];
  REQUIRE(web.links.size() == 1);
  CHECK(web.links[0] == std::make_pair(std::string("api"), std::string("backend")));
  CHECK(web.volumesFrom == std::vector<std::string>{"container:keeper"});
  CHECK(*web.entrypoint == std::vector<std::string>{"sh", "-c"});
  CHECK(*web.command == std::vector<std::string>{"echo hi"});
  CHECK(web.workingDir == "/srv");
  CHECK(web.user == "1000:1000");
  CHECK(web.restart == "unless-stopped");
  CHECK(p.containerOf(p.services[1]) == "the-api");
  auto order = startOrder(p);
  REQUIRE(bool(order));
  CHECK(names(*order) == std::vector<std::string>{"api", "web"});
}

TEST_CASE("depends_on in mapping form; start order keeps file order among independent services") {
  Project p = parsed(R"(services:
  a: {image: busybox, depends_on: {c: {condition: service_started}}}
  b: {image: busybox}
  c: {image: busybox, depends_on: [d]}
  d: {image: busybox}
)");
  auto order = startOrder(p);
  REQUIRE(bool(order));
  CHECK(names(*order) == std::vector<std::string>{"d", "c", "a", "b"});
}

TEST_CASE("a dependency cycle is an error naming the cycle and where it starts") {
  Project p = parsed(R"(services:
  a:
    image: busybox
    depends_on: [b]
  b:
    image: busybox
    volumes_from: [c]
  c:
    image: busybox
    links: [a]
)");
  auto order = startOrder(p);
  REQUIRE(!order);
  CHECK(llvm::toString(order.takeError()) == "/proj/compose.yaml:2:3: dependency cycle: a -> b -> c -> a");
}

TEST_CASE("interpolation: environment values, defaults, required, alternatives, $$ and nesting") {
  std::map<std::string, std::string> vars = {{"TAG", "1.2"}, {"EMPTY", ""}, {"PORT", "8080"}};
  auto run = [&](const std::string &text) {
    auto out = interpolate(text, vars);
    if (!out)
      FAIL(llvm::toString(out.takeError()));
    return *out;
  };
  CHECK(run("busybox:${TAG}") == "busybox:1.2");
  CHECK(run("busybox:$TAG-x") == "busybox:1.2-x");
  CHECK(run("${EMPTY:-dflt}") == "dflt");
  CHECK(run("${EMPTY-dflt}") == "");
  CHECK(run("${NOPE-dflt}") == "dflt");
  CHECK(run("${TAG:+set}${NOPE:+unset}") == "set");
  CHECK(run("${EMPTY+set}") == "set");
  CHECK(run("cost $$5 and $${TAG}") == "cost $5 and ${TAG}");
  CHECK(run("${NOPE:-${PORT}}") == "8080");
  CHECK(run("${NOPE:-a ${EMPTY:-b} c}") == "a b c");
  std::vector<std::string> unset;
  auto blank = interpolate("x${MISSING}y$OTHER", vars, &unset);
  REQUIRE(bool(blank));
  CHECK(*blank == "xy");
  CHECK(unset == std::vector<std::string>{"MISSING", "OTHER"});

  auto required = interpolate("${NOPE:?set NOPE first}", vars);
  REQUIRE(!required);
  CHECK(llvm::toString(required.takeError()) == "required variable NOPE is missing a value: set NOPE first");
  auto requiredEmpty = interpolate("${EMPTY:?}", vars);
  REQUIRE(!requiredEmpty);
  CHECK(llvm::toString(requiredEmpty.takeError()) == "required variable EMPTY is missing a value");
  CHECK(run("${EMPTY?}") == "");
  auto fails = [&](const std::string &text) {
    auto out = interpolate(text, vars);
    if (out)
      return false;
    llvm::consumeError(out.takeError());
    return true;
  };
  CHECK(fails("${TAG"));
  CHECK(fails("${}"));
  CHECK(fails("$(date)"));
}

TEST_CASE("interpolation applies to every value in the file and reports where it failed") {
  Project p = parsed(R"(services:
  web:
    image: "busybox:${TAG:-latest}"
    ports: ["${PORT}:80"]
    environment:
      - GREETING=hello ${WHO}
)",
                     {{"PORT", "9090"}});
  const Service &w = p.services[0];
  CHECK(w.image == "busybox:latest");
  CHECK(w.ports[0].hostPort == 9090);
  CHECK(w.environment == std::vector<std::string>{"GREETING=hello "});
  REQUIRE(p.warnings.size() == 1);
  CHECK(p.warnings[0] ==
        "/proj/compose.yaml:6:9: the \"WHO\" variable is not set. Defaulting to a blank string.");

  CHECK(error("services:\n  web:\n    image: ${IMG:?which image}\n") ==
        "/proj/compose.yaml:3:12: required variable IMG is missing a value: which image");
}

TEST_CASE(".env files: quotes, export, comments, and errors with their line") {
  auto vars = parseDotEnv(
      "# comment\nA=1\nexport B = two words # note\nC='single $x'\nD=\"tab\\tnew\\nline\"\n\nE=\n",
      "/p/.env");
  REQUIRE(bool(vars));
  CHECK(vars->at("A") == "1");
  CHECK(vars->at("B") == "two words");
  CHECK(vars->at("C") == "single $x");
  CHECK(vars->at("D") == "tab\tnew\nline");
  CHECK(vars->at("E") == "");
  auto bad = parseDotEnv("A=1\nnot a pair\n", "/p/.env");
  REQUIRE(!bad);
  CHECK(llvm::toString(bad.takeError()) == "/p/.env:2:1: expected KEY=VALUE, got \"not a pair\"");
  auto open = parseDotEnv("A=\"never closed\n", "/p/.env");
  REQUIRE(!open);
  CHECK(llvm::toString(open.takeError()) == "/p/.env:1:1: unterminated quoted value for A");
}

TEST_CASE("env_file values come first and environment wins; a bare name takes the variable or is left out") {
  char dir[] = "/tmp/dfc-compose-env-XXXXXX";
  REQUIRE(::mkdtemp(dir));
  { std::ofstream(std::string(dir) + "/app.env") << "# settings\nA=from-file\nB=file-only\n"; }
  ParseInput in = input(R"(services:
  app:
    image: busybox
    env_file: app.env
    environment:
      A: from-environment
      FROM_SHELL:
      NOT_SET:
      NUMBER: 3
)",
                        {{"FROM_SHELL", "shell"}});
  in.projectDir = dir;
  auto p = parseProject(in);
  llvm::consumeError(store::removeTree(dir));
  REQUIRE(bool(p));
  CHECK(p->services[0].environment ==
        std::vector<std::string>{"A=from-environment", "B=file-only", "FROM_SHELL=shell", "NUMBER=3"});

  ParseInput missing = input("services:\n  app:\n    image: busybox\n    env_file: [nothere.env]\n");
  auto m = parseProject(missing);
  REQUIRE(!m);
  std::string text = llvm::toString(m.takeError());
  CHECK(llvm::StringRef(text).startswith("/proj/compose.yaml:4:15: env_file /proj/nothere.env: open"));
}

TEST_CASE("errors name the file, line and column of the node they are about") {
  CHECK(error("services:\n  web:\n    image: [unclosed\n").find("/proj/compose.yaml:4:1: ") == 0);
  CHECK(error("services:\n  web:\n    build: .\n    depends_on:\n      - db\n") ==
        "/proj/compose.yaml:5:9: service \"web\" depends on undefined service \"db\"");
  CHECK(error("services:\n  web:\n    image: busybox\n    volumes:\n      - data:/data\n") ==
        "/proj/compose.yaml:5:9: service \"web\" refers to undefined volume data");
  CHECK(error("services:\n  web:\n    restart: always\n") ==
        "/proj/compose.yaml:2:3: service \"web\" has neither an image nor a build context specified");
  CHECK(error("web:\n  image: busybox\n") == "/proj/compose.yaml:1:1: no services key: version 1 files "
                                             "(services at the top level) are not supported");
  CHECK(error("version: '1'\nservices: {}\n") == "/proj/compose.yaml:1:10: unsupported compose file version "
                                                 "\"1\" (dfc reads 2.x, 3.x and versionless files)");
  CHECK(error("services:\n  web:\n    image: busybox\n    ports: ['80:99999']\n") ==
        "/proj/compose.yaml:4:13: invalid published port: 80:99999");
  CHECK(error("services:\n  web:\n    image: busybox\n    volumes: ['data']\n") ==
        "/proj/compose.yaml:4:15: volume target \"data\" of service web must be an absolute path");
  CHECK(error("services:\n  web:\n    image: busybox\n    command: 'echo \"oops'\n") ==
        "/proj/compose.yaml:4:14: command: unterminated double quote in \"echo \"oops\"");
  CHECK(error("services:\n  web:\n    image: busybox\n    build: git@github.com:x/y.git\n") ==
        "/proj/compose.yaml:4:12: build context \"git@github.com:x/y.git\" is remote: dfc builds local "
        "directories only");
  CHECK(error("services:\n  a: {image: busybox, container_name: x}\n  b: {image: busybox, container_name: "
              "x}\n") == "/proj/compose.yaml:3:3: container name \"x\" is used twice");
}

TEST_CASE("keys dfc does not run are warnings with their place, not silent") {
  Project p =
      parsed("networks:\n  front: {}\nservices:\n  web:\n    image: busybox\n    deploy: {replicas: 2}\n");
  REQUIRE(p.warnings.size() == 2);
  CHECK(p.warnings[0] ==
        "/proj/compose.yaml:1:1: ignoring top-level key \"networks\" (dfc runs one network per "
        "project)");
  CHECK(p.warnings[1] == "/proj/compose.yaml:6:5: ignoring \"deploy\" of service web (not supported by dfc "
                         "compose)");
}

TEST_CASE("project names: -p over name: over the directory, normalised as docker compose does") {
  CHECK(parsed("name: My_App\nservices: {}\n").name == "my_app");
  ParseInput in = input("name: ignored\nservices: {}\n");
  in.projectName = "Given.Name";
  auto p = parseProject(in);
  REQUIRE(bool(p));
  CHECK(p->name == "givenname");
  CHECK(normaliseProjectName("--Web App 2") == "webapp2");
  CHECK(error("name: '!!!'\nservices: {}\n") == "/proj/compose.yaml:1:1: project name \"!!!\" has no usable "
                                                "characters: pass -p NAME");
}

TEST_CASE("external and explicitly named volumes keep their names") {
  Project p = parsed(R"(services:
  s: {image: busybox, volumes: ["a:/a", "b:/b", "c:/c"]}
volumes:
  a:
  b: {name: shared-b}
  c: {external: true}
)");
  CHECK(p.volumes.at("a").name == "proj_a");
  CHECK(p.volumes.at("b").name == "shared-b");
  CHECK(p.volumes.at("c").name == "c");
  CHECK(p.volumes.at("c").external);
}

TEST_CASE("command strings split like a shell's words, without expansion") {
  auto w = splitWords(R"(sh -c 'echo "$HOME" done' "a b"\ c x\"y)");
  REQUIRE(bool(w));
  CHECK(*w == std::vector<std::string>{"sh", "-c", "echo \"$HOME\" done", "a b c", "x\"y"});
  auto empty = splitWords("   ");
  REQUIRE(bool(empty));
  CHECK(empty->empty());
}

TEST_CASE("network names and addresses are stable and per store") {
  CHECK(Network::address(0) == "10.89.0.2");
  CHECK(Network::address(3) == "10.89.0.5");
}

TEST_CASE("a service's container: entrypoint list, volumes by store name, volumes_from, hosts and labels") {
  Project p = parsed(R"(services:
  data:
    image: busybox
    volumes: [/shared]
  web:
    build: .
    entrypoint: [sh, -c]
    command: ["echo $$GREETING"]
    environment: [GREETING=hi]
    volumes: ["site:/www:ro", "./conf:/conf"]
    volumes_from: [data, "container:other"]
    links: ["api:backend"]
    labels: {tier: front}
    user: nobody
    working_dir: /www
  api:
    image: busybox
    hostname: apihost
    entrypoint: ""
volumes:
  site:
)");
  Network net;
  net.projectNamespace = "dfc-0badc0de-p-proj";
  containers::RunSpec web = containerSpec(p, *p.service("web"), net);
  CHECK(web.image == "proj-web");
  CHECK(web.name == "proj-web-1");
  REQUIRE(web.entrypoint);
  CHECK(*web.entrypoint == "sh");
  CHECK(web.command == std::vector<std::string>{"-c", "echo $GREETING"});
  CHECK(web.env == std::vector<std::string>{"GREETING=hi"});
  REQUIRE(web.volumes.size() == 2);
  CHECK(web.volumes[0].source == "proj_site");
  CHECK(web.volumes[0].named);
  CHECK(web.volumes[0].readOnly);
  CHECK(web.volumes[1].source == "/proj/conf");
  CHECK(!web.volumes[1].named);
  CHECK(web.volumesFrom == std::vector<std::string>{"proj-data-1", "other"});
  CHECK(web.networkNamespace == "/run/netns/dfc-0badc0de-c-proj-web-1");
  CHECK(web.extraHosts == std::vector<std::string>{"data:10.89.0.2", "proj-data-1:10.89.0.2", "web:10.89.0.3",
                                                   "proj-web-1:10.89.0.3", "api:10.89.0.4",
                                                   "proj-api-1:10.89.0.4", "apihost:10.89.0.4",
                                                   "backend:10.89.0.4"});
  CHECK(web.labels.at("tier") == "front");
  CHECK(web.labels.at("com.docker.compose.project") == "proj");
  CHECK(web.labels.at("com.docker.compose.service") == "web");
  CHECK(web.user == "nobody");
  CHECK(web.workdir == "/www");

  containers::RunSpec data = containerSpec(p, *p.service("data"), net);
  REQUIRE(data.volumes.size() == 1);
  CHECK(llvm::StringRef(data.volumes[0].source).startswith("proj_data_"));
  CHECK(data.volumes[0].named);
  CHECK(data.labels.at("dfc.compose.anonymous-volumes") == data.volumes[0].source);
  CHECK(!data.entrypoint);
  CHECK(data.command.empty());

  containers::RunSpec api = containerSpec(p, *p.service("api"), net);
  REQUIRE(api.entrypoint);
  CHECK(api.entrypoint->empty()); // "" clears the image's entrypoint
  CHECK(api.hostname == "apihost");
}

TEST_CASE("depends_on conditions and healthcheck are read, with their errors in place") {
  Project p = parsed(R"(services:
  init:
    image: busybox
    restart: on-failure:2
  db:
    image: busybox
    healthcheck:
      test: ["CMD", "test", "-f", "/ready"]
      interval: 1m30s
      timeout: 500ms
      start_period: 1.5s
      retries: 5
  cache:
    image: busybox
    healthcheck:
      test: redis-cli ping
  legacy:
    image: busybox
    healthcheck:
      disable: true
  app:
    image: busybox
    depends_on:
      init: {condition: service_completed_successfully}
      db:
        condition: service_healthy
      cache:
        condition: service_started
)");
  const Service *app = p.service("app");
  REQUIRE(app);
  CHECK(app->dependsOn == std::vector<std::string>{"init", "db", "cache"});
  CHECK(app->dependsOnCondition ==
        std::map<std::string, std::string>{{"init", "service_completed_successfully"},
                                           {"db", "service_healthy"}});
  CHECK(p.service("init")->restart == "on-failure:2");
  const Service *db = p.service("db");
  REQUIRE(db->healthcheck);
  CHECK(db->healthcheck->Test == std::vector<std::string>{"CMD", "test", "-f", "/ready"});
  CHECK(db->healthcheck->Interval == 90'000'000'000LL);
  CHECK(db->healthcheck->Timeout == 500'000'000LL);
  CHECK(db->healthcheck->StartPeriod == 1'500'000'000LL);
  CHECK(db->healthcheck->Retries == 5);
  CHECK(p.service("cache")->healthcheck->Test == std::vector<std::string>{"CMD-SHELL", "redis-cli ping"});
  CHECK(p.service("legacy")->healthcheck->Test == std::vector<std::string>{"NONE"});
  CHECK(p.warnings.empty());
  // The container carries the healthcheck (the supervisor runs it) and the policy.
  Network net;
  net.projectNamespace = "dfc-test-p-p";
  containers::RunSpec spec = containerSpec(p, *db, net);
  REQUIRE(spec.healthcheck);
  CHECK(spec.healthcheck->Retries == 5);
  CHECK(containerSpec(p, *p.service("init"), net).restart == "on-failure:2");

  CHECK(error(R"(services:
  db:
    image: busybox
  app:
    image: busybox
    depends_on:
      db:
        condition: service_ready
)") == "/proj/compose.yaml:8:20: invalid depends_on condition \"service_ready\" (service_started, "
       "service_healthy or service_completed_successfully)");
  CHECK(error(R"(services:
  db:
    image: busybox
    healthcheck:
      test: ["true"]
)") == "/proj/compose.yaml:5:13: healthcheck.test: a list must start with CMD, CMD-SHELL or NONE");
  CHECK(error(R"(services:
  db:
    image: busybox
    healthcheck:
      test: "true"
      interval: soon
)") == "/proj/compose.yaml:6:17: healthcheck.interval: invalid duration \"soon\"");
  CHECK(error(R"(services:
  db:
    image: busybox
    restart: sometimes
)") == "/proj/compose.yaml:4:14: invalid restart policy \"sometimes\"");
}

TEST_CASE("durations are read as Go's time.ParseDuration reads them") {
  auto ns = [](const char *text) {
    auto d = parseDuration(text);
    if (!d)
      FAIL(llvm::toString(d.takeError()));
    return *d;
  };
  CHECK(ns("0") == 0);
  CHECK(ns("30s") == 30'000'000'000LL);
  CHECK(ns("1m30s") == 90'000'000'000LL);
  CHECK(ns("250ms") == 250'000'000LL);
  CHECK(ns("2h") == 7'200'000'000'000LL);
  CHECK(ns("1.5s") == 1'500'000'000LL);
  CHECK(ns("10us") == 10'000LL);
  for (const char *bad : {"", "10", "s", "1x", "1m30"}) {
    auto d = parseDuration(bad);
    CHECK(!d);
    if (!d)
      llvm::consumeError(d.takeError());
  }
}
