#include "lsp/text.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace pglens::lsp {
namespace {

// UTF-16 code units of the UTF-8 sequence whose lead byte is `c` (continuation bytes: 0).
uint32_t utf16_units(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xC0) == 0x80) return 0;
  return c >= 0xF0 ? 2 : 1;
}

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

void LspLines::scan(uint32_t line) const {
  const char* base = text_.data();
  size_t size = text_.size();
  while (starts_.size() <= line && scanned_ < size) {
    // A chunk at a time: one without "\r" (nearly every text) is searched with memchr.
    size_t i = scanned_;
    if (i >= no_cr_until_) {
      size_t end = std::min(size, i + 65536);
      if (!std::memchr(base + i, '\r', end - i)) no_cr_until_ = end;
    }
    size_t chunk_end = i < no_cr_until_ ? no_cr_until_ : std::min(size, i + 65536);
    if (i < no_cr_until_) {
      while (starts_.size() <= line) {
        const void* nl = std::memchr(base + i, '\n', chunk_end - i);
        if (!nl) {
          i = chunk_end;
          break;
        }
        i = static_cast<size_t>(static_cast<const char*>(nl) - base) + 1;
        starts_.push_back(static_cast<uint32_t>(i));
      }
    } else {
      for (; i < chunk_end && starts_.size() <= line; ++i) {
        if (base[i] == '\r' && i + 1 < size && base[i + 1] == '\n') ++i;
        if (base[i] == '\n' || base[i] == '\r') starts_.push_back(static_cast<uint32_t>(i + 1));
      }
    }
    scanned_ = std::max(scanned_, i);
  }
}

uint32_t LspLines::line_end(uint32_t line) const {
  scan(line + 1);
  return line + 1 < starts_.size() ? starts_[line + 1] : static_cast<uint32_t>(text_.size());
}

std::string_view LspLines::line_text(uint32_t line) const {
  scan(line);
  if (line >= starts_.size()) return {};
  uint32_t start = starts_[line];
  std::string_view s = text_.substr(start, line_end(line) - start);
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

std::string_view LspLines::line_ending(uint32_t line) const {
  scan(line);
  if (line >= starts_.size()) return {};
  uint32_t end = line_end(line);
  uint32_t content_end = starts_[line] + static_cast<uint32_t>(line_text(line).size());
  return text_.substr(content_end, end - content_end);
}

uint32_t LspLines::line_of(uint32_t offset) const {
  // Known once a line break past `offset` was seen (or the text ended). Lines are looked for
  // 64 at a time: one call per line cost more than the search (the first thousand findings
  // of a 50,000-line file lie on about 9,000 lines).
  while (scanned_ <= offset && scanned_ < text_.size()) scan(static_cast<uint32_t>(starts_.size()) + 64);
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  return static_cast<uint32_t>(it - starts_.begin()) - 1;
}

const std::vector<LspLines::Checkpoint>& LspLines::checkpoints(uint32_t line) const {
  auto [it, added] = counted_.try_emplace(line);
  if (!added) return it->second;
  std::string_view s = line_text(line);
  std::vector<Checkpoint>& out = it->second;
  out.reserve(s.size() / kStride + 1);
  uint32_t units = 0, next = 0;
  for (uint32_t i = 0; i < s.size(); ++i) {
    if (i >= next && !continuation(s[i])) {
      out.push_back({i, units});
      next = i + kStride;
    }
    units += utf16_units(static_cast<unsigned char>(s[i]));
  }
  out.push_back({static_cast<uint32_t>(s.size()), units});
  return out;
}

LspPosition LspLines::position(uint32_t offset, ColumnUnit unit) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_.size()));
  uint32_t line = line_of(offset);
  std::string_view s = line_text(line);
  uint32_t in_line = std::min<uint32_t>(offset - starts_[line], static_cast<uint32_t>(s.size()));
  if (unit == ColumnUnit::utf8) return {line, in_line};
  uint32_t from = 0, units = 0;
  if (in_line > kStride) {
    const auto& marks = checkpoints(line);
    auto after = std::upper_bound(marks.begin(), marks.end(), in_line,
                                  [](uint32_t b, const Checkpoint& c) { return b < c.byte; });
    from = (after - 1)->byte;
    units = (after - 1)->units;
  }
  for (uint32_t i = from; i < in_line; ++i) units += utf16_units(static_cast<unsigned char>(s[i]));
  return {line, units};
}

uint32_t LspLines::offset(LspPosition p, ColumnUnit unit) const {
  scan(p.line);
  if (p.line >= starts_.size()) return static_cast<uint32_t>(text_.size());
  std::string_view s = line_text(p.line);
  uint32_t start = starts_[p.line];
  if (unit == ColumnUnit::utf8) {
    uint32_t i = std::min<uint32_t>(p.character, static_cast<uint32_t>(s.size()));
    while (i > 0 && i < s.size() && continuation(s[i])) --i;  // not into a character
    return start + i;
  }
  uint32_t i = 0, units = 0;
  if (s.size() > kStride) {
    const auto& marks = checkpoints(p.line);
    auto after = std::upper_bound(marks.begin(), marks.end(), p.character,
                                  [](uint32_t u, const Checkpoint& c) { return u < c.units; });
    if (after != marks.begin()) {
      i = (after - 1)->byte;
      units = (after - 1)->units;
    }
  }
  while (i < s.size() && units < p.character) {
    units += utf16_units(static_cast<unsigned char>(s[i]));
    ++i;
    while (i < s.size() && continuation(s[i])) ++i;
  }
  return start + i;
}

bool LspLines::addresses_text(LspPosition p) const {
  scan(p.line);
  uint32_t known = static_cast<uint32_t>(starts_.size());
  return p.line < known || (p.line == known && p.character == 0);
}

bool apply_changes(std::string& text, std::span<const TextDocumentContentChangeEvent> changes, ColumnUnit unit,
                   Span* changed) {
  std::string edited;
  const std::string* current = &text;
  for (const auto& change : changes) {
    if (!change.range) {
      edited = change.text;
      current = &edited;
      continue;
    }
    LspLines lines(*current);
    if (!lines.addresses_text(change.range->start) || !lines.addresses_text(change.range->end)) return false;
    uint32_t from = lines.offset(change.range->start, unit);
    uint32_t to = lines.offset(change.range->end, unit);
    if (to < from) return false;
    if (current == &text && changes.size() == 1) {
      text.replace(from, to - from, change.text);  // the usual one-edit change, in place
      if (changed) *changed = {from, from + static_cast<uint32_t>(change.text.size())};
      return true;
    }
    if (current == &text) {
      edited = text;
      current = &edited;
    }
    edited.replace(from, to - from, change.text);
  }
  if (current == &edited) text = std::move(edited);
  if (changed) *changed = {0, static_cast<uint32_t>(text.size())};
  return true;
}

}  // namespace pglens::lsp
