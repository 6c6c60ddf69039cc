// A real editor as the client: headless Neovim loads editor-plugins/nvim, opens a .sql file
// with problems, receives the diagnostics, applies the "ignore" code action, runs a plan's
// actions, sees a .pglens.toml written after it started, and we check the buffers afterwards
// (tests/lsp/nvim_client.lua drives it and writes a report).
#include <gtest/gtest.h>

#include <cstdlib>

#include "support/fixtures.hpp"

namespace pglens::test {
namespace {

TEST(LspNeovim, DiagnosticsCodeActionAndHoverInARealEditor) {
  if (std::system("command -v nvim >/dev/null 2>&1") != 0) {
    // CI installs the editors: there a missing nvim is a failure, not a skip.
    const char* required = std::getenv("PGLENS_REQUIRE_EDITORS");
    if (required && std::string(required) == "1") FAIL() << "nvim is not installed and PGLENS_REQUIRE_EDITORS=1";
    GTEST_SKIP() << "nvim is not installed (scripts/install-deps installs it)";
  }
  TempDir dir;
  write_file(dir / ".git/HEAD", "ref: refs/heads/main\n");  // the plugin's root marker
  write_file(dir / "queries.sql",
             "SELECT id FROM t;\n"
             "SELECT * FROM orders;\n"
             "  SELECT o.*\n"
             "    FROM orders o;\n"
             "SELECT 1; SELECT * FROM t; -- the report\n");
  write_file(
      dir / "slow.plan",
      "-- pglens-query: queries.sql\n"
      "Seq Scan on orders  (cost=0.00..185000.00 rows=120 width=16) (actual time=0.031..812.544 rows=118 loops=1)\n"
      "  Filter: (customer_id = 42)\n"
      "  Rows Removed by Filter: 4999882\n"
      "  Buffers: shared hit=2048 read=60452\n"
      "Planning Time: 0.110 ms\n"
      "Execution Time: 812.601 ms\n");
  write_file(dir / "notes.plan", "resource \"aws_instance\" \"web\" {\n  ami = \"ami-123\"\n}\n");
  write_file(dir / "strings.sql", "SELECT 'two\nlines', * FROM orders;\nSELEC oops;\n");
  auto report = dir / "report.txt";
  std::string cmd = "cd '" + dir.path().string() + "' && PGLENS_BINARY='" PGLENS_BINARY "' PGLENS_PLUGIN='" +
      (source_dir() / "editor-plugins/nvim").string() +
      "' PGLENS_SQL=queries.sql PGLENS_PLAN=slow.plan PGLENS_NOT_PLAN=notes.plan PGLENS_STRINGS=strings.sql"
      " PGLENS_LATE_CONFIG=.pglens.toml PGLENS_OUT='" +
      report.string() + "' HOME='" + dir.path().string() + "'" + " XDG_CONFIG_HOME='" + (dir / "config").string() +
      "' XDG_DATA_HOME='" + (dir / "data").string() + "' XDG_STATE_HOME='" + (dir / "state").string() + "'" +
      " timeout 120 nvim --headless -u NONE -i NONE -n -c \"luafile " +
      (source_dir() / "tests/lsp/nvim_client.lua").string() + "\" </dev/null >'" + (dir / "nvim.log").string() +
      "' 2>&1";
  int status = std::system(cmd.c_str());
  std::string got = read_file(report);
  ASSERT_EQ(status, 0) << got << read_file(dir / "nvim.log");
  EXPECT_EQ(got,
            "filetype sql\n"
            "status pglens: no database (1 event)\n"
            "PglensStatus default configuration: no database: the schema comes from the schema files (none)\n"
            "diagnostic 1:7 select-star pglens\n"
            "diagnostic 2:9 select-star pglens\n"
            "diagnostic 4:17 select-star pglens\n"
            "action Ignore `select-star` here\n"
            "select-star diagnostics 3 -> 2\n"
            "buffer SELECT id FROM t;\n"
            "buffer -- pglens-ignore: select-star\n"
            "buffer SELECT * FROM orders;\n"
            "buffer   SELECT o.*\n"
            "buffer     FROM orders o;\n"
            "buffer SELECT 1; SELECT * FROM t; -- the report\n"
            // The line ends in a comment: the ignore goes on a line of its own.
            "shared line: select-star diagnostics 2 -> 1\n"
            "buffer SELECT id FROM t;\n"
            "buffer -- pglens-ignore: select-star\n"
            "buffer SELECT * FROM orders;\n"
            "buffer   SELECT o.*\n"
            "buffer     FROM orders o;\n"
            "buffer SELECT 1;\n"
            "buffer -- pglens-ignore: select-star\n"
            "buffer SELECT * FROM t; -- the report\n"
            "hover shows the rule docs\n"
            "plan filetype pgexplain\n"
            "plan clients 1\n"
            // No ignore comment for plans, and the DDL goes into the query file the plan names.
            "plan action Copy the suggested DDL\n"
            "plan action Insert the suggested DDL as a comment in queries.sql\n"
            // Run: the DDL lands in the query file, above its first statement; the plan stays
            // as it was; without a clipboard provider the DDL is in the unnamed register.
            "query file -- pglens: suggested DDL (seq-scan-large):\n"
            "query file -- CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);\n"
            "query file SELECT id FROM t;\n"
            "plan unchanged: true\n"
            "copy: pglens: suggested DDL copied to the unnamed register (no clipboard provider)\n"
            "register: CREATE INDEX CONCURRENTLY IF NOT EXISTS \n"
            // No "Ignore syntax-error here"; the ignore comment above a statement whose string
            // runs over two lines, not inside the string; an action right after an edit.
            "syntax error: 0 actions\n"
            "right after an edit: Ignore `select-star` here\n"
            "strings -- pglens-ignore: select-star\n"
            "strings SELECT 'two\n"
            "strings lines', * FROM orders;\n"
            "strings SELEC oops;\n"
            "strings SELECT * FROM t;\n"
            // Neovim 0.7 watches no files: the server sees a new .pglens.toml by itself.
            "new .pglens.toml seen: true\n"
            "not a plan: filetype \"\"\n");
}

}  // namespace
}  // namespace pglens::test
