# Link dependencies of dfc_build (included by backend/build/CMakeLists.txt).
# Debian packages: libarchive-dev (ADD of local archives; loaded by dfc_store on first use), llvm-14-dev; the rest are dfc libraries
# (dfc_registry: its libcurl client fetches ADD <url> and pulls missing FROM images).
target_link_libraries(dfc_build PUBLIC dfc_store dfc_runtime dfc_registry dfc_ir llvm_support PRIVATE Threads::Threads)
