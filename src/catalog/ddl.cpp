// The catalog from DDL files: the DDL statements of a text found, parsed piece by piece and
// applied in order (ddl_statements.hpp), and schema files loaded on several threads in the
// order they are given. What a statement does to the catalog is ddl_statements.cpp's;
// index and partition definitions are ddl_definitions.cpp's.
#include <algorithm>
#include <array>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "catalog/ddl.hpp"
#include "catalog/ddl_statements.hpp"
#include "catalog/parsed_ddl.hpp"
#include "pglens/catalog.hpp"
#include "pglens/source.hpp"
#include "sql/lexer.hpp"
#include "sql/parser.hpp"
#include "sql/pg_names.hpp"
#include "sql/routine_body.hpp"

namespace pg = pglens::sql::pg;

namespace pglens {
namespace catalog {
namespace {
bool is_name_byte(char ch);
}  // namespace
}  // namespace catalog

namespace {

bool starts_like_ddl(std::string_view text, const sql::StatementSpan& st) {
  std::string_view head = text.substr(st.span.begin, std::min<size_t>(8, st.span.end - st.span.begin));
  auto starts = [&](std::string_view word) {
    if (head.size() < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i)
      if (std::toupper(static_cast<unsigned char>(head[i])) != word[i]) return false;
    return true;
  };
  if (starts("CREATE") || starts("ALTER") || starts("DROP")) return true;
  // A DO block whose body may hold DDL (migrations wrap their conditional DDL in one).
  if (!starts("DO") || (head.size() > 2 && catalog::is_name_byte(head[2]))) return false;
  return catalog::may_hold_ddl(text.substr(st.span.begin + 2, st.span.end - st.span.begin - 2));
}

}  // namespace

namespace catalog {
namespace {
// 1: a byte of a name; 2: the first letter of one of the words.
constexpr auto kDdlWordClass = [] {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c)
    table[c] = c >= 0x80 || c == '_' || c == '$' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
  for (unsigned char c : std::string_view("cCaAdD")) table[c] |= 2;
  return table;
}();
bool is_name_byte(char ch) { return kDdlWordClass[static_cast<unsigned char>(ch)] & 1; }

// Whether CREATE, ALTER or DROP, whole, starts at text[i] (a c, a or d not inside a name).
bool ddl_word_at(std::string_view text, size_t i) {
  char c = static_cast<char>(text[i] | 0x20);
  std::string_view word = c == 'c' ? "create" : c == 'a' ? "alter" : "drop";
  if (i + word.size() > text.size()) return false;
  for (size_t k = 1; k < word.size(); ++k)
    if ((text[i + k] | 0x20) != word[k]) return false;
  return i + word.size() == text.size() || !is_name_byte(text[i + word.size()]);
}
}  // namespace

// Whether the word CREATE, ALTER or DROP (in any case, not part of a longer name) is anywhere
// in the text. A text without one holds no DDL statement, and is not lexed: that is most
// files of queries, at a fraction of a lexing pass.
bool may_hold_ddl(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (!(kDdlWordClass[static_cast<unsigned char>(text[i])] & 2) || (i > 0 && is_name_byte(text[i - 1]))) continue;
    if (ddl_word_at(text, i)) return true;
  }
  return false;
}
}  // namespace catalog

namespace {

// The runs of consecutive DDL statements of a file. Only DDL reaches the parser (a file of
// queries costs one lexing pass), and each run is parsed on its own: the parser parses a few
// KiB at a time from the first statement given to the last, so a query between two DDL
// statements would be parsed too, and then the mismatch in count would make it parse every
// statement of that chunk again one by one.
// `lexed` gets the lex of the whole text, when it is lexed.
std::vector<std::vector<sql::StatementSpan>> ddl_runs(std::string_view text, sql::Lexed& lexed) {
  if (!catalog::may_hold_ddl(text)) return {};
  lexed = sql::lex(text);
  std::vector<std::vector<sql::StatementSpan>> runs;
  bool in_run = false;
  for (const auto& st : lexed.statements) {
    bool ddl = starts_like_ddl(text, st);
    if (ddl && !in_run) runs.emplace_back();
    if (ddl) runs.back().push_back(st);
    in_run = ddl;
  }
  return runs;
}

bool is_modelled_ddl(const sql::Node& root) {
  std::string_view k = root.kind();
  return k.starts_with("Create") || k.starts_with("Alter") || k.starts_with("Drop") || k == pg::IndexStmt ||
      k == pg::RenameStmt || k == pg::ViewStmt;
}

// The DDL a DO block runs, applied as if it ran: a migration's block applies it when the
// schema lacks it (`IF NOT EXISTS (...) THEN ALTER TABLE ...`), and the schema it leaves
// behind has it. DDL built at run time (EXECUTE format(...)) is not known.
void apply_do_block(ddl::StatementApplier& loader, const sql::Node& root, std::string_view text) {
  std::optional<sql::RoutineBody> body = sql::do_body(root, text);
  if (!body) return;
  // Its own parser: the block's tree lives on meanwhile. The trees go as each call returns,
  // on this thread, as libpg_query wants.
  thread_local sql::Parser parser;
  for (const sql::BodySql& piece : body->sql) {
    if (!catalog::may_hold_ddl(piece.text)) continue;
    sql::Lexed lexed = sql::lex(piece.text);
    parser.parse(piece.text, lexed.statements, [&](const sql::Statement& inner) {
      if (!inner.root || !is_modelled_ddl(inner.root)) return;
      loader.apply(inner.root,
                   std::string_view(piece.text).substr(inner.span.begin, inner.span.end - inner.span.begin));
    });
  }
}

// Parsed DDL is applied in pieces of about this much text: a piece's trees take some twenty
// times its size, and a schema file may be large.
constexpr uint32_t kPieceBytes = 32 * 1024;

// The text of one DDL source, shared by its pieces.
struct DdlSource {
  std::string origin;  // as facts name it ("db/schema.sql"); empty for none
  std::string text;
  LineIndex lines;
};

// A run of DDL statements, parsed, ready to apply; or the error that ends the load.
struct DdlPiece {
  std::shared_ptr<const DdlSource> source;
  std::optional<sql::ParsedStatements> parsed;
  std::optional<std::string> error;
  unsigned owner = 0;  // the loading thread that parsed it, and must free it
};

// Parses the DDL of `text` and hands it to `emit` piece by piece, in order, while `emit`
// returns true; `on_parsed`, if any, sees each piece first. Returns false when it stopped.
template <class Emit>
bool parse_ddl_text(std::string origin, std::string text, Emit&& emit, const std::filesystem::path* file = nullptr,
                    const ParsedDdlHook* on_parsed = nullptr) {
  sql::Lexed lexed;
  auto runs = ddl_runs(text, lexed);
  if (runs.empty()) return true;
  auto source = std::make_shared<DdlSource>();
  source->origin = std::move(origin);
  source->text = std::move(text);
  source->lines = LineIndex(source->text);
  bool first_piece = true;
  for (const auto& run : runs) {
    for (size_t i = 0; i < run.size();) {
      size_t j = i + 1;
      while (j < run.size() && run[j].end - run[i].span.begin <= kPieceBytes) ++j;
      std::vector<sql::StatementSpan> piece(run.begin() + static_cast<ptrdiff_t>(i),
                                            run.begin() + static_cast<ptrdiff_t>(j));
      sql::ParsedStatements parsed(source->text, piece);
      if (on_parsed && *on_parsed) (*on_parsed)(ParsedDdl{*file, source->text, lexed, parsed, first_piece});
      first_piece = false;
      if (!emit(DdlPiece{source, std::move(parsed), std::nullopt})) return false;
      i = j;
    }
  }
  return true;
}

void apply_piece(ddl::StatementApplier& loader, const DdlPiece& piece) {
  const DdlSource& source = *piece.source;
  for (const auto& st : piece.parsed->statements()) {
    if (!st.root || (!is_modelled_ddl(st.root) && !st.root.is(pg::DoStmt))) continue;
    loader.set_origin(source.origin.empty()
                          ? std::string()
                          : fmt::format("{}:{}", source.origin, source.lines.line_of(st.span.begin) + 1));
    if (st.root.is(pg::DoStmt)) apply_do_block(loader, st.root, source.text);
    else loader.apply(st.root, std::string_view(source.text).substr(st.span.begin, st.span.end - st.span.begin));
  }
}

}  // namespace

void load_ddl(Catalog& catalog, std::string_view text, std::string_view origin) {
  ddl::StatementApplier loader(catalog, std::string(origin));
  parse_ddl_text(std::string(origin), std::string(text), [&](const DdlPiece& piece) {
    apply_piece(loader, piece);
    return true;
  });
}

namespace {
// The file's text as the linter reads SQL (decode_source): a BOM dropped; NUL bytes or bytes
// that are not UTF-8 are an error naming the file and the place.
std::optional<std::string> read_ddl_file(const std::filesystem::path& file, std::string& text,
                                         const PrereadFiles* preread) {
  std::string bytes;
  auto known = preread ? preread->find(file.string()) : PrereadFiles::const_iterator();
  if (preread && known != preread->end()) bytes = known->second;
  else if (auto err = read_bytes(file.string(), bytes)) return fmt::format("schema file {}: {}", file.string(), *err);
  SourceFile decoded;
  DecodeError error;
  if (!decode_source(file.string(), std::move(bytes), decoded, error))
    return fmt::format("schema file {}:{}:{}: {}", file.string(), error.position.line, error.position.column,
                       error.message);
  text = std::move(decoded.text);
  return std::nullopt;
}

// What load_ddl_paths loads, in load order: a schema file, or the error met on a path.
struct DdlUnit {
  std::filesystem::path file;
  std::optional<std::string> error;
  bool named = false;  // the path named the file itself, not a directory above it
};

// The paths expanded to files, directories recursed for *.sql in path order (migrations apply
// in that order). A path that cannot be read is skipped or, with UnreadableDdl::fail, its error
// is the last unit.
std::vector<DdlUnit> ddl_units(const std::vector<std::string>& paths, const std::filesystem::path& root,
                               UnreadableDdl unreadable) {
  namespace fs = std::filesystem;
  bool skip = unreadable == UnreadableDdl::skip;
  std::vector<DdlUnit> units;
  for (const auto& p : paths) {
    fs::path path = fs::path(p).is_absolute() ? fs::path(p) : root / p;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> files;
      for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file() && it->path().extension() == ".sql") files.push_back(it->path());
      if (ec && !skip) {
        units.push_back({{}, fmt::format("schema path {}: {}", path.string(), ec.message())});
        return units;
      }
      std::sort(files.begin(), files.end());
      for (auto& f : files) units.push_back({std::move(f), std::nullopt});
    } else if (fs::exists(path, ec)) {
      units.push_back({std::move(path), std::nullopt, true});
    } else if (!skip) {
      units.push_back({{}, fmt::format("schema path {}: no such file or directory", path.string())});
      return units;
    }
  }
  return units;
}

// Loads DDL units on one or more threads. Each thread takes the next unit, reads and parses
// it, and hands its pieces in; the caller's thread applies them in load order, and parses a
// unit too whenever nothing is ready to apply. (A thread that only applied waited for the
// parsing one; applying on whichever thread was free cost more than it gained, as the
// catalog's tables then move between the cores' caches.) A thread frees the pieces it
// parsed, as libpg_query wants.
class DdlLoad {
 public:
  DdlLoad(std::vector<DdlUnit> units, const std::filesystem::path& root, UnreadableDdl unreadable,
          const ParsedDdlHook& on_parsed, std::function<bool(const DdlPiece&)> apply, unsigned threads,
          const PrereadFiles* preread)
      : units_(std::move(units)),
        preread_(preread),
        root_(root),
        skip_unreadable_(unreadable == UnreadableDdl::skip),
        on_parsed_(on_parsed),
        apply_(std::move(apply)),
        slots_(units_.size()),
        workers_(threads) {}

  // Runs the load on the caller's thread and threads - 1 more; rethrows what one of them threw
  // (out of memory ...) once all have stopped and freed their pieces.
  void run() {
    std::vector<std::thread> others;
    try {
      for (unsigned w = 1; w < workers_.size(); ++w) others.emplace_back([this, w] { work(w); });
    } catch (const std::system_error&) {
      // No more threads to be had: the ones running do the whole load.
    }
    work(0);
    for (auto& t : others) t.join();
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  struct Slot {  // a unit's pieces parsed and not yet applied
    std::deque<DdlPiece> ready;
    bool complete = false;  // every piece of it is in
  };
  struct Worker {
    std::vector<DdlPiece> to_free;  // its pieces, applied or dropped
    size_t outstanding = 0;         // its pieces not yet freed
  };

  void work(unsigned me) {
    std::unique_lock lock(mu_);
    for (;;) {
      free_mine(me, lock);
      if (stopped_) {
        drop_unapplied(me);
        if (workers_[me].to_free.empty() && workers_[me].outstanding == 0) return;
        if (workers_[me].to_free.empty()) changed_.wait(lock);
        continue;
      }
      if (me == kApplier && apply_ready(lock)) continue;
      if (next_unit_ < units_.size()) {
        size_t unit = next_unit_++;
        lock.unlock();
        parse_unit(unit, me);
        lock.lock();
        slots_[unit].complete = true;
        changed_.notify_all();
        continue;
      }
      if (workers_[me].outstanding == 0 && (me != kApplier || applying_unit_ == slots_.size())) return;
      changed_.wait(lock);
    }
  }

  // Reads and parses one unit, handing in its pieces.
  void parse_unit(size_t unit, unsigned me) {
    try {
      const DdlUnit& u = units_[unit];
      if (u.error) {
        hand_in(unit, me, DdlPiece{nullptr, std::nullopt, u.error});
        return;
      }
      std::string text;
      if (auto err = read_ddl_file(u.file, text, preread_)) {
        if (!skip_unreadable_) hand_in(unit, me, DdlPiece{nullptr, std::nullopt, std::move(err)});
        return;
      }
      std::error_code rel_ec;
      std::filesystem::path shown = std::filesystem::relative(u.file, root_, rel_ec);
      bool outside = rel_ec || shown.empty() || *shown.begin() == "..";
      size_t pieces = 0;
      parse_ddl_text((outside ? u.file : shown).string(), std::move(text),
                     [&](DdlPiece piece) {
                       ++pieces;
                       return hand_in(unit, me, std::move(piece));
                     },
                     &u.file, &on_parsed_);
      // A schema file named in the config that is not a .sql file and gives the catalog
      // nothing is a mistake to report (a README named by mistake), not a schema.
      if (pieces == 0 && u.named && !skip_unreadable_ && u.file.extension() != ".sql")
        hand_in(unit, me,
                DdlPiece{nullptr, std::nullopt,
                         fmt::format("schema file {}: no DDL statement in it (CREATE TABLE, CREATE INDEX, "
                                     "ALTER TABLE ...): is it SQL?",
                                     u.file.string())});
    } catch (...) { fail(std::current_exception()); }
  }

  // A parsed piece of `unit`; on the applying thread, then applies what is ready. Waits while
  // the pieces not yet applied hold kInFlightBytes of text (their trees some twenty times
  // that), unless this unit is the one applying: memory stays bounded whatever the schema's
  // size. False when the load stopped: parse no more.
  bool hand_in(size_t unit, unsigned me, DdlPiece piece) {
    std::unique_lock lock(mu_);
    size_t size = bytes(piece);
    for (;;) {
      free_mine(me, lock);
      if (stopped_) break;
      skip_applied_units();
      if (unit == applying_unit_ || in_flight_bytes_ + size <= kInFlightBytes) break;
      if (me != kApplier || !apply_ready(lock)) changed_.wait(lock);
    }
    piece.owner = me;
    if (stopped_) {
      workers_[me].to_free.push_back(std::move(piece));
      ++workers_[me].outstanding;
      return false;
    }
    slots_[unit].ready.push_back(std::move(piece));
    ++workers_[me].outstanding;
    in_flight_bytes_ += size;
    changed_.notify_all();
    if (me == kApplier) apply_ready(lock);
    return !stopped_;
  }

  // Applying thread: applies the pieces that are next in load order. True when it applied one.
  bool apply_ready(std::unique_lock<std::mutex>& lock) {
    bool applied = false;
    for (;;) {
      skip_applied_units();
      if (stopped_ || applying_unit_ == slots_.size() || slots_[applying_unit_].ready.empty()) break;
      DdlPiece piece = std::move(slots_[applying_unit_].ready.front());
      slots_[applying_unit_].ready.pop_front();
      in_flight_bytes_ -= bytes(piece);
      lock.unlock();
      bool go = false;
      std::exception_ptr thrown;
      try {
        go = apply_(piece);
      } catch (...) { thrown = std::current_exception(); }
      lock.lock();
      workers_[piece.owner].to_free.push_back(std::move(piece));
      applied = true;
      if (thrown) failure_ = failure_ ? failure_ : thrown;
      if (!go) stopped_ = true;
    }
    if (applied) changed_.notify_all();
    return applied;
  }

  void skip_applied_units() {
    while (applying_unit_ < slots_.size() && slots_[applying_unit_].complete && slots_[applying_unit_].ready.empty())
      ++applying_unit_;
  }

  void fail(std::exception_ptr e) {
    std::lock_guard lock(mu_);
    if (!failure_) failure_ = std::move(e);
    stopped_ = true;
    changed_.notify_all();
  }

  // Once stopped: the pieces this thread parsed that will never apply.
  void drop_unapplied(unsigned me) {
    for (auto& slot : slots_) {
      for (auto it = slot.ready.begin(); it != slot.ready.end();) {
        if (it->owner != me) {
          ++it;
          continue;
        }
        in_flight_bytes_ -= bytes(*it);
        workers_[me].to_free.push_back(std::move(*it));
        it = slot.ready.erase(it);
      }
    }
  }

  void free_mine(unsigned me, std::unique_lock<std::mutex>& lock) {
    Worker& w = workers_[me];
    if (w.to_free.empty()) return;
    std::vector<DdlPiece> done = std::move(w.to_free);
    w.to_free.clear();
    w.outstanding -= done.size();
    lock.unlock();
    done.clear();  // the trees go here, on the thread that parsed them
    lock.lock();
    changed_.notify_all();
  }

  static size_t bytes(const DdlPiece& piece) {
    if (!piece.parsed || piece.parsed->statements().empty()) return 0;  // an error
    const auto& statements = piece.parsed->statements();
    return statements.back().end - statements.front().span.begin;
  }

  static constexpr size_t kInFlightBytes = size_t{256} * 1024;
  static constexpr unsigned kApplier = 0;  // the caller's thread

  const std::vector<DdlUnit> units_;
  const PrereadFiles* preread_;
  const std::filesystem::path& root_;
  const bool skip_unreadable_;
  const ParsedDdlHook& on_parsed_;
  const std::function<bool(const DdlPiece&)> apply_;

  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<Slot> slots_;  // by unit
  std::vector<Worker> workers_;
  size_t next_unit_ = 0;      // the next to parse
  size_t applying_unit_ = 0;  // the unit whose pieces apply next
  size_t in_flight_bytes_ = 0;
  bool stopped_ = false;
  std::exception_ptr failure_;
};
}  // namespace

std::optional<std::string> load_ddl_paths(Catalog& catalog, const std::vector<std::string>& paths,
                                          const std::filesystem::path& root, UnreadableDdl unreadable, unsigned threads,
                                          const ParsedDdlHook& on_parsed, const PrereadFiles* preread) {
  std::vector<DdlUnit> units = ddl_units(paths, root, unreadable);
  ddl::StatementApplier loader(catalog, std::string());
  std::optional<std::string> error;
  // Applies a piece; false at an error, which ends the load.
  auto apply = [&](const DdlPiece& piece) {
    if (piece.error) {
      error = piece.error;
      return false;
    }
    // A schema statement that does not parse would leave its table out of the catalog
    // without a word; the linted files' own are the lint's to report.
    if (unreadable == UnreadableDdl::fail)
      for (const auto& st : piece.parsed->statements())
        if (st.error && !st.error->too_deep) {
          Position at = piece.source->lines.position(st.error->offset);
          error = fmt::format("schema file {}:{}:{}: {} (fix it or leave the file out of `schema`)",
                              piece.source->origin, at.line, at.column, st.error->message);
          return false;
        }
    apply_piece(loader, piece);
    return true;
  };
  threads = std::clamp<unsigned>(threads, 1, static_cast<unsigned>(std::max<size_t>(units.size(), 1)));
  DdlLoad(std::move(units), root, unreadable, on_parsed, apply, threads, preread).run();
  return error;
}

}  // namespace pglens
