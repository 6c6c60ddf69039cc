// A throwaway PostgreSQL cluster for live-database tests: initdb into a fresh temp dir,
// listen on 127.0.0.1 only (free port), unix socket in the temp dir, fsync off. One cluster
// per test-binary run, started on first use and stopped + deleted when the process ends —
// also when it crashes or is killed (a watchdog process cleans up when our pipe closes).
//
//   TEST(Live, Something) {
//     PGLENS_REQUIRE_CLUSTER(pg);            // GTEST_SKIP when PostgreSQL is not installed
//     auto rows = pg->query("SELECT 1");     // rows[0][0] == "1"
//   }
//
// When PostgreSQL binaries are missing the tests skip with a clear reason, unless
// PGLENS_REQUIRE_PG=1 (CI sets it): then they fail. A cluster that is installed but fails
// to start always fails the test, with the server log.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pglens::test {

// Result rows of a query, every field as text (NULL as an empty optional).
using PgRow = std::vector<std::optional<std::string>>;

class PgCluster {
 public:
  // The shared cluster of this process, started on first call. Returns nullptr and sets
  // `why` when it cannot run; `skip` says whether that is "not installed" (skip) or a
  // real failure.
  static PgCluster* shared(std::string& why, bool& skip);

  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // "host=127.0.0.1 port=N dbname=postgres user=postgres"
  const std::string& conninfo() const { return conninfo_; }
  int port() const { return port_; }
  // Runs one or more SQL statements on the shared connection; the rows of the last
  // statement come back as text. Throws std::runtime_error with the server's message.
  std::vector<PgRow> query(const std::string& sql);
  // Convenience: first column of every row, NULL as "".
  std::vector<std::string> column(const std::string& sql);
  // Runs statements, ignoring results.
  void exec(const std::string& sql) { (void)query(sql); }

  // Directory of the PostgreSQL binaries (initdb, pg_ctl, psql).
  static std::string bin_dir();

  // A cluster of the caller's own, started with `server_options` (`-c name=value ...`) for
  // settings only a restart changes (logging_collector, shared_preload_libraries); stopped
  // and removed like the shared one. nullptr and `why` / `skip` as shared().
  static std::unique_ptr<PgCluster> start_private(const std::string& server_options, std::string& why, bool& skip);
  // Its temp dir (data/ is the data directory).
  const std::string& dir() const { return dir_; }

 private:
  PgCluster() = default;
  static bool can_run(std::string& why, bool& skip);
  bool start(std::string& why, const std::string& server_options = {});

  std::string dir_;  // temp dir: data/, socket, server log
  std::string conninfo_;
  int port_ = 0;
  FILE* watchdog_ = nullptr;  // its stdin; closing it stops the server and removes dir_
  void* conn_ = nullptr;      // PGconn*, kept opaque so tests need not include libpq
};

}  // namespace pglens::test

// Declares `PgCluster* var` for the shared cluster, or skips/fails the test.
#define PGLENS_REQUIRE_CLUSTER(var)                                                          \
  std::string var##_why;                                                                     \
  bool var##_skip = false;                                                                   \
  ::pglens::test::PgCluster* var = ::pglens::test::PgCluster::shared(var##_why, var##_skip); \
  if (!var) {                                                                                \
    if (var##_skip) GTEST_SKIP() << var##_why;                                               \
    FAIL() << var##_why;                                                                     \
  }
