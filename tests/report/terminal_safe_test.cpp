// A .sql file, a plan or a file name must not be able to drive the terminal pglens prints
// to: no ESC/CSI/OSC, BEL, BS, CR, DEL or C1 byte of the input reaches the output raw.
#include <gtest/gtest.h>

#include "pglens/report.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

// True when `s` holds a control character a terminal acts on: C0 (but tab and newline),
// DEL, a C1 control (U+0080..U+009F), or a byte that does not belong to a UTF-8 sequence
// (a bare 0x9B is CSI to an 8-bit terminal).
bool has_raw_control(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) return true;
      ++i;
      continue;
    }
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || i + n > s.size()) return true;
    if (c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) return true;
    i += n;
  }
  return false;
}

TEST(TerminalSafe, ControlsBecomeVisiblePictures) {
  EXPECT_EQ(terminal_safe("a\x1b[2Kb"), "a\xE2\x90\x9B[2Kb");  // ESC as ␛
  EXPECT_EQ(terminal_safe("x\ry"), "x\xE2\x90\x8Dy");          // CR as ␍
  EXPECT_EQ(terminal_safe("\x07\x08\x7f"), "\xE2\x90\x87\xE2\x90\x88\xE2\x90\xA1");
  EXPECT_EQ(terminal_safe("tab\tstays"), "tab\tstays");
  EXPECT_EQ(terminal_safe("line\nbreak"),
            "line\xE2\x90\x8A"
            "break");
  EXPECT_EQ(terminal_safe("line\nbreak", true), "line\nbreak");
  EXPECT_EQ(terminal_safe("c1 \xC2\x9B"
                          "31m"),
            "c1 \xEF\xBF\xBD"
            "31m");  // C1 CSI
  EXPECT_EQ(terminal_safe("bare \x9B"
                          "31m"),
            "bare \xEF\xBF\xBD"
            "31m");  // not UTF-8
  EXPECT_EQ(terminal_safe("é ü ✓ 日本"), "é ü ✓ 日本");
}

TEST(TerminalSafe, StyledOutputKeepsOnlyPglensOwnColours) {
  EXPECT_EQ(terminal_safe_styled("\x1b[1;31mred\x1b[0m", true), "\x1b[1;31mred\x1b[0m");
  EXPECT_EQ(terminal_safe_styled("\x1b[1;31mred\x1b[0m", false), "\xE2\x90\x9B[1;31mred\xE2\x90\x9B[0m");
  // Hidden text, a window title, a cursor move: never passed, colour or not.
  for (std::string_view hostile : {"\x1b[8m", "\x1b]0;pwned\x07", "\x1b[2J", "\x1b[1A", "\x1b[30;40m"})
    EXPECT_FALSE(has_raw_control(terminal_safe_styled(hostile, true))) << hostile;
}

TEST(TerminalSafe, LintOutputShowsHostileSqlAndFileNamesVisibly) {
  test::TempDir dir;
  std::string hostile =
      "SELECT * FROM orders; -- \x1b]0;pwned\x07\x1b[1A\x1b[2K\r\x08\x7f\xC2\x9B"
      "2J\n";
  test::write_file(dir / "q.sql", hostile);
  test::write_file(dir / "evil\x1b[2Kname.sql", "SELECT * FROM orders;\n");
  for (std::string format : {"text", "github"}) {
    for (std::string color : {"never", "always"}) {
      auto r = test::run_pglens("lint --format " + format + " --color " + color + " q.sql 'evil\x1b[2Kname.sql'", "",
                                dir.path());
      EXPECT_EQ(r.exit_code, 1) << r.err;
      if (color == "always") {
        // Only pglens's own colour sequences may carry ESC.
        EXPECT_EQ(terminal_safe_styled(r.out, true), r.out) << format;
      } else {
        EXPECT_FALSE(has_raw_control(r.out)) << format << ": " << r.out;
      }
      EXPECT_NE(r.out.find("\xE2\x90\x9B"), std::string::npos) << format << ": " << r.out;  // ␛ shown
    }
  }
}

TEST(TerminalSafe, ExplainOutputShowsHostilePlanTextVisibly) {
  test::TempDir dir;
  test::write_file(
      dir / "plan.txt",
      "Seq Scan on \"orders\x1b]0;pwned\x07\"  (cost=0.00..35.50 rows=2550 width=4) (actual time=0.010..0.400 "
      "rows=2550 loops=1)\n  Filter: (note = 'x\x1b[2K\r')\nPlanning Time: 0.1 ms\nExecution Time: 0.5 ms\n");
  for (std::string color : {"never", "always"}) {
    auto r = test::run_pglens("explain --color " + color + " plan.txt", "", dir.path());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (color == "always") EXPECT_EQ(terminal_safe_styled(r.out, true), r.out) << "only pglens's own colours";
    else EXPECT_FALSE(has_raw_control(r.out)) << r.out;
    EXPECT_NE(r.out.find("\xE2\x90\x9B"), std::string::npos) << r.out;  // ␛ shown
  }
}

}  // namespace
}  // namespace pglens
