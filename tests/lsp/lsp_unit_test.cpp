// Unit tests of the LSP layers: framing, URIs, positions and incremental edits, code
// actions (applied and re-linted), and the server over a real pipe with a client that leaves.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "lsp/actions.hpp"
#include "lsp/connection.hpp"
#include "lsp/incremental.hpp"
#include "lsp/names.hpp"
#include "lsp/text.hpp"
#include "lsp/transport.hpp"
#include "lsp/uri.hpp"
#include "lsp/session.hpp"
#include "pglens/lint.hpp"
#include "support/fixtures.hpp"

namespace pglens::lsp {
namespace {

using nlohmann::json;

TEST(LspTransport, ReadsFramedMessagesSplitAnywhere) {
  MemoryTransport t;
  std::string bytes = frame(R"({"a":1})") + "\r\n" + frame("{\"b\":\"\xc3\xa9\"}");
  // Fed one byte at a time, the reader must still find both messages.
  std::thread feeder([&] {
    for (char c : bytes) t.feed(std::string(1, c));
    t.close_input();
  });
  std::string body, error;
  ASSERT_EQ(t.read(body, error), ReadStatus::message);
  EXPECT_EQ(body, R"({"a":1})");
  ASSERT_EQ(t.read(body, error), ReadStatus::message);
  EXPECT_EQ(body, "{\"b\":\"\xc3\xa9\"}");
  EXPECT_EQ(t.read(body, error), ReadStatus::eof);
  feeder.join();
}

TEST(LspTransport, RecoversFromBadHeadersAndOversizedMessages) {
  MemoryTransport t;
  t.feed("Content-Length: -3\r\n\r\n");
  t.feed(std::string(20000, 'x') + "\r\n");  // a line far too long to be a header
  t.feed(frame("{}"));
  t.feed("Content-Length: " + std::to_string(kMaxMessageBytes + 1) + "\r\n\r\n");
  t.feed(std::string(1 << 20, ' '));  // part of the oversized body, then the input ends
  t.close_input();
  std::string body, error;
  EXPECT_EQ(t.read(body, error), ReadStatus::bad_frame);
  EXPECT_EQ(t.read(body, error), ReadStatus::message);
  EXPECT_EQ(body, "{}");
  EXPECT_EQ(t.read(body, error), ReadStatus::eof);  // the oversized body never completes
}

TEST(LspTransport, ReadyOnlyWhenAWholeMessageIsBuffered) {
  MemoryTransport t;
  EXPECT_FALSE(t.ready());
  std::string framed = frame(R"({"x":true})");
  t.feed(framed.substr(0, 10));
  EXPECT_FALSE(t.ready());
  t.feed(framed.substr(10));
  EXPECT_TRUE(t.ready());
  std::string body, error;
  EXPECT_EQ(t.read(body, error), ReadStatus::message);
  EXPECT_FALSE(t.ready());
  t.close_input();
  EXPECT_TRUE(t.ready());
}

TEST(LspUri, RoundTripsPathsWithSpecialCharacters) {
  std::filesystem::path p = "/tmp/a dir/ü#1%.sql";
  std::string uri = path_to_uri(p);
  EXPECT_EQ(uri, "file:///tmp/a%20dir/%C3%BC%231%25.sql");
  EXPECT_EQ(uri_to_path(uri), p);
  EXPECT_EQ(uri_to_path("file://localhost/x.sql"), std::filesystem::path("/x.sql"));
  EXPECT_EQ(uri_to_path("untitled:Untitled-1"), std::nullopt);
  EXPECT_EQ(uri_to_path("file://otherhost/x.sql"), std::nullopt);
  EXPECT_EQ(uri_to_path("file:///bad%2"), std::nullopt);
  EXPECT_EQ(uri_to_path("file:///nul%00"), std::nullopt);
}

TEST(LspText, AppliesIncrementalChangesInUtf16AndUtf8) {
  std::string text = "SELECT '😀', 1;\nSELECT 2;\n";
  // UTF-16: the emoji is two units, so `, 1` starts at character 11.
  TextDocumentContentChangeEvent change{Range{{0, 11}, {0, 14}}, ""};
  apply_changes(text, std::span(&change, 1), ColumnUnit::utf16);
  EXPECT_EQ(text, "SELECT '😀';\nSELECT 2;\n");
  // UTF-8: the emoji is four bytes.
  TextDocumentContentChangeEvent utf8{Range{{0, 13}, {0, 13}}, " AS smile"};
  apply_changes(text, std::span(&utf8, 1), ColumnUnit::utf8);
  EXPECT_EQ(text, "SELECT '😀' AS smile;\nSELECT 2;\n");
  // Several changes apply in order; a range past the end clamps; a full replacement resets.
  std::vector<TextDocumentContentChangeEvent> changes{
      {Range{{1, 7}, {1, 8}}, "3"}, {Range{{9, 0}, {9, 0}}, "SELECT 4;"}, {std::nullopt, "SELECT 5;"}};
  apply_changes(text, changes, ColumnUnit::utf16);
  EXPECT_EQ(text, "SELECT 5;");
  std::vector<TextDocumentContentChangeEvent> two{{Range{{1, 7}, {1, 8}}, "3"}, {Range{{2, 0}, {9, 0}}, "SELECT 4;"}};
  text = "SELECT 1;\nSELECT 2;\n";
  apply_changes(text, two, ColumnUnit::utf16);
  EXPECT_EQ(text, "SELECT 1;\nSELECT 3;\nSELECT 4;");
}

// Applies LSP text edits (non-overlapping) to `text`.
std::string apply_edits(std::string text, std::vector<TextEdit> edits, ColumnUnit unit) {
  std::sort(edits.begin(), edits.end(), [](const TextEdit& a, const TextEdit& b) { return b.range.start < a.range.start; });
  for (const auto& e : edits) {
    LineIndex lines(text);
    uint32_t from = byte_offset(lines, text.size(), e.range.start, unit);
    uint32_t to = byte_offset(lines, text.size(), e.range.end, unit);
    text.replace(from, to - from, e.new_text);
  }
  return text;
}

size_t count_rule(const std::vector<Diagnostic>& ds, std::string_view rule) {
  return static_cast<size_t>(std::count_if(ds.begin(), ds.end(), [&](const Diagnostic& d) { return d.rule == rule; }));
}

// Every "ignore this rule here" action, applied, silences its finding (and the rule in the
// rest of that statement), breaks nothing and leaves no unused suppression.
TEST(LspActions, IgnoreCommentSilencesTheFinding) {
  const std::vector<std::string> texts = {
      "SELECT * FROM orders;\n",
      "SELECT 1;\n    SELECT *\n      FROM t;\r\nSELECT id FROM t;\r\n",
      "-- pglens-ignore: syntax-error  reason\nSELECT o.* FROM orders o;\n",
      "SELECT 1; SELECT * FROM t;\nSELECT 2;\n",
      "WITH x AS (SELECT * FROM orders)\nSELECT *,\n       x.*\n  FROM x;\n",
      "SELECT 'é😀', *\n  FROM t",
  };
  Config config;
  Linter linter(config);
  for (const std::string& text : texts) {
    SCOPED_TRACE(text);
    auto before = linter.lint({"t.sql", text});
    size_t stars = count_rule(before, "select-star");
    ASSERT_GT(stars, 0u);
    for (const Diagnostic& d : before) {
      if (d.rule != "select-star") continue;
      LineIndex lines(text);
      ActionContext ctx{"file:///t.sql", text, lines, ColumnUnit::utf16, false};
      auto actions = code_actions(d, {}, ctx);
      ASSERT_EQ(actions.size(), 1u);
      EXPECT_EQ(actions[0].title, "Ignore `select-star` here");
      std::string fixed = apply_edits(text, actions[0].edit->changes.at("file:///t.sql"), ColumnUnit::utf16);
      auto after = linter.lint({"t.sql", fixed});
      EXPECT_LT(count_rule(after, "select-star"), stars) << fixed;
      EXPECT_EQ(count_rule(after, "unused-ignore"), count_rule(before, "unused-ignore")) << fixed;
      EXPECT_EQ(count_rule(after, "syntax-error"), 0u) << fixed;
    }
  }
}

TEST(LspActions, FixEditsAndDdlBecomeActions) {
  std::string text = "SELECT 1;\n  SELECT a FROM t WHERE lower(email) = $1;\n";
  LineIndex lines(text);
  uint32_t at = static_cast<uint32_t>(text.find("lower"));
  Diagnostic d("missing-index", {at, at + 12}, "no index on lower(email)");
  d.fix(Fix{"Use the indexed column", {pglens::TextEdit{{at, at + 12}, "email"}}, false});
  d.ddl("CREATE INDEX ON t (lower(email));\nANALYZE t;");
  ActionContext ctx{"file:///q.sql", text, lines, ColumnUnit::utf16, true};
  LspDiagnostic shown;
  shown.code = "missing-index";
  auto actions = code_actions(d, shown, ctx);
  ASSERT_EQ(actions.size(), 4u);
  EXPECT_EQ(actions[0].title, "Use the indexed column");
  EXPECT_FALSE(actions[0].is_preferred);  // not a safe fix
  EXPECT_EQ(apply_edits(text, actions[0].edit->changes.at("file:///q.sql"), ColumnUnit::utf16),
            "SELECT 1;\n  SELECT a FROM t WHERE email = $1;\n");
  EXPECT_EQ(actions[1].title, "Insert the suggested DDL as a comment");
  EXPECT_EQ(apply_edits(text, actions[1].edit->changes.at("file:///q.sql"), ColumnUnit::utf16),
            "SELECT 1;\n"
            "  -- pglens: suggested DDL (missing-index):\n"
            "  -- CREATE INDEX ON t (lower(email));\n"
            "  -- ANALYZE t;\n"
            "  SELECT a FROM t WHERE lower(email) = $1;\n");
  EXPECT_EQ(actions[2].title, "Copy the suggested DDL");
  ASSERT_TRUE(actions[2].command);
  EXPECT_EQ(actions[2].command->command, "pglens.copyDdl");
  EXPECT_EQ(actions[2].command->arguments, json::array({d.ddl_text}));
  EXPECT_EQ(actions[3].title, "Ignore `missing-index` here");
  for (const auto& a : actions) EXPECT_EQ(a.diagnostics.at(0).code, "missing-index");
  // Without the editor's copy command, no copy action is offered.
  ctx.client_copies_ddl = false;
  EXPECT_EQ(code_actions(d, shown, ctx).size(), 3u);
}

// Linting through the document's cache, from scratch and after edits, finds exactly what a
// whole-file lint finds, on every SQL fixture of the repository.
TEST(LspIncremental, MatchesAWholeFileLintOnEveryFixture) {
  Config config;
  auto linter = std::make_shared<const Linter>(config);
  auto catalog = std::make_shared<const Catalog>();
  size_t files = 0;
  for (const auto& path : pglens::test::sql_fixture_files()) {
    ++files;
    std::string text = pglens::test::read_file(path);
    SCOPED_TRACE(path.string());
    DocumentLinter cached;
    EXPECT_EQ(cached.lint(linter, catalog, {"f.sql", text}), linter->lint({"f.sql", text}));
    EXPECT_EQ(cached.last_checked(), cached.last_statements());
    EXPECT_EQ(cached.lint(linter, catalog, {"f.sql", text}), linter->lint({"f.sql", text}));
    EXPECT_EQ(cached.last_checked(), 0u);
    // Edit lines in turn (append a space, or open a parenthesis that swallows what follows):
    // the findings still match, and a space checks again at most the statement it lands in.
    LineIndex lines(text);
    for (uint32_t l = 0; l < lines.line_count(); l += 3) {
      EXPECT_EQ(cached.lint(linter, catalog, {"f.sql", text}), linter->lint({"f.sql", text}));
      std::string edited = text;
      uint32_t end = lines.line_start(l) + static_cast<uint32_t>(lines.line_text(l).size());
      edited.insert(end, l % 2 ? " " : " (");
      EXPECT_EQ(cached.lint(linter, catalog, {"f.sql", edited}), linter->lint({"f.sql", edited})) << edited;
      if (l % 2) {
        EXPECT_LE(cached.last_checked(), 1u);
      }
    }
  }
  EXPECT_GT(files, 2u);
}

TEST(LspServer, HandlesATenMegabyteDocument) {
  Session s;
  s.send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", {{"capabilities", json::object()}}}});
  std::string text;
  while (text.size() < 10'000'000) text += "SELECT id, total FROM orders WHERE customer_id = 42 AND status = 'open';\n";
  text += "SELECT * FROM orders;\n";
  auto out = s.send({{"jsonrpc", "2.0"},
                     {"method", "textDocument/didOpen"},
                     {"params", {{"textDocument", {{"uri", "file:///big.sql"}, {"languageId", "sql"}, {"version", 1}, {"text", text}}}}}});
  ASSERT_EQ(out.size(), 1u);
  const json& diagnostics = out[0]["params"]["diagnostics"];
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0]["code"], "select-star");
  // A one-line edit at the end of the big document re-lints it.
  uint32_t last = static_cast<uint32_t>(std::count(text.begin(), text.end(), '\n')) - 1;
  out = s.send({{"jsonrpc", "2.0"},
                {"method", "textDocument/didChange"},
                {"params",
                 {{"textDocument", {{"uri", "file:///big.sql"}, {"version", 2}}},
                  {"contentChanges",
                   json::array({{{"range", {{"start", {{"line", last}, {"character", 7}}}, {"end", {{"line", last}, {"character", 8}}}}},
                                 {"text", "id"}}})}}}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["params"]["version"], 2);
  EXPECT_TRUE(out[0]["params"]["diagnostics"].empty());
}

// The real binary over pipes: a client that closes stdin, or stops reading stdout, ends it.
struct Child {
  pid_t pid = -1;
  int to_child = -1, from_child = -1;
};

Child spawn_lsp() {
  int in[2], out[2];
  EXPECT_EQ(pipe(in), 0);
  EXPECT_EQ(pipe(out), 0);
  Child c;
  c.pid = fork();
  if (c.pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[1]);
    close(out[0]);
    execl(PGLENS_BINARY, PGLENS_BINARY, "lsp", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  c.to_child = in[1];
  c.from_child = out[0];
  return c;
}

// Waits up to `limit` for the child to exit; returns its exit code or -1 on timeout.
int wait_exit(pid_t pid, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

void write_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

TEST(LspProcess, ExitsWhenTheClientClosesItsEndMidMessage) {
  signal(SIGPIPE, SIG_IGN);
  Child c = spawn_lsp();
  write_all(c.to_child, frame(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}})"));
  write_all(c.to_child, "Content-Length: 500\r\n\r\n{\"jsonrpc\":");
  close(c.to_child);
  EXPECT_EQ(wait_exit(c.pid, std::chrono::seconds(20)), 1);
  close(c.from_child);
}

TEST(LspProcess, ExitsWhenTheClientStopsReading) {
  signal(SIGPIPE, SIG_IGN);
  Child c = spawn_lsp();
  close(c.from_child);  // every write now fails with EPIPE
  write_all(c.to_child, frame(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}})"));
  write_all(c.to_child, frame(R"({"jsonrpc":"2.0","id":2,"method":"shutdown"})"));
  write_all(c.to_child, frame(R"({"jsonrpc":"2.0","method":"exit"})"));
  close(c.to_child);
  EXPECT_EQ(wait_exit(c.pid, std::chrono::seconds(20)), 0);
}

}  // namespace
}  // namespace pglens::lsp

namespace pglens::lsp {
namespace {

TEST(LspNames, FindsTheQualifiedNameUnderTheCursor) {
  std::string text = R"(SELECT o.id FROM Public.Orders o JOIN "Order Items" i ON i.order_id = o.id WHERE x > 42;)";
  auto at = [&](std::string_view needle, uint32_t into) {
    return static_cast<uint32_t>(text.find(needle)) + into;
  };
  auto q = name_at(text, at("Public.Orders", 9));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->schema, "public");
  EXPECT_EQ(q->name, "orders");
  EXPECT_EQ(text.substr(q->span.begin, q->span.end - q->span.begin), "Public.Orders");
  q = name_at(text, at("Public.Orders", 2));  // on the schema part: the same chain
  ASSERT_TRUE(q);
  EXPECT_EQ(q->name, "orders");
  q = name_at(text, at("\"Order Items\"", 4));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->schema, "");
  EXPECT_EQ(q->name, "Order Items");
  q = name_at(text, at("i.order_id", 3));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->schema, "i");
  EXPECT_EQ(q->name, "order_id");
  EXPECT_FALSE(name_at(text, at("42", 1)));
  EXPECT_FALSE(name_at(text, at(" > ", 1)));
  EXPECT_FALSE(name_at("a.b.c", 2));
  EXPECT_FALSE(name_at("", 0));
}

}  // namespace
}  // namespace pglens::lsp
