# Link dependencies of dfc_store (included by backend/store/CMakeLists.txt).
# All come from Debian packages: libsqlite3-dev, libarchive-dev, libssl-dev, libzstd-dev, zlib1g-dev.
find_package(OpenSSL REQUIRED)
target_link_libraries(dfc_store PUBLIC llvm_support nlohmann_json::nlohmann_json
                      PRIVATE sqlite3 archive OpenSSL::Crypto zstd z Threads::Threads)
