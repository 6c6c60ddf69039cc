#include "lsp/diagnostics_json.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace pglens::lsp {
namespace {

void append_number(std::string& out, uint64_t n) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, static_cast<size_t>(end - digits));
}

}  // namespace

LspDiagnostic more_findings_note(size_t total, size_t shown, LspPosition at) {
  LspDiagnostic more;
  more.range = {at, at};
  more.severity = DiagnosticSeverity::information;
  more.message = fmt::format("{} more findings in this file are not shown (the first {} are; setting `maxDiagnostics`)",
                             total - shown, shown);
  return more;
}

size_t DiagnosticsWriter::kept() const {
  size_t n = 0;
  for (const auto& [key, entry] : cache_)
    for (const auto& item : entry.items) n += item.has_value();
  return n;
}

void DiagnosticsWriter::emit(std::string& out, const Item& item, LspPosition at) {
  size_t from = 0;
  for (size_t p = 0; p < item.positions.size(); ++p) {
    const LspPosition& rel = item.positions[p];
    uint32_t line_hole = item.holes[2 * p], character_hole = item.holes[2 * p + 1];
    out.append(item.json, from, line_hole - from);
    append_number(out, uint64_t{at.line} + rel.line);
    out.append(item.json, line_hole, character_hole - line_hole);
    append_number(out, rel.line == 0 ? uint64_t{at.character} + rel.character : rel.character);
    from = character_hole;
  }
  out.append(item.json, from, std::string::npos);
}

std::string DiagnosticsWriter::write(const std::string& uri, std::optional<int64_t> version,
                                     const SharedFindings& findings, std::string_view text, const LspLines& lines,
                                     ColumnUnit unit, size_t cap, const ToLsp& to_lsp) {
  std::string out = publish_diagnostics_head(uri, version);
  out.reserve(std::max(last_size_ + last_size_ / 8, out.size() + 64));
  ++generation_;
  size_t shown = 0, used = 0;
  std::optional<uint32_t> rest_at;  // where the first finding not shown is
  for (const SharedFindings::Run& r : findings.runs()) {
    if (shown >= cap) {
      rest_at = (*r.findings)[r.begin].span.begin + r.offset;
      break;
    }
    const uint32_t until = static_cast<uint32_t>(std::min<size_t>(r.end, r.begin + (cap - shown)));
    // Kept relative to its statement when the findings depend on its text alone and the
    // statement's text reads the same wherever it is (it does not start or end inside a
    // "\r\n", whose halves its own lines would count as two line breaks).
    bool relative = r.length > 0 && size_t{r.offset} + r.length <= text.size() && text[r.offset] != '\n' &&
        text[r.offset + r.length - 1] != '\r';
    if (relative) {
      Entry& entry = cache_[r.findings.get()];
      if (!entry.findings) {
        entry.findings = r.findings;
        entry.items.resize(r.findings->size());
      }
      if (entry.used != generation_) ++used;
      entry.used = generation_;
      const LspPosition at = lines.position(r.offset, unit);
      std::optional<LspLines> own;  // the statement's lines, when a finding is converted
      for (uint32_t i = r.begin; i < until; ++i) {
        std::optional<Item>& item = entry.items[i];
        if (!item) {
          if (!own) own.emplace(text.substr(r.offset, r.length));
          LspDiagnostic d = to_lsp((*r.findings)[i], *own);
          item.emplace();
          append_diagnostic_json(item->json, d, &item->holes);
          item->positions.push_back(d.range.start);
          item->positions.push_back(d.range.end);
          for (const auto& related : d.related) {
            item->positions.push_back(related.location.range.start);
            item->positions.push_back(related.location.range.end);
          }
        }
        if (shown > 0 || i > r.begin) out += ',';
        emit(out, *item, at);
      }
    } else {
      for (uint32_t i = r.begin; i < until; ++i) {
        if (shown > 0 || i > r.begin) out += ',';
        append_diagnostic_json(out, to_lsp(SharedFindings::place((*r.findings)[i], r.offset), lines));
      }
    }
    shown += until - r.begin;
    if (until < r.end) {
      rest_at = (*r.findings)[until].span.begin + r.offset;
      break;
    }
  }
  if (rest_at) {
    if (shown > 0) out += ',';
    append_diagnostic_json(out, more_findings_note(findings.size(), shown, lines.position(*rest_at, unit)));
  }
  out += kPublishDiagnosticsTail;
  last_size_ = out.size();
  // What the findings of statements that went gave: dropped once they are most of it.
  if (cache_.size() > 2 * used + 64)
    std::erase_if(cache_, [&](const auto& kv) { return kv.second.used != generation_; });
  return out;
}

}  // namespace pglens::lsp
