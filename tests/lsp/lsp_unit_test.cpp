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
#include "lsp/session.hpp"
#include "lsp/text.hpp"
#include "lsp/transport.hpp"
#include "lsp/uri.hpp"
#include "pglens/lint.hpp"
#include "support/fixtures.hpp"

namespace pglens::lsp {
namespace {

using nlohmann::json;

// The messages of `out` but the database status the server reports on a document's first
// open (tested in server_config_test.cpp and the database-status transcript).
std::vector<json> without_status(std::vector<json> out) {
  std::erase_if(out, [](const json& m) { return m.value("method", "") == "pglens/databaseStatus"; });
  return out;
}

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
  // Several changes apply in order; a full replacement resets; a character past a line's
  // end is that line's end; the start of the line after the last is the end of the text.
  std::vector<TextDocumentContentChangeEvent> changes{
      {Range{{1, 7}, {1, 8}}, "3"}, {Range{{2, 0}, {2, 0}}, "SELECT 4;"}, {std::nullopt, "SELECT 5;"}};
  EXPECT_TRUE(apply_changes(text, changes, ColumnUnit::utf16));
  EXPECT_EQ(text, "SELECT 5;");
  std::vector<TextDocumentContentChangeEvent> two{
      {Range{{1, 7}, {1, 8}}, "3"}, {Range{{2, 0}, {2, 0}}, "SELECT 4;"}, {Range{{0, 40}, {0, 90}}, " -- one"}};
  text = "SELECT 1;\nSELECT 2;\n";
  EXPECT_TRUE(apply_changes(text, two, ColumnUnit::utf16));
  EXPECT_EQ(text, "SELECT 1; -- one\nSELECT 3;\nSELECT 4;");
  // A line the text does not have: nothing is applied, not even the changes before it.
  std::vector<TextDocumentContentChangeEvent> past{{Range{{0, 0}, {0, 0}}, "x"}, {Range{{5, 0}, {5, 0}}, "y"}};
  EXPECT_FALSE(apply_changes(text, past, ColumnUnit::utf16));
  EXPECT_EQ(text, "SELECT 1; -- one\nSELECT 3;\nSELECT 4;");
  TextDocumentContentChangeEvent reversed{Range{{1, 5}, {1, 2}}, ""};
  EXPECT_FALSE(apply_changes(text, std::span(&reversed, 1), ColumnUnit::utf16));
}

// Applies LSP text edits (non-overlapping) to `text`.
std::string apply_edits(std::string text, std::vector<TextEdit> edits, ColumnUnit unit) {
  std::sort(edits.begin(), edits.end(),
            [](const TextEdit& a, const TextEdit& b) { return b.range.start < a.range.start; });
  for (const auto& e : edits) {
    LspLines lines(text);
    uint32_t from = lines.offset(e.range.start, unit);
    uint32_t to = lines.offset(e.range.end, unit);
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
      // The statement shares its line with one before it, and the line ends inside a `--`
      // comment, or inside a string that goes on: the comment goes above the statement.
      "SELECT 1; SELECT * FROM t; -- the report\nSELECT 2;\n",
      "SELECT 1; SELECT *, 'two\nlines' AS s FROM t;\n",
      "SELECT 1; SELECT *, $$a\r\nb$$ FROM t;\r\n",
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
      LspLines lines(text);
      ActionContext ctx{"file:///t.sql", text, lines, ColumnUnit::utf16, false};
      auto actions = code_actions(d, {}, ctx);
      ASSERT_EQ(actions.size(), 1u);
      EXPECT_EQ(actions[0].title, "Ignore `select-star` here");
      std::string fixed = apply_edits(text, actions[0].edit->changes.at("file:///t.sql"), ColumnUnit::utf16);
      auto after = linter.lint({"t.sql", fixed});
      EXPECT_LT(count_rule(after, "select-star"), stars) << fixed;
      // An own-line comment (or one more rule in one), never a trailing one: the end of a
      // line may be inside a `--` comment or a string.
      const auto& edit = actions[0].edit->changes.at("file:///t.sql").at(0);
      if (!edit.new_text.starts_with(", ")) {
        size_t comment = edit.new_text.find("-- pglens-ignore: select-star");
        ASSERT_NE(comment, std::string::npos) << edit.new_text;
        EXPECT_NE(edit.new_text.find_first_of("\r\n", comment), std::string::npos) << edit.new_text;
        LspLines before_lines(text);
        std::string_view line = before_lines.line_text(edit.range.start.line);
        bool blank_before =
            line.substr(0, edit.range.start.character).find_first_not_of(" \t") == std::string_view::npos;
        EXPECT_TRUE(blank_before || edit.new_text.find_first_of("\r\n") < comment) << edit.new_text;
      }
      EXPECT_EQ(count_rule(after, "unused-ignore"), count_rule(before, "unused-ignore")) << fixed;
      EXPECT_EQ(count_rule(after, "syntax-error"), 0u) << fixed;
    }
  }
}

TEST(LspActions, FixEditsAndDdlBecomeActions) {
  std::string text = "SELECT 1;\n  SELECT a FROM t WHERE lower(email) = $1;\n";
  LspLines lines(text);
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
      if (l % 2) { EXPECT_LE(cached.last_checked(), 1u); }
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
  auto out = without_status(s.send(
      {{"jsonrpc", "2.0"},
       {"method", "textDocument/didOpen"},
       {"params",
        {{"textDocument", {{"uri", "file:///big.sql"}, {"languageId", "sql"}, {"version", 1}, {"text", text}}}}}}));
  ASSERT_EQ(out.size(), 1u);
  const json& diagnostics = out[0]["params"]["diagnostics"];
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0]["code"], "select-star");
  // A one-line edit at the end of the big document re-lints it.
  uint32_t last = static_cast<uint32_t>(std::count(text.begin(), text.end(), '\n')) - 1;
  out = s.send(
      {{"jsonrpc", "2.0"},
       {"method", "textDocument/didChange"},
       {"params",
        {{"textDocument", {{"uri", "file:///big.sql"}, {"version", 2}}},
         {"contentChanges",
          json::array(
              {{{"range", {{"start", {{"line", last}, {"character", 7}}}, {"end", {{"line", last}, {"character", 8}}}}},
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
  auto at = [&](std::string_view needle, uint32_t into) { return static_cast<uint32_t>(text.find(needle)) + into; };
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

namespace pglens::lsp {
namespace {

// A client that counts characters (one `é` short), one that overcounts, a frame without a
// length and one with a bad length: each costs at most its own message.
TEST(LspTransport, ResynchronisesOnTheNextContentLength) {
  MemoryTransport t;
  std::string accented = R"({"text":"café"})";
  t.feed("Content-Length: " + std::to_string(accented.size() - 1) + "\r\n\r\n" + accented);
  t.feed(frame(R"({"b":1})"));
  t.feed(
      "Content-Length: 500\r\n\r\n"
      R"({"c":2})");
  t.feed(frame(R"({"d":3})"));
  t.feed(
      "Content-Type: text/plain\r\n\r\n"
      R"({"lost":true})");
  t.feed(frame(R"({"e":4})"));
  t.feed(
      "Content-Length: 7x\r\n\r\n"
      R"({"lost":1})");
  t.feed(frame(R"({"f":5})"));
  t.close_input();
  std::vector<std::string> bodies;
  std::vector<ReadStatus> statuses;
  for (;;) {
    std::string body, error;
    ReadStatus status = t.read(body, error);
    if (status == ReadStatus::eof) break;
    statuses.push_back(status);
    if (status == ReadStatus::message) bodies.push_back(body);
  }
  EXPECT_EQ(bodies,
            (std::vector<std::string>{accented, R"({"b":1})", R"({"c":2})", R"({"d":3})", R"({"e":4})", R"({"f":5})"}));
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), ReadStatus::bad_frame), 2);
}

// A body that runs into the next header is cut there even when the client then waits: the
// reader does not block for bytes the length promised.
TEST(LspTransport, AnOvercountedBodyDoesNotWaitForMoreBytes) {
  MemoryTransport t;
  t.feed(
      "Content-Length: 1000\r\n\r\n"
      R"({"a":1})" +
      frame(R"({"b":2})"));
  std::string body, error;
  ASSERT_TRUE(t.ready());
  ASSERT_EQ(t.read(body, error), ReadStatus::message);
  EXPECT_EQ(body, R"({"a":1})");
  EXPECT_FALSE(error.empty());
  ASSERT_TRUE(t.ready());
  ASSERT_EQ(t.read(body, error), ReadStatus::message);
  EXPECT_EQ(body, R"({"b":2})");
}

// LSP lines end at \n, \r\n or a lone \r; columns of a long line, counted once, match a
// count from the line's start for every offset.
TEST(LspText, LinesEndAtEveryLineBreakAndLongLinesCountRight) {
  LspLines mixed("a\rb\r\nc\nd");
  ASSERT_EQ(mixed.line_count(), 4u);
  EXPECT_EQ(mixed.line_text(1), "b");
  EXPECT_EQ(mixed.line_ending(0), "\r");
  EXPECT_EQ(mixed.line_ending(1), "\r\n");
  EXPECT_EQ(mixed.position(7, ColumnUnit::utf16), (LspPosition{3, 0}));
  EXPECT_EQ(mixed.offset({2, 0}, ColumnUnit::utf16), 5u);

  std::string line;
  for (int i = 0; line.size() < 5000; ++i) line += i % 3 == 0 ? "é" : i % 3 == 1 ? "😀" : "x";
  std::string text = "SELECT 1;\n" + line + "\nSELECT 2;\n";
  LspLines lines(text);
  uint32_t units = 0;
  for (uint32_t i = 10; i <= 10 + line.size(); ++i) {
    bool boundary = i == 10 + line.size() || (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (boundary) {
      ASSERT_EQ(lines.position(i, ColumnUnit::utf16), (LspPosition{1, units})) << i;
      ASSERT_EQ(lines.offset({1, units}, ColumnUnit::utf16), i) << units;
    }
    if (i < 10 + line.size()) {
      unsigned char c = static_cast<unsigned char>(text[i]);
      units += (c & 0xC0) == 0x80 ? 0 : c >= 0xF0 ? 2 : 1;
    }
  }
}

// Findings on a file with lone \r line breaks land on the lines the editor shows.
TEST(LspServer, LoneCarriageReturnsAreLineBreaks) {
  Session s;
  s.send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", {{"capabilities", json::object()}}}});
  auto out = without_status(s.send({{"jsonrpc", "2.0"},
                                    {"method", "textDocument/didOpen"},
                                    {"params",
                                     {{"textDocument",
                                       {{"uri", "untitled:cr"},
                                        {"languageId", "sql"},
                                        {"version", 1},
                                        {"text", "SELECT 1;\rSELECT 2;\r  SELECT * FROM t;\r"}}}}}}));
  ASSERT_EQ(out.size(), 1u);
  const json& d = out[0]["params"]["diagnostics"].at(0);
  EXPECT_EQ(d["code"], "select-star");
  EXPECT_EQ(d["range"]["start"], (json{{"line", 2}, {"character", 9}}));
}

// A UTF-16 client with an 880 KB line full of findings: the findings land where they are,
// and a hover on another document is answered while that lint has not published (the
// lock is not held across a lint or the column conversion).
TEST(LspServer, LongLineOfAUtf16Client) {
  Session s(std::chrono::milliseconds(0));
  s.send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", {{"capabilities", json::object()}}}});
  s.send({{"jsonrpc", "2.0"},
          {"method", "textDocument/didOpen"},
          {"params",
           {{"textDocument",
             {{"uri", "untitled:small"}, {"languageId", "sql"}, {"version", 1}, {"text", "SELECT * FROM t;\n"}}}}}});
  std::string line;
  while (line.size() < 880'000) line += "SELECT 'é', * FROM t; ";
  s.transport.feed_message(
      json({{"jsonrpc", "2.0"},
            {"method", "textDocument/didOpen"},
            {"params",
             {{"textDocument", {{"uri", "untitled:long"}, {"languageId", "sql"}, {"version", 1}, {"text", line}}}}}})
          .dump());
  s.transport.feed_message(
      json({{"jsonrpc", "2.0"},
            {"id", 2},
            {"method", "textDocument/hover"},
            {"params", {{"textDocument", {{"uri", "untitled:small"}}}, {"position", {{"line", 0}, {"character", 7}}}}}})
          .dump());
  s.connection.process_available();
  // The hover is answered before the long line's lint is waited for.
  bool hover_answered = false;
  for (const auto& body : s.transport.take_output()) {
    json m = json::parse(body);
    if (m.value("id", json()) == 2) hover_answered = m["result"].is_object();
  }
  EXPECT_TRUE(hover_answered);
  s.connection.wait_idle();
  auto out = s.transport.take_output();
  json published;
  for (const auto& body : out) {
    json m = json::parse(body);
    if (m.value("method", "") == "textDocument/publishDiagnostics" && m["params"]["uri"] == "untitled:long")
      published = m;
  }
  ASSERT_TRUE(published.is_object());
  const json& ds = published["params"]["diagnostics"];
  ASSERT_EQ(ds.size(), 1001u);  // the cap, and the note counting the rest
  // The 1000th `*`: each statement is 22 UTF-16 units, its `*` at unit 12.
  EXPECT_EQ(ds[999]["range"]["start"], (json{{"line", 0}, {"character", 999 * 22 + 12}}));
  EXPECT_NE(ds[1000]["message"].get<std::string>().find("more findings"), std::string::npos);
}

// Shutdown does not wait for a lint that is running: the answer comes, the lint's findings
// are dropped, and exit ends the process.
TEST(LspProcess, ShutdownDoesNotWaitForARunningLint) {
  signal(SIGPIPE, SIG_IGN);
  Child c = spawn_lsp();
  std::string text;
  while (text.size() < 10'000'000) text += "SELECT id, total FROM orders WHERE customer_id = 42 AND status = 'open';\n";
  write_all(c.to_child, frame(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}})"));
  write_all(
      c.to_child,
      frame(
          json({{"jsonrpc", "2.0"},
                {"method", "textDocument/didOpen"},
                {"params",
                 {{"textDocument", {{"uri", "untitled:big"}, {"languageId", "sql"}, {"version", 1}, {"text", text}}}}}})
              .dump()));
  write_all(c.to_child, frame(R"({"jsonrpc":"2.0","id":2,"method":"shutdown"})"));
  write_all(c.to_child, frame(R"({"jsonrpc":"2.0","method":"exit"})"));
  close(c.to_child);
  std::string output;
  char chunk[4096];
  for (ssize_t n; (n = read(c.from_child, chunk, sizeof chunk)) > 0;) output.append(chunk, static_cast<size_t>(n));
  EXPECT_EQ(wait_exit(c.pid, std::chrono::seconds(60)), 0);
  close(c.from_child);
  EXPECT_NE(output.find(R"("id":2,"jsonrpc":"2.0","result":null)"), std::string::npos) << output.substr(0, 500);
  EXPECT_EQ(output.find("publishDiagnostics"), std::string::npos);  // the lint was still running
}

}  // namespace
}  // namespace pglens::lsp
