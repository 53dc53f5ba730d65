// SQLite behind the store: WAL so readers never block the writer, busy_timeout so concurrent
// dfc processes wait instead of failing, BEGIN IMMEDIATE so read-modify-write cannot deadlock.
#include "backend/store/Database.h"

#include "backend/store/Files.h"

#include <sqlite3.h>

#include <cstdio>
#include <ctime>
#include <sys/stat.h>

namespace dfc::store {

namespace {

// One prepared statement; bind by position (1-based), step, read columns.
class Statement {
public:
  Statement(sqlite3 *db, llvm::StringRef sql) : Db(db) {
    Rc = sqlite3_prepare_v2(db, sql.data(), int(sql.size()), &S, nullptr);
  }
  ~Statement() { sqlite3_finalize(S); }
  Statement &bind(int i, llvm::StringRef v) {
    sqlite3_bind_text(S, i, v.data(), int(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement &bind(int i, int64_t v) {
    sqlite3_bind_int64(S, i, v);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() {
    if (Rc != SQLITE_OK)
      return Rc;
    return sqlite3_step(S);
  }
  llvm::Error run() {
    int rc = step();
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
      return error();
    return llvm::Error::success();
  }
  llvm::Error error() const { return storeError(llvm::Twine("sqlite: ") + sqlite3_errmsg(Db)); }
  std::string text(int col) const {
    const unsigned char *t = sqlite3_column_text(S, col);
    return t ? std::string(reinterpret_cast<const char *>(t), size_t(sqlite3_column_bytes(S, col)))
             : std::string();
  }
  int64_t integer(int col) const { return sqlite3_column_int64(S, col); }
  Digest digest(int col) const {
    auto d = Digest::parse(text(col));
    if (!d) {
      llvm::consumeError(d.takeError());
      return Digest();
    }
    return *d;
  }

private:
  sqlite3 *Db;
  sqlite3_stmt *S = nullptr;
  int Rc;
};

int64_t now() { return int64_t(std::time(nullptr)); }

} // namespace

llvm::Expected<std::unique_ptr<Database>> Database::open(llvm::StringRef path) {
  std::unique_ptr<Database> db(new Database());
  int rc = sqlite3_open_v2(path.str().c_str(), &db->Db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK)
    return storeError("open database " + path + ": " +
                      (db->Db ? sqlite3_errmsg(db->Db) : sqlite3_errstr(rc)));
  sqlite3_busy_timeout(db->Db, 30000);
  if (llvm::Error e = db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                               "PRAGMA foreign_keys=ON;"))
    return e;
  if (llvm::Error e = db->migrate())
    return e;
  return db;
}

llvm::Expected<std::unique_ptr<Database>> Database::openReadOnly(llvm::StringRef path) {
  std::unique_ptr<Database> db(new Database());
  db->ReadOnly = true;
  // With no -wal file no process has the database open (the last one to close removes it), and a
  // plain read-only open would create -wal and -shm: open it immutable instead, which touches
  // nothing. Otherwise a writer is active and its -shm index must be used.
  std::string uri = "file:";
  for (char c : path) {
    if (c == '?' || c == '#' || c == '%') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", unsigned(static_cast<unsigned char>(c)));
      uri += buf;
    } else {
      uri += c;
    }
  }
  struct stat wal;
  uri += ::stat((path + "-wal").str().c_str(), &wal) == 0 ? "?mode=ro" : "?mode=ro&immutable=1";
  int rc = sqlite3_open_v2(uri.c_str(), &db->Db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_URI,
                           nullptr);
  if (rc != SQLITE_OK)
    return storeError("open database " + path + " read-only: " +
                      (db->Db ? sqlite3_errmsg(db->Db) : sqlite3_errstr(rc)));
  sqlite3_busy_timeout(db->Db, 30000);
  if (db->schemaVersion() > SchemaVersion)
    return storeError("store database schema " + llvm::Twine(db->schemaVersion()) +
                      " is newer than this dfc understands (" + llvm::Twine(SchemaVersion) + ")");
  return db;
}

Database::~Database() { sqlite3_close(Db); }

llvm::Error Database::exec(llvm::StringRef sql) {
  char *msg = nullptr;
  if (sqlite3_exec(Db, sql.str().c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : sqlite3_errmsg(Db);
    sqlite3_free(msg);
    return storeError("sqlite: " + m + " (in: " + sql.take_front(60) + ")");
  }
  return llvm::Error::success();
}

int Database::schemaVersion() {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  Statement s(Db, "PRAGMA user_version");
  return s.step() == SQLITE_ROW ? int(s.integer(0)) : -1;
}

llvm::Error Database::migrate() {
  // The version check and the DDL run in one immediate transaction, so two processes opening a
  // fresh store at once cannot both create the schema.
  return transaction([&]() -> llvm::Error {
    int version = schemaVersion();
    if (version > SchemaVersion)
      return storeError("store database schema " + llvm::Twine(version) +
                        " is newer than this dfc understands (" + llvm::Twine(SchemaVersion) + ")");
    if (version < 1) {
      if (llvm::Error e = exec(R"sql(
        CREATE TABLE IF NOT EXISTS images (
          manifest TEXT PRIMARY KEY, config TEXT NOT NULL, created INTEGER NOT NULL,
          size INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS tags (
          name TEXT PRIMARY KEY, manifest TEXT NOT NULL, updated INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS tags_by_manifest ON tags(manifest);
        CREATE TABLE IF NOT EXISTS cache (
          key TEXT PRIMARY KEY, layer TEXT NOT NULL, diff_id TEXT NOT NULL,
          config_delta TEXT NOT NULL, created INTEGER NOT NULL, last_used INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS containers (
          id TEXT PRIMARY KEY, name TEXT UNIQUE, image TEXT NOT NULL, image_manifest TEXT NOT NULL,
          state TEXT NOT NULL, created INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS snapshots (
          diff_id TEXT PRIMARY KEY, entries INTEGER NOT NULL, created INTEGER NOT NULL);
        PRAGMA user_version = 1;
      )sql"))
        return e;
    }
    if (version < 2) {
      // A side table rather than a cache column: one row per step locator, replaced by each build,
      // so the cache index keeps its shape for older readers.
      if (llvm::Error e = exec(R"sql(
        CREATE TABLE IF NOT EXISTS step_inputs (
          locator TEXT PRIMARY KEY, key TEXT NOT NULL, summary TEXT NOT NULL, recorded INTEGER NOT NULL);
        PRAGMA user_version = 2;
      )sql"))
        return e;
    }
    return llvm::Error::success();
  });
}

llvm::Error Database::transaction(const std::function<llvm::Error()> &fn) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  if (Depth > 0) {
    ++Depth;
    llvm::Error e = fn();
    --Depth;
    return e;
  }
  if (llvm::Error e = exec("BEGIN IMMEDIATE"))
    return e;
  ++Depth;
  llvm::Error e = fn();
  --Depth;
  if (e) {
    llvm::consumeError(exec("ROLLBACK"));
    return e;
  }
  if (llvm::Error c = exec("COMMIT")) {
    llvm::consumeError(exec("ROLLBACK"));
    return c;
  }
  return llvm::Error::success();
}

// --- images ---

llvm::Error Database::putImage(const ImageRow &row) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  // Upserts that change nothing write nothing: a warm build must leave the WAL empty, or closing
  // the database checkpoints it (two fsyncs) on the no-op path.
  return Statement(Db, "INSERT INTO images(manifest, config, created, size) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT(manifest) DO UPDATE SET config = excluded.config, created = excluded.created, "
                       "size = excluded.size WHERE config != excluded.config OR created != excluded.created "
                       "OR size != excluded.size")
      .bind(1, row.manifest.str())
      .bind(2, row.config.str())
      .bind(3, row.created)
      .bind(4, int64_t(row.size))
      .run();
}

static ImageRow imageFrom(Statement &s) {
  ImageRow r;
  r.manifest = s.digest(0);
  r.config = s.digest(1);
  r.created = s.integer(2);
  r.size = uint64_t(s.integer(3));
  return r;
}

llvm::Expected<std::optional<ImageRow>> Database::image(const Digest &manifest) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  Statement s(Db, "SELECT manifest, config, created, size FROM images WHERE manifest = ?");
  s.bind(1, manifest.str());
  int rc = s.step();
  if (rc == SQLITE_ROW)
    return std::optional<ImageRow>(imageFrom(s));
  if (rc == SQLITE_DONE)
    return std::optional<ImageRow>();
  return s.error();
}

llvm::Expected<std::vector<ImageRow>> Database::images() {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  Statement s(Db, "SELECT manifest, config, created, size FROM images ORDER BY created DESC, "
                  "manifest");
  std::vector<ImageRow> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW)
    out.push_back(imageFrom(s));
  if (rc != SQLITE_DONE)
    return s.error();
  return out;
}

llvm::Error Database::removeImage(const Digest &manifest) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  return Statement(Db, "DELETE FROM images WHERE manifest = ?").bind(1, manifest.str()).run();
}

// --- tags ---

llvm::Error Database::setTag(llvm::StringRef name, const Digest &manifest) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  return Statement(Db, "INSERT INTO tags(name, manifest, updated) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE "
                       "SET manifest = excluded.manifest, updated = excluded.updated WHERE manifest != excluded.manifest")
      .bind(1, name)
      .bind(2, manifest.str())
      .bind(3, now())
      .run();
}

llvm::Expected<std::optional<Digest>> Database::tag(llvm::StringRef name) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  Statement s(Db, "SELECT manifest FROM tags WHERE name = ?");
  s.bind(1, name);
  int rc = s.step();
  if (rc == SQLITE_ROW)
    return std::optional<Digest>(s.digest(0));
  if (rc == SQLITE_DONE)
    return std::optional<Digest>();
  return s.error();
}

llvm::Expected<std::vector<TagRow>> Database::tags() {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  Statement s(Db, "SELECT name, manifest FROM tags ORDER BY name");
  std::vector<TagRow> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW)
    out.push_back({s.text(0), s.digest(1)});
  if (rc != SQLITE_DONE)
    return s.error();
  return out;
}

llvm::Expected<std::vector<std::string>> Database::tagsOf(const Digest &manifest) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  Statement s(Db, "SELECT name FROM tags WHERE manifest = ? ORDER BY name");
  s.bind(1, manifest.str());
  std::vector<std::string> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW)
    out.push_back(s.text(0));
  if (rc != SQLITE_DONE)
    return s.error();
  return out;
}

llvm::Expected<bool> Database::removeTag(llvm::StringRef name) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  if (llvm::Error e = Statement(Db, "DELETE FROM tags WHERE name = ?").bind(1, name).run())
    return e;
  return sqlite3_changes(Db) > 0;
}

// --- cache ---

llvm::Error Database::putCache(const CacheEntry &c) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  int64_t t = now();
  return Statement(Db, "INSERT OR REPLACE INTO cache(key, layer, diff_id, config_delta, created, "
                       "last_used) VALUES (?, ?, ?, ?, ?, ?)")
      .bind(1, c.key)
      .bind(2, c.layer.str())
      .bind(3, c.diffId.str())
      .bind(4, c.configDelta)
      .bind(5, c.created ? c.created : t)
      .bind(6, c.lastUsed ? c.lastUsed : t)
      .run();
}

static CacheEntry cacheFrom(Statement &s) {
  CacheEntry c;
  c.key = s.text(0);
  c.layer = s.digest(1);
  c.diffId = s.digest(2);
  c.configDelta = s.text(3);
  c.created = s.integer(4);
  c.lastUsed = s.integer(5);
  return c;
}

llvm::Expected<std::optional<CacheEntry>> Database::getCache(llvm::StringRef key) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  std::optional<CacheEntry> out;
  {
    Statement s(Db, "SELECT key, layer, diff_id, config_delta, created, last_used FROM cache "
                    "WHERE key = ?");
    s.bind(1, key);
    int rc = s.step();
    if (rc == SQLITE_ROW)
      out = cacheFrom(s);
    else if (rc != SQLITE_DONE)
      return s.error();
  }
  if (out) {
    // Best effort: a busy database must not turn a cache hit into a failure. At most once an hour,
    // so that a warm build writes nothing (see putImage).
    int64_t t = now();
    if (t - out->lastUsed >= 3600 || t < out->lastUsed)
      llvm::consumeError(
          Statement(Db, "UPDATE cache SET last_used = ? WHERE key = ?").bind(1, t).bind(2, key).run());
  }
  return out;
}

llvm::Expected<std::optional<CacheEntry>> Database::peekCache(llvm::StringRef key) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  Statement s(Db, "SELECT key, layer, diff_id, config_delta, created, last_used FROM cache WHERE key = ?");
  s.bind(1, key);
  int rc = s.step();
  if (rc == SQLITE_ROW)
    return std::optional<CacheEntry>(cacheFrom(s));
  if (rc != SQLITE_DONE)
    return s.error();
  return std::optional<CacheEntry>();
}

llvm::Error Database::putStepInput(const StepInputRow &row) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  return Statement(Db, "INSERT INTO step_inputs(locator, key, summary, recorded) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT(locator) DO UPDATE SET key = excluded.key, summary = excluded.summary, "
                       "recorded = excluded.recorded WHERE key != excluded.key OR summary != excluded.summary")
      .bind(1, row.locator)
      .bind(2, row.key)
      .bind(3, row.summary)
      .bind(4, row.recorded ? row.recorded : now())
      .run();
}

llvm::Expected<std::optional<StepInputRow>> Database::stepInput(llvm::StringRef locator) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  if (schemaVersion() < 2)
    return std::optional<StepInputRow>();
  Statement s(Db, "SELECT locator, key, summary, recorded FROM step_inputs WHERE locator = ?");
  s.bind(1, locator);
  int rc = s.step();
  if (rc == SQLITE_ROW)
    return std::optional<StepInputRow>(StepInputRow{s.text(0), s.text(1), s.text(2), s.integer(3)});
  if (rc != SQLITE_DONE)
    return s.error();
  return std::optional<StepInputRow>();
}

llvm::Expected<std::vector<CacheEntry>> Database::listCache() {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  Statement s(Db, "SELECT key, layer, diff_id, config_delta, created, last_used FROM cache "
                  "ORDER BY key");
  std::vector<CacheEntry> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW)
    out.push_back(cacheFrom(s));
  if (rc != SQLITE_DONE)
    return s.error();
  return out;
}

llvm::Expected<bool> Database::removeCache(llvm::StringRef key) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  if (llvm::Error e = Statement(Db, "DELETE FROM cache WHERE key = ?").bind(1, key).run())
    return e;
  return sqlite3_changes(Db) > 0;
}

// --- containers ---

llvm::Error Database::putContainer(const ContainerRow &c) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  // Not OR REPLACE: that would delete the row of another container of the same name (two creates of
  // one name at once), whose process and directory would live on unlisted.
  return Statement(Db, "INSERT INTO containers(id, name, image, image_manifest, state, "
                       "created) VALUES (?, ?, ?, ?, ?, ?)")
      .bind(1, c.id)
      .bind(2, c.name)
      .bind(3, c.image)
      .bind(4, c.imageManifest.str())
      .bind(5, c.stateJson.empty() ? llvm::StringRef("{}") : llvm::StringRef(c.stateJson))
      .bind(6, c.created ? c.created : now())
      .run();
}

static ContainerRow containerFrom(Statement &s) {
  ContainerRow c;
  c.id = s.text(0);
  c.name = s.text(1);
  c.image = s.text(2);
  c.imageManifest = s.digest(3);
  c.stateJson = s.text(4);
  c.created = s.integer(5);
  return c;
}

llvm::Expected<std::optional<ContainerRow>> Database::container(llvm::StringRef idOrName) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  Statement s(Db, "SELECT id, name, image, image_manifest, state, created FROM containers "
                  "WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1");
  s.bind(1, idOrName);
  int rc = s.step();
  if (rc == SQLITE_ROW)
    return std::optional<ContainerRow>(containerFrom(s));
  if (rc == SQLITE_DONE)
    return std::optional<ContainerRow>();
  return s.error();
}

llvm::Expected<std::vector<ContainerRow>> Database::containers() {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  Statement s(Db, "SELECT id, name, image, image_manifest, state, created FROM containers "
                  "ORDER BY created, id");
  std::vector<ContainerRow> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW)
    out.push_back(containerFrom(s));
  if (rc != SQLITE_DONE)
    return s.error();
  return out;
}

llvm::Error Database::setContainerState(llvm::StringRef id, llvm::StringRef stateJson) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  if (llvm::Error e =
          Statement(Db, "UPDATE containers SET state = ? WHERE id = ?").bind(1, stateJson).bind(2, id).run())
    return e;
  if (sqlite3_changes(Db) == 0)
    return storeError("no such container: " + id);
  return llvm::Error::success();
}

llvm::Expected<bool> Database::removeContainer(llvm::StringRef id) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  if (llvm::Error e = Statement(Db, "DELETE FROM containers WHERE id = ?").bind(1, id).run())
    return e;
  return sqlite3_changes(Db) > 0;
}

// --- snapshots ---

llvm::Error Database::putSnapshot(const SnapshotRow &r) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  return Statement(Db, "INSERT OR REPLACE INTO snapshots(diff_id, entries, created) "
                       "VALUES (?, ?, ?)")
      .bind(1, r.diffId.str())
      .bind(2, int64_t(r.entries))
      .bind(3, r.created ? r.created : now())
      .run();
}

llvm::Expected<std::vector<SnapshotRow>> Database::snapshots() {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  Statement s(Db, "SELECT diff_id, entries, created FROM snapshots ORDER BY diff_id");
  std::vector<SnapshotRow> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW)
    out.push_back({s.digest(0), uint64_t(s.integer(1)), s.integer(2)});
  if (rc != SQLITE_DONE)
    return s.error();
  return out;
}

llvm::Error Database::removeSnapshot(const Digest &diffId) {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  return Statement(Db, "DELETE FROM snapshots WHERE diff_id = ?").bind(1, diffId.str()).run();
}

llvm::Expected<std::vector<std::string>> Database::integrityProblems() {
  std::lock_guard<std::recursive_mutex> lock(Mutex);
  Statement s(Db, "PRAGMA quick_check");
  std::vector<std::string> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    std::string line = s.text(0);
    if (line != "ok")
      out.push_back(line);
  }
  if (rc != SQLITE_DONE)
    return s.error();
  return out;
}

} // namespace dfc::store
