// catalog.json round trips, its bad forms, merging and hints, and the catalog CLI.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>

#include "pglens/catalog.hpp"
#include "pglens/config.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

Catalog shop() {
  Catalog c;
  load_ddl(c, test::read_file(test::testdata("catalog/shop.sql")), "shop.sql");
  c.normalize();
  return c;
}

TEST(CatalogSnapshot, DumpThenLoadRoundTripsExactly) {
  Catalog c = shop();
  c.find_table("", "customers")->size = {120000.0, 900.0, "live test"};
  c.set_search_path({"public", "sales"});
  std::string json = dump_snapshot(c);
  Catalog back;
  auto err = parse_snapshot(json, "catalog.json", back);
  ASSERT_FALSE(err) << *err;
  EXPECT_TRUE(back == c);
  EXPECT_EQ(dump_snapshot(back), json);
  EXPECT_EQ(back.find_table("", "orders_2026_01")->schema, "sales");
}

TEST(CatalogSnapshot, BadSnapshotsNameTheFileAndTheProblem) {
  std::string good = dump_snapshot(shop());
  struct Case {
    std::string text, expect;
  };
  std::vector<Case> cases = {
      {good.substr(0, good.size() / 2), "truncated"},
      {"", "empty"},
      {"not json at all", "invalid"},
      {"[1, 2]", "expected a JSON object"},
      {"{\"tables\": []}", "no \"pglens_catalog\" version"},
      {"{\"pglens_catalog\": 99, \"tables\": []}", "version 99 is not supported"},
      {"{\"pglens_catalog\": 1, \"tables\": [{\"schema\": \"public\"}]}", "missing \"name\""},
      {"{\"pglens_catalog\": 1, \"tables\": [{\"schema\": \"p\", \"name\": \"t\", \"columns\": [{\"name\": 3}]}]}",
       "\"name\" must be a string"},
      {"{\"pglens_catalog\": 1, \"tables\": [{\"schema\": \"p\", \"name\": \"t\", \"kind\": \"sequence\"}]}",
       "unknown kind"},
  };
  for (const auto& c : cases) {
    Catalog out;
    auto err = parse_snapshot(c.text, "snap/catalog.json", out);
    ASSERT_TRUE(err) << c.text;
    EXPECT_NE(err->find("snap/catalog.json"), std::string::npos) << *err;
    EXPECT_NE(err->find(c.expect), std::string::npos) << *err;
  }
  Catalog out;
  auto err = load_snapshot("/nonexistent/catalog.json", out);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("/nonexistent/catalog.json"), std::string::npos);
}

// Found by fuzz_catalog_snapshot: a table without "columns" / "constraints" / "indexes"
// (a hand-written snapshot) crashed the reader; absent lists are empty lists.
TEST(CatalogSnapshot, AbsentListsReadAsEmpty) {
  Catalog out;
  auto err = parse_snapshot(R"({"pglens_catalog": 1, "tables": [{"schema": "public", "name": "t",
                                 "indexes": [{"name": "t_a_idx"}]}]})",
                            "catalog.json", out);
  ASSERT_FALSE(err) << *err;
  const Table* t = out.find_table("public", "t");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->columns.empty());
  EXPECT_TRUE(t->constraints.empty());
  ASSERT_EQ(t->indexes.size(), 1u);
  EXPECT_TRUE(t->indexes[0].keys.empty());
  err = parse_snapshot(R"({"pglens_catalog": 1, "tables": [{"schema": "p", "name": "t", "columns": [1]}]})",
                       "catalog.json", out);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("\"columns\" must hold objects"), std::string::npos) << *err;
}

// Found by fuzz_catalog_ddl: a schema that sorts before "public" changed places on reload.
TEST(CatalogSnapshot, SchemaOrderSurvivesTheRoundTrip) {
  Catalog c;
  load_ddl(c, "CREATE SCHEMA archive; CREATE TABLE archive.t (id int); CREATE TABLE u (id int);", "a.sql");
  c.normalize();
  ASSERT_EQ(c.schemas(), (Catalog::SchemaSet{"archive", "public"}));
  std::string json = dump_snapshot(c);
  Catalog back;
  auto err = parse_snapshot(json, "catalog.json", back);
  ASSERT_FALSE(err) << *err;
  EXPECT_EQ(back.schemas(), c.schemas());
  EXPECT_EQ(dump_snapshot(back), json);
}

// A schema-per-tenant database: every table in its own schema, arriving in any order. The
// schemas are a sorted set (a scan per schema was quadratic: 40,000 took 45 s).
TEST(CatalogSnapshot, ThousandsOfSchemasStayUniqueAndSortedInAnyOrder) {
  Catalog c;
  std::string ddl;
  for (int i = 3000; i-- > 0;) ddl += "CREATE SCHEMA tenant_" + std::to_string(i) + ";\n";
  for (int i = 0; i < 3000; ++i) ddl += "CREATE TABLE tenant_" + std::to_string((i * 7) % 3000) + ".t (id int);\n";
  load_ddl(c, ddl, "tenants.sql");
  c.add_schema("tenant_17");             // again
  ASSERT_EQ(c.schemas().size(), 3001u);  // and public
  EXPECT_TRUE(std::is_sorted(c.schemas().begin(), c.schemas().end()));
  EXPECT_EQ(c.tables().size(), 3000u);
  Catalog back;
  auto err = parse_snapshot(dump_snapshot(c), "catalog.json", back);
  ASSERT_FALSE(err) << *err;
  EXPECT_EQ(back.schemas(), c.schemas());
  c.drop_schema("tenant_17");
  EXPECT_EQ(c.schemas().size(), 3000u);
  EXPECT_EQ(c.find_table("tenant_17", "t"), nullptr);
  EXPECT_NE(c.find_table("tenant_18", "t"), nullptr);
}

TEST(CatalogMerge, HigherSourcesWinAndDdlIndexesStay) {
  Catalog ddl;
  load_ddl(ddl, "CREATE TABLE t (a int, b int); CREATE INDEX t_b_idx ON t (b); CREATE TABLE only_ddl (x int);",
           "m.sql");
  Catalog live;
  load_ddl(live, "CREATE TABLE t (a int, b int, c int); CREATE INDEX t_a_idx ON t (a);", "");
  live.find_table("", "t")->size = {5e6, 1e4, "live"};
  ddl.merge_from(live);
  const Table* t = ddl.find_table("", "t");
  EXPECT_EQ(t->columns.size(), 3u);
  EXPECT_TRUE(t->index("t_a_idx"));
  EXPECT_TRUE(t->index("t_b_idx"));  // a migration under review still counts
  EXPECT_EQ(*t->size.rows, 5e6);
  EXPECT_TRUE(ddl.find_table("", "only_ddl"));

  Config config;
  config.tables["public.t"].rows = 42;
  config.tables["missing"].rows = 1;
  ddl.apply_hints(config, ".pglens.toml");
  EXPECT_EQ(*ddl.find_table("", "t")->size.rows, 42);
  EXPECT_EQ(ddl.find_table("", "t")->size.source, "hint .pglens.toml");
}

TEST(CatalogCli, ShowNamesWhereEachFactCameFrom) {
  test::TempDir dir;
  test::write_file(dir / "db/schema.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);");
  test::write_file(dir / "q/new_index.sql", "CREATE INDEX orders_customer_idx ON orders (customer_id);\nSELECT 1;");
  test::write_file(dir / ".pglens.toml", "schema = [\"db/schema.sql\"]\n[tables.\"public.orders\"]\nrows = 5000000\n");
  auto r = test::run_pglens("catalog show q", "", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("table public.orders  (from db/schema.sql:1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rows: 5000000  (from hint"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CREATE INDEX orders_customer_idx ON public.orders (customer_id)  (from q/new_index.sql:1)"),
            std::string::npos)
      << r.out;

  r = test::run_pglens("catalog dump q -o out.json", "", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Catalog dumped;
  ASSERT_FALSE(load_snapshot(dir / "out.json", dumped));
  EXPECT_EQ(*dumped.find_table("", "orders")->size.rows, 5e6);

  // The snapshot feeds a later lint through `catalog = ...`.
  test::write_file(dir / "other/.pglens.toml", "catalog = \"../out.json\"\n");
  r = test::run_pglens("catalog show .", "", dir / "other");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("orders_customer_idx"), std::string::npos) << r.out;
}

TEST(CatalogCli, BrokenSnapshotIsAClearErrorAndExit2) {
  test::TempDir dir;
  test::write_file(dir / "catalog.json", "{\"pglens_catalog\": 1, \"tables\": [");
  test::write_file(dir / ".pglens.toml", "catalog = \"catalog.json\"\n");
  test::write_file(dir / "q.sql", "SELECT 1;\n");
  auto r = test::run_pglens("lint q.sql", "", dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("catalog.json: not a catalog snapshot"), std::string::npos) << r.err;
}

TEST(CatalogCli, UnreachableDatabaseNamesTheEndpointNotThePassword) {
  // A port nothing listens on: refused at once.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  test::TempDir dir;
  test::write_file(dir / "q.sql", "SELECT 1;\n");
  std::string url = "postgresql://app:s3cr3t-pw@127.0.0.1:" + std::to_string(port) + "/shop";
  auto r = test::run_pglens("lint --db '" + url + "' q.sql", "", dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("host 127.0.0.1 port " + std::to_string(port) + " database shop"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("s3cr3t-pw"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("s3cr3t-pw"), std::string::npos);
}

TEST(CatalogCli, SilentServerTimesOutWithinTheConnectTimeout) {
  // A socket that accepts connections (the kernel's backlog does) but never answers.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 8), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  test::TempDir dir;
  test::write_file(dir / "q.sql", "SELECT 1;\n");
  // The exit code and the message show the run ended by itself; a hang would meet ctest's
  // TIMEOUT. No time is asserted.
  auto r = test::run_pglens(
      "catalog dump --db 'postgresql://app:pw-123@127.0.0.1:" + std::to_string(port) + "/shop?connect_timeout=2'", "",
      dir.path());
  close(fd);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("database shop"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("timeout"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("pw-123"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pglens
