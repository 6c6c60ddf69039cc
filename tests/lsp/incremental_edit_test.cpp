// The incremental lint of an edited document (LintCache, as the language server uses it)
// against a lint of the final text from scratch, after every one of many random edits:
// insertions and deletions anywhere, statements split and merged, suppression comments
// added and removed, runs of single-row INSERTs made and broken, non-ASCII text, undo.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>

#include "lsp/incremental.hpp"
#include "lsp/session.hpp"
#include "lsp/text.hpp"
#include "pglens/lint.hpp"
#include "pglens/rule.hpp"
#include "support/fixtures.hpp"

namespace pglens::lsp {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Random edits of SQL text, from a seed (the same seed gives the same edits).
class Editor {
 public:
  explicit Editor(uint32_t seed) : random_(seed) {}

  // Edits `text` in place; returns the byte range replaced in the old text and the new bytes.
  struct Edit {
    uint32_t from = 0, to = 0;
    std::string with;
  };
  Edit next(const std::string& text) {
    Edit e;
    switch (pick(12)) {
      case 0:
      case 1: {  // a snippet anywhere
        static const std::vector<std::string> snippets = {"\n",
                                                          ";",
                                                          " ",
                                                          "(",
                                                          ")",
                                                          "'",
                                                          "\"",
                                                          "--",
                                                          "/*",
                                                          "*/",
                                                          "$$",
                                                          "é",
                                                          "𝄞",
                                                          ",",
                                                          "*",
                                                          "\\",
                                                          "SELECT * FROM t",
                                                          " WHERE lower(email) = 'x'",
                                                          "BEGIN ATOMIC ",
                                                          " END",
                                                          "INSERT INTO tags (name) VALUES ('x');\n",
                                                          "SELECT * FROM orders;\n",
                                                          "SELECT 1;",
                                                          "-- é😀 note\n"};
        e.from = e.to = offset(text);
        e.with = snippets[pick(snippets.size())];
        break;
      }
      case 2:
      case 3: {  // delete a short range
        e.from = offset(text);
        e.to = boundary(
            text, std::min<uint32_t>(static_cast<uint32_t>(text.size()), e.from + 1 + static_cast<uint32_t>(pick(40))));
        break;
      }
      case 4: {  // merge two statements: drop a `;`
        auto at = nth(text, ";");
        if (at) e = {*at, *at + 1, ""};
        break;
      }
      case 5: {  // split a statement: a `;` at a line end
        uint32_t at = line_end(text, offset(text));
        e = {at, at, ";"};
        break;
      }
      case 6: {  // duplicate a line (runs of single-row INSERTs, repeated statements)
        uint32_t b = line_start(text, offset(text)), end = line_end(text, b);
        e = {b, b, text.substr(b, end - b) + "\n"};
        break;
      }
      case 7: {  // a suppression comment above a line, or trailing one
        static const std::vector<std::string> rules = {"select-star",
                                                       "single-row-inserts",
                                                       "syntax-error",
                                                       "unused-ignore",
                                                       "missing-index",
                                                       "no-such-rule",
                                                       "select-star, single-row-inserts"};
        const std::string& rule = rules[pick(rules.size())];
        uint32_t b = line_start(text, offset(text));
        switch (pick(4)) {
          case 0: e = {b, b, "-- pglens-ignore: " + rule + "\n"}; break;
          case 1: e = {b, b, "/* pglens-ignore: " + rule + " */ "}; break;
          case 2: e = {line_end(text, b), line_end(text, b), "  -- pglens-ignore: " + rule}; break;
          default: e = {0, 0, "-- pglens-ignore-file: " + rule + "\n"}; break;
        }
        break;
      }
      case 8: {  // remove a suppression comment
        auto at = nth(text, "pglens-ignore");
        if (!at) break;
        uint32_t b = *at;
        while (b > 0 && text[b - 1] != '\n' && !(text[b - 1] == '-' && b >= 2 && text[b - 2] == '-') &&
               text[b - 1] != '*')
          --b;
        if (b >= 2 && (text.compare(b - 2, 2, "--") == 0 || text.compare(b - 2, 2, "/*") == 0)) b -= 2;
        e = {b, line_end(text, *at), ""};
        break;
      }
      case 9: {  // replace a word, as typing does
        uint32_t b = offset(text);
        uint32_t end = b;
        while (end < text.size() && std::isalnum(static_cast<unsigned char>(text[end]))) ++end;
        static const std::vector<std::string> words = {"id", "name", "*", "orders", "tags", "1", "NULL"};
        e = {b, end, words[pick(words.size())]};
        break;
      }
      case 10: {  // move a line elsewhere
        uint32_t b = line_start(text, offset(text)),
                 end = std::min<uint32_t>(line_end(text, b) + 1, static_cast<uint32_t>(text.size()));
        e = {b, end, ""};
        break;
      }
      default: {  // an INSERT run
        uint32_t b = line_start(text, offset(text));
        std::string run;
        size_t n = 2 + pick(6);
        for (size_t i = 0; i < n; ++i) run += "INSERT INTO tags (name) VALUES ('t" + std::to_string(i) + "');\n";
        e = {b, b, run};
        break;
      }
    }
    return e;
  }

  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(random_); }

 private:
  // A random offset on a character boundary.
  uint32_t offset(const std::string& text) {
    return boundary(text, static_cast<uint32_t>(std::uniform_int_distribution<size_t>(0, text.size())(random_)));
  }
  static uint32_t boundary(const std::string& text, uint32_t at) {
    while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) ++at;
    return at;
  }
  static uint32_t line_start(const std::string& text, uint32_t at) {
    while (at > 0 && text[at - 1] != '\n') --at;
    return at;
  }
  static uint32_t line_end(const std::string& text, uint32_t at) {
    size_t nl = text.find('\n', at);
    return static_cast<uint32_t>(nl == std::string::npos ? text.size() : nl);
  }
  // A random occurrence of `what`.
  std::optional<uint32_t> nth(const std::string& text, std::string_view what) {
    std::vector<uint32_t> all;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
      all.push_back(static_cast<uint32_t>(at));
    if (all.empty()) return std::nullopt;
    return all[pick(all.size())];
  }

  std::mt19937 random_;
};

void apply_edit(std::string& text, const Editor::Edit& e) { text.replace(e.from, e.to - e.from, e.with); }

struct Fixture {
  fs::path path;
  std::string text;
  std::shared_ptr<const Linter> linter;
  std::shared_ptr<const Catalog> catalog;
};

// Every SQL fixture with its own configuration and the catalog of its DDL, as the fixture
// runner lints it; and all of them in one document with the defaults.
std::vector<Fixture> fixtures() {
  std::vector<Fixture> out;
  std::string all;
  for (const fs::path& path : pglens::test::sql_fixture_files()) {
    Config config;
    fs::path toml = path;
    toml.replace_extension(".toml");
    if (fs::exists(toml)) { EXPECT_FALSE(load_config(toml, config)); }
    auto catalog = std::make_shared<Catalog>();
    EXPECT_FALSE(build_catalog(config, {.extra_ddl = {path}, .db_url = {}, .use_environment = false}, *catalog));
    std::string text = pglens::test::read_file(path);
    all += text + "\n";
    out.push_back({path, text, std::make_shared<const Linter>(config), catalog});
  }
  out.push_back({"all fixtures", all, std::make_shared<const Linter>(Config{}), std::make_shared<const Catalog>()});
  return out;
}

std::string describe(const std::vector<Diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds)
    out += d.rule + " [" + std::to_string(d.span.begin) + "," + std::to_string(d.span.end) + ") " + d.message + "\n";
  return out;
}

TEST(LspIncrementalEdits, RandomEditsGiveTheFindingsOfALintFromScratch) {
  size_t edits = 0, partial = 0;
  for (const Fixture& f : fixtures()) {
    SCOPED_TRACE(f.path.string());
    for (uint32_t seed = 1; seed <= 5; ++seed) {
      Editor editor(seed);
      DocumentLinter cached;
      std::string text = f.text;
      std::vector<std::string> history;
      for (int step = 0; step < 80; ++step) {
        if (!history.empty() && editor.pick(10) == 0) {  // undo a few edits
          text = history[history.size() - 1 - editor.pick(std::min<size_t>(history.size(), 5))];
        } else {
          history.push_back(text);
          apply_edit(text, editor.next(text));
        }
        if (text.size() > 12000) text.erase(text.size() / 2);
        auto expected = f.linter->lint({"f.sql", text}, *f.catalog);
        auto got = cached.lint(f.linter, f.catalog, {"f.sql", text});
        ASSERT_EQ(got, expected) << "seed " << seed << " step " << step << "\n--- text:\n"
                                 << text << "\n--- incremental:\n"
                                 << describe(got) << "--- from scratch:\n"
                                 << describe(expected);
        ++edits;
        if (cached.last_checked() < cached.last_statements()) ++partial;
      }
    }
  }
  // Most edits re-check only some statements (the rest comes from the cache).
  EXPECT_GT(partial, edits / 2);
}

// The cache holds for one linter and catalog: another configuration or schema is seen.
TEST(LspIncrementalEdits, AnotherConfigurationOrCatalogIsNotServedFromTheCache) {
  std::string text = "SELECT * FROM t;\nINSERT INTO t (a) VALUES (1);\nINSERT INTO t (a) VALUES (2);\n";
  auto defaults = std::make_shared<const Linter>(Config{});
  Config two;
  two.rules["single-row-inserts"].options["min-run"] = int64_t{2};
  auto runs_of_two = std::make_shared<const Linter>(two);
  auto none = std::make_shared<const Catalog>();
  DocumentLinter cached;
  auto count = [](const std::vector<Diagnostic>& ds, std::string_view rule) {
    return std::count_if(ds.begin(), ds.end(), [&](const Diagnostic& d) { return d.rule == rule; });
  };
  EXPECT_EQ(count(cached.lint(defaults, none, {"f.sql", text}), "single-row-inserts"), 0);
  EXPECT_EQ(count(cached.lint(runs_of_two, none, {"f.sql", text}), "single-row-inserts"), 1);
  EXPECT_EQ(cached.last_checked(), 3u);
  EXPECT_EQ(cached.lint(runs_of_two, none, {"f.sql", text}), runs_of_two->lint({"f.sql", text}));
  EXPECT_EQ(cached.last_checked(), 0u);
  auto schema = std::make_shared<Catalog>();
  ASSERT_FALSE(build_catalog(
      Config{}, {.extra_ddl = {pglens::test::testdata("catalog/shop.sql")}, .db_url = {}, .use_environment = false},
      *schema));
  std::shared_ptr<const Catalog> shop = schema;
  EXPECT_EQ(cached.lint(runs_of_two, shop, {"f.sql", text}), runs_of_two->lint({"f.sql", text}, *shop));
  EXPECT_EQ(cached.last_checked(), 3u);
}

// Through the server, with edits sent as LSP ranges in UTF-16 (several per didChange at
// times): what it publishes after each edit is the lint of the text from scratch, at the
// positions of the current text.
TEST(LspIncrementalEdits, ServerPublishesTheFindingsOfTheCurrentText) {
  Session session(std::chrono::milliseconds(0));
  auto send = [&](const json& message) { return session.send(message); };
  send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", {{"capabilities", json::object()}}}});
  std::string text;
  for (int i = 0; i < 40; ++i) {
    text += "SELECT 'é😀', * FROM orders WHERE id = " + std::to_string(i) + ";\n";
    if (i % 7 == 0) text += "INSERT INTO tags (name) VALUES ('a');\nINSERT INTO tags (name) VALUES ('b');\n";
  }
  const std::string uri = "untitled:edits.sql";
  Linter linter{Config{}};
  auto expected_for = [&](const std::string& t) {
    LspLines lines(t);
    json out = json::array();
    for (const Diagnostic& d : linter.lint({uri, t})) {
      Range r = lines.range(d.span, ColumnUnit::utf16);
      out.push_back({r.start.line, r.start.character, r.end.line, r.end.character, d.rule, d.message});
    }
    return out;
  };
  auto published = [&](const std::vector<json>& out, int64_t version) {
    json got = json::array();
    bool seen = false;
    for (const json& m : out) {
      if (m.value("method", "") != "textDocument/publishDiagnostics" || m["params"]["version"] != version) continue;
      seen = true;
      for (const json& d : m["params"]["diagnostics"]) {
        const json& r = d["range"];
        got.push_back({r["start"]["line"], r["start"]["character"], r["end"]["line"], r["end"]["character"],
                       d.value("code", ""), d["message"]});
      }
    }
    EXPECT_TRUE(seen) << "no diagnostics for version " << version;
    return got;
  };
  auto out =
      send({{"jsonrpc", "2.0"},
            {"method", "textDocument/didOpen"},
            {"params", {{"textDocument", {{"uri", uri}, {"languageId", "sql"}, {"version", 1}, {"text", text}}}}}});
  ASSERT_EQ(published(out, 1), expected_for(text));
  Editor editor(7);
  for (int64_t version = 2; version < 150; ++version) {
    json changes = json::array();
    size_t n = 1 + (editor.pick(4) == 0 ? editor.pick(3) : 0);
    for (size_t c = 0; c < n; ++c) {
      Editor::Edit e = editor.next(text);
      LspLines lines(text);
      Range r = lines.range({e.from, e.to}, ColumnUnit::utf16);
      changes.push_back({{"range",
                          {{"start", {{"line", r.start.line}, {"character", r.start.character}}},
                           {"end", {{"line", r.end.line}, {"character", r.end.character}}}}},
                         {"text", e.with}});
      apply_edit(text, e);
    }
    out = send({{"jsonrpc", "2.0"},
                {"method", "textDocument/didChange"},
                {"params", {{"textDocument", {{"uri", uri}, {"version", version}}}, {"contentChanges", changes}}}});
    ASSERT_EQ(published(out, version), expected_for(text)) << "version " << version << "\n" << text;
  }
}

// An edit copies no finding of the statements it left alone: the lint hands out those the
// cache keeps, and the same ones again after the next edit.
TEST(LspIncrementalEdits, AnEditSharesTheFindingsOfTheStatementsItKept) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "SELECT * FROM orders WHERE id = " + std::to_string(i) + ";\n";
  auto linter = std::make_shared<const Linter>(Config{});
  auto none = std::make_shared<const Catalog>();
  DocumentLinter cached;
  SharedFindings before = cached.lint_shared(linter, none, {"f.sql", text});
  ASSERT_EQ(before.size(), 50u);
  ASSERT_EQ(before.runs().size(), 50u);
  // The 11th statement changes, and a line goes in before the 30th: the others move along.
  text.insert(text.find("= 10;"), "10 + ");
  text.insert(text.find("SELECT * FROM orders WHERE id = 29;"), "\n");
  SharedFindings after = cached.lint_shared(linter, none, {"f.sql", text});
  EXPECT_EQ(cached.last_checked(), 1u);
  EXPECT_EQ(after.flatten(), linter->lint({"f.sql", text}));
  ASSERT_EQ(after.runs().size(), 50u);
  for (size_t k = 0; k < 50; ++k) {
    SCOPED_TRACE(k);
    EXPECT_EQ(after.runs()[k].findings == before.runs()[k].findings, k != 10);
    EXPECT_GT(after.runs()[k].length, 0u);  // each finding lies within its statement
  }
  // A suppression to apply: the findings are copied and filtered, as without a cache.
  text.insert(0, "-- pglens-ignore-file: select-star\n");
  SharedFindings suppressed = cached.lint_shared(linter, none, {"f.sql", text});
  EXPECT_EQ(suppressed.flatten(), linter->lint({"f.sql", text}));
}

// What the server publishes after each edit, byte for byte, is what a server that opened the
// edited text would publish: the JSON it keeps for each statement's findings, written again
// at the statement's new lines and columns, is that of the findings converted anew. The text
// has CRLF and lone CR line breaks, statements sharing a line, strings over several lines,
// non-ASCII text before findings on a line (UTF-16 columns), and runs of single-row INSERTs
// (findings across statements, with a related location).
TEST(LspIncrementalEdits, PublishedJsonIsThatOfAServerThatOpenedTheText) {
  auto initialize = [](Session& s) {
    s.send({{"jsonrpc", "2.0"},
            {"id", 1},
            {"method", "initialize"},
            {"params",
             {{"capabilities", {{"textDocument", {{"publishDiagnostics", {{"relatedInformation", true}}}}}}},
              {"initializationOptions", {{"maxDiagnostics", 40}}}}}});
  };
  Session edited(std::chrono::milliseconds(0));
  initialize(edited);
  std::string text;
  for (int i = 0; i < 30; ++i) {
    text += "SELECT 'é😀', * FROM orders WHERE id = " + std::to_string(i) + ";" + (i % 3 == 0 ? "\r\n" : "\n");
    if (i % 5 == 0) text += "SELECT 1; SELECT * FROM t; -- two on a line\r";
    if (i % 7 == 0) text += "SELECT 'a\nb', * FROM t\r\n  WHERE x NOT IN (SELECT y FROM u);\n";
    if (i % 11 == 0)
      for (int k = 0; k < 5; ++k) text += "INSERT INTO tags (name) VALUES ('" + std::to_string(k) + "');\n";
  }
  const std::string uri = "untitled:published.sql";
  auto diagnostics_of = [&](const std::vector<json>& out, int64_t version) {
    for (const json& m : out)
      if (m.value("method", "") == "textDocument/publishDiagnostics" && m["params"]["version"] == version)
        return m["params"]["diagnostics"];
    ADD_FAILURE() << "no diagnostics for version " << version;
    return json();
  };
  auto fresh = [&](int64_t version) {
    Session s(std::chrono::milliseconds(0));
    initialize(s);
    return diagnostics_of(
        s.send({{"jsonrpc", "2.0"},
                {"method", "textDocument/didOpen"},
                {"params",
                 {{"textDocument", {{"uri", uri}, {"languageId", "sql"}, {"version", version}, {"text", text}}}}}}),
        version);
  };
  auto first = edited.send(
      {{"jsonrpc", "2.0"},
       {"method", "textDocument/didOpen"},
       {"params", {{"textDocument", {{"uri", uri}, {"languageId", "sql"}, {"version", 1}, {"text", text}}}}}});
  ASSERT_EQ(diagnostics_of(first, 1), fresh(1));
  Editor editor(11);
  for (int64_t version = 2; version < 80; ++version) {
    Editor::Edit e = editor.next(text);
    if (editor.pick(6) == 0) e.with += editor.pick(2) ? "\r\n" : "\r";
    // No LSP position lies between the two bytes of a CRLF: an end there moves before it.
    auto splits_crlf = [&](uint32_t at) {
      return at > 0 && at < text.size() && text[at - 1] == '\r' && text[at] == '\n';
    };
    if (splits_crlf(e.from)) --e.from;
    if (splits_crlf(e.to)) --e.to;
    LspLines lines(text);
    Range r = lines.range({e.from, e.to}, ColumnUnit::utf16);
    json change = {{"range",
                    {{"start", {{"line", r.start.line}, {"character", r.start.character}}},
                     {"end", {{"line", r.end.line}, {"character", r.end.character}}}}},
                   {"text", e.with}};
    apply_edit(text, e);
    auto out = edited.send(
        {{"jsonrpc", "2.0"},
         {"method", "textDocument/didChange"},
         {"params",
          {{"textDocument", {{"uri", uri}, {"version", version}}}, {"contentChanges", json::array({change})}}}});
    ASSERT_EQ(diagnostics_of(out, version), fresh(version)) << "version " << version << "\n" << text;
  }
}

}  // namespace
}  // namespace pglens::lsp
