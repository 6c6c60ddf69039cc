// Differential fuzzing of the incremental lint an editor uses (LintCache: re-lexing only the
// changed part, findings of unchanged statements reused): after every edit it must find
// exactly what a lint of the text from scratch finds.
// Input: the first text, then edits, separated by 0xFF bytes (never part of UTF-8): an edit
// is 2 bytes of position, 1 byte of length to delete, then the bytes to insert there.
// Without a separator (the SQL fixtures as seeds), a fixed set of edits is applied. At most
// kMaxEdits edits per input: each costs two lints, and CI wants 100,000 inputs per target.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pglens/lint.hpp"

namespace {

constexpr size_t kMaxEdits = 4;

struct Edit {
  size_t at = 0;  // scaled to the text's size when applied
  size_t erase = 0;
  std::string insert;
};

void apply(std::string& text, const Edit& e) {
  size_t at = text.empty() ? 0 : e.at % (text.size() + 1);
  text.erase(at, e.erase);
  text.insert(at, e.insert);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const pglens::Linter linter{pglens::Config{}};
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t cut = input.find('\xff');
  std::string text(input.substr(0, cut));
  std::vector<Edit> edits;
  if (cut == std::string_view::npos) {
    size_t n = text.size();
    // Each splits or joins statements: the boundaries the incremental lint must re-find.
    edits = {{n / 2, n / 3, ";"}, {n / 3, 0, "'"}, {n / 4, 1, "-- pglens-ignore: select-star\n"}, {0, 0, "/*"}};
  } else {
    input.remove_prefix(cut + 1);
    while (!input.empty() && edits.size() < kMaxEdits) {
      size_t next = input.find('\xff');
      std::string_view piece = input.substr(0, next);
      Edit e;
      if (piece.size() >= 3) {
        e.at = static_cast<unsigned char>(piece[0]) | static_cast<size_t>(static_cast<unsigned char>(piece[1])) << 8;
        e.erase = static_cast<unsigned char>(piece[2]);
        e.insert = std::string(piece.substr(3));
      }
      edits.push_back(std::move(e));
      if (next == std::string_view::npos) break;
      input.remove_prefix(next + 1);
    }
  }
  pglens::LintCache cache;
  auto check = [&](const std::string& version) {
    pglens::SourceFile file;
    pglens::DecodeError error;
    if (!pglens::decode_source("fuzz.sql", version, file, error)) return;
    if (linter.lint(file, pglens::Catalog::none(), cache) != linter.lint(file)) __builtin_trap();
  };
  check(text);
  for (const Edit& e : edits) {
    apply(text, e);
    check(text);
  }
  return 0;
}
