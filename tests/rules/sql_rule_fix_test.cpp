// Fixes of SQL rules, applied and compared with the expected text.
#include <gtest/gtest.h>

#include "pglens/lint.hpp"

namespace pglens {
namespace {

std::string fixed(const std::string& text) {
  SourceFile f;
  DecodeError e;
  EXPECT_TRUE(decode_source("t.sql", text, f, e));
  Linter linter{Config{}};
  return apply_fixes(f.text, linter.lint(f), false).text;
}

TEST(SingleRowInsertsFix, MergesTheRunIntoOneMultiRowInsert) {
  std::string in =
      "INSERT INTO tags (name, color) VALUES ('a', 'red');\n"
      "INSERT INTO tags (name, color) VALUES ('b', 'grey');\n"
      "INSERT INTO tags (name, color) VALUES ( 'c;', DEFAULT );\n"
      "INSERT INTO tags (name, color) VALUES ('d', 'x');\n"
      "INSERT INTO tags (name, color) VALUES ('e', 'y');\n"
      "SELECT 1;\n";
  EXPECT_EQ(fixed(in),
            "INSERT INTO tags (name, color) VALUES ('a', 'red'),\n"
            "    ('b', 'grey'),\n"
            "    ( 'c;', DEFAULT ),\n"
            "    ('d', 'x'),\n"
            "    ('e', 'y');\n"
            "SELECT 1;\n");
}

TEST(SingleRowInsertsFix, NoFixWhenCommentsWouldBeLost) {
  std::string in =
      "INSERT INTO t (a) VALUES (1);\nINSERT INTO t (a) VALUES (2); -- keep me\nINSERT INTO t (a) VALUES (3);\n"
      "INSERT INTO t (a) VALUES (4);\nINSERT INTO t (a) VALUES (5);\n";
  EXPECT_EQ(fixed(in), in);
}

}  // namespace
}  // namespace pglens
