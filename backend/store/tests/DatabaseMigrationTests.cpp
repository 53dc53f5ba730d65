// The cache database's schema 2 (step_inputs): a store made by schema 1 migrates in place and keeps
// its cache rows; a read-only open of an old store reads it without changing it.
#include "backend/store/Database.h"
#include "backend/store/Files.h"

#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace dfc::store;

namespace {

// A database exactly as schema 1 created it, with one cache row.
void makeV1(const std::string &path) {
  sqlite3 *db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  const char *sql = R"sql(
    CREATE TABLE images (manifest TEXT PRIMARY KEY, config TEXT NOT NULL, created INTEGER NOT NULL,
      size INTEGER NOT NULL);
    CREATE TABLE tags (name TEXT PRIMARY KEY, manifest TEXT NOT NULL, updated INTEGER NOT NULL);
    CREATE TABLE cache (key TEXT PRIMARY KEY, layer TEXT NOT NULL, diff_id TEXT NOT NULL,
      config_delta TEXT NOT NULL, created INTEGER NOT NULL, last_used INTEGER NOT NULL);
    CREATE TABLE containers (id TEXT PRIMARY KEY, name TEXT UNIQUE, image TEXT NOT NULL,
      image_manifest TEXT NOT NULL, state TEXT NOT NULL, created INTEGER NOT NULL);
    CREATE TABLE snapshots (diff_id TEXT PRIMARY KEY, entries INTEGER NOT NULL, created INTEGER NOT NULL);
    INSERT INTO cache VALUES ('sha256:k1', '', '', '{}', 1, 1);
    PRAGMA user_version = 1;
  )sql";
  REQUIRE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/dfc-db-test-XXXXXX";
    REQUIRE(::mkdtemp(t));
    path = t;
  }
  ~TempDir() { llvm::consumeError(removeTree(path)); }
};

} // namespace

TEST_CASE("a schema 1 database migrates to schema 2 and keeps its cache", "[store][db]") {
  TempDir dir;
  std::string path = dir.path + "/dfc.db";
  makeV1(path);
  auto db = Database::open(path);
  REQUIRE(bool(db));
  CHECK((*db)->schemaVersion() == 2);
  auto hit = (*db)->peekCache("sha256:k1");
  REQUIRE(bool(hit));
  CHECK(hit->has_value());
  REQUIRE_FALSE(bool((*db)->putStepInput({"loc/0/1", "sha256:k1", "{\"line\":\"RUN x\"}", 0})));
  auto row = (*db)->stepInput("loc/0/1");
  REQUIRE(bool(row));
  REQUIRE(row->has_value());
  CHECK((*row)->key == "sha256:k1");
  CHECK((*row)->summary == "{\"line\":\"RUN x\"}");
  // Replaced, not added: one row per locator.
  REQUIRE_FALSE(bool((*db)->putStepInput({"loc/0/1", "sha256:k2", "{}", 0})));
  row = (*db)->stepInput("loc/0/1");
  REQUIRE(bool(row));
  CHECK((*row)->key == "sha256:k2");
}

TEST_CASE("a read-only open reads an old store without touching it", "[store][db]") {
  TempDir dir;
  std::string path = dir.path + "/dfc.db";
  makeV1(path);
  struct stat before, after;
  REQUIRE(::stat(path.c_str(), &before) == 0);
  {
    auto db = Database::openReadOnly(path);
    REQUIRE(bool(db));
    CHECK((*db)->readOnly());
    CHECK((*db)->schemaVersion() == 1);
    auto hit = (*db)->peekCache("sha256:k1");
    REQUIRE(bool(hit));
    CHECK(hit->has_value());
    auto row = (*db)->stepInput("anything"); // no step_inputs table yet: no record, no error
    REQUIRE(bool(row));
    CHECK_FALSE(row->has_value());
    // Writes are refused.
    llvm::Error e = (*db)->putStepInput({"x", "k", "{}", 0});
    CHECK(bool(e));
    llvm::consumeError(std::move(e));
  }
  REQUIRE(::stat(path.c_str(), &after) == 0);
  CHECK(after.st_mtime == before.st_mtime);
  CHECK(after.st_size == before.st_size);
  CHECK(::access((path + "-wal").c_str(), F_OK) != 0);
  CHECK(::access((path + "-shm").c_str(), F_OK) != 0);
}

// Two creates of one container name at once: the second insert must fail, not replace the first
// container's row (INSERT OR REPLACE deleted it: its process and directory lived on unlisted).
TEST_CASE("a container row of a name in use is refused, the first kept", "[store][db]") {
  TempDir dir;
  auto db = Database::open(dir.path + "/dfc.db");
  REQUIRE(bool(db));
  ContainerRow first;
  first.id = "aaaa";
  first.name = "twin";
  first.image = "busybox";
  first.stateJson = "{}";
  REQUIRE_FALSE(bool((*db)->putContainer(first)));
  ContainerRow second = first;
  second.id = "bbbb";
  llvm::Error e = (*db)->putContainer(second);
  CHECK(bool(e));
  llvm::consumeError(std::move(e));
  auto row = (*db)->container("twin");
  REQUIRE(bool(row));
  REQUIRE(row->has_value());
  CHECK((**row).id == "aaaa");
}
