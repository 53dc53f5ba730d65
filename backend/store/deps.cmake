# Link dependencies of dfc_store (included by backend/store/CMakeLists.txt).
# All come from Debian packages: libsqlite3-dev, libarchive-dev, libssl-dev, libzstd-dev, zlib1g-dev.
# libarchive and libcrypto are not linked: LazyLibraries.cpp loads them on first call (only
# their headers are needed here), so commands that never touch a tar or a digest skip them.
find_package(OpenSSL REQUIRED)
target_include_directories(dfc_store SYSTEM PRIVATE ${OPENSSL_INCLUDE_DIR})
target_link_libraries(dfc_store PUBLIC llvm_support nlohmann_json::nlohmann_json ${CMAKE_DL_LIBS}
                      PRIVATE sqlite3 zstd z Threads::Threads)
