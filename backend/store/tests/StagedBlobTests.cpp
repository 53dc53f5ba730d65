// Staged blobs (what a build writes before its one sync): invisible until installed, installed
// under their digest, a duplicate only drops its temp file, a staged layer matches addLayer's.
#include "backend/store/ImageStore.h"
#include "backend/store/tests/TestSupport.h"
#include "tests/support/CatchLlvm.h"

using namespace dfc::store;
using namespace dfc::store::test;

using dfc::test::must;

TEST_CASE("a staged blob is no blob until installed, then exactly its bytes", "[store][staged]") {
  TempDir dir;
  auto blobs = must(ContentStore::open(dir.path), "open");
  auto w = must(blobs.writer(), "writer");
  must(w.write("staged bytes"), "write");
  StagedBlob b = must(w.stage(), "stage");
  CHECK(b.digest == Digest::ofBytes("staged bytes"));
  CHECK(b.size == 12);
  CHECK(exists(b.tmpPath));
  CHECK_FALSE(blobs.has(b.digest));
  must(syncFilesystem(dir.path), "sync");
  must(blobs.installStaged({b}), "install");
  CHECK(blobs.has(b.digest));
  CHECK(slurp(blobs.blobPath(b.digest)) == "staged bytes");
  CHECK_FALSE(exists(b.tmpPath));

  // The same content staged again (another step made the same layer): the temp file goes away.
  auto w2 = must(blobs.writer(), "writer 2");
  must(w2.write("staged bytes"), "write 2");
  StagedBlob again = must(w2.stage(), "stage 2");
  must(blobs.installStaged({again}), "install again");
  CHECK_FALSE(exists(again.tmpPath));
  CHECK(slurp(blobs.blobPath(b.digest)) == "staged bytes");
}

TEST_CASE("stageLayer gives the diff id addLayer gives", "[store][staged]") {
  TempDir dir;
  auto store = must(ImageStore::open(dir / "root"), "open");
  must(makeDirs(dir / "tree/etc"), "mkdir");
  writeFile(dir / "tree/etc/conf", "x=1\n");
  LayerWriteOptions o;
  o.sourceDateEpoch = 0;
  auto staged = must(store->stageLayer(dir / "tree", o), "stage layer");
  CHECK_FALSE(store->blobs().has(staged.first.diffId));
  auto added = must(store->addLayer(dir / "tree", o), "add layer");
  CHECK(added.diffId == staged.first.diffId);
  CHECK(staged.second.size == staged.first.size);
  must(store->blobs().installStaged({staged.second}), "install");
  CHECK_FALSE(exists(staged.second.tmpPath));
}

TEST_CASE("writeFileAtomic without sync still replaces the file whole", "[store][staged]") {
  TempDir dir;
  writeFile(dir / "f", "old");
  must(writeFileAtomic(dir / "f", "new content", dir.path, /*sync=*/false), "write");
  CHECK(slurp(dir / "f") == "new content");
}
