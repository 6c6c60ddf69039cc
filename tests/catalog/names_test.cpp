// Index and constraint names as PostgreSQL chooses them (makeObjectName): table, columns and
// suffix joined with '_', the longer of table and columns cut until the name fits 63 bytes.
#include <gtest/gtest.h>

#include "catalog/names.hpp"

namespace pglens::catalog {
namespace {

TEST(CatalogNames, ChooseNameCutsTheLongerPartToFitSixtyThreeBytes) {
  EXPECT_EQ(choose_name("orders", {"customer_id"}, "idx"), "orders_customer_id_idx");
  EXPECT_EQ(choose_name("orders", {}, "pkey"), "orders_pkey");
  EXPECT_EQ(choose_name("orders", {"customer_id", "created_at"}, "key"), "orders_customer_id_created_at_key");
  EXPECT_EQ(choose_name("a_table_name_that_is_rather_long_for_postgresql_names_2024_01", {"customer_id", "created_at"},
                        "idx"),
            "a_table_name_that_is_rather_long_for_customer_id_created_at_idx");
  EXPECT_EQ(choose_name("t", {"a_very_long_column_name_number_one", "a_very_long_column_name_number_two"}, "key"),
            "t_a_very_long_column_name_number_one_a_very_long_column_nam_key");
  // The cut falls just after a separator: it stays, as in PostgreSQL.
  EXPECT_EQ(choose_name(std::string(28, 'p'), {std::string(29, 'c'), std::string(20, 'd')}, "idx"),
            std::string(28, 'p') + "_" + std::string(29, 'c') + "__idx");
  EXPECT_EQ(choose_name(std::string(70, 't'), {}, "pkey"), std::string(58, 't') + "_pkey");
}

// The loader writes partition index names after a key prefix in a buffer it reuses: the
// name appended must be choose_name's, whatever the buffer holds before it.
TEST(CatalogNames, AppendedChosenNameIsChooseNamesAfterWhatTheBufferHolds) {
  struct Case {
    std::string table;
    std::vector<std::string> columns;
    std::string_view suffix;
  };
  const std::vector<Case> cases = {
      {"orders", {"customer_id"}, "idx"},
      {"orders", {}, "pkey"},
      {"a_table_name_that_is_rather_long_for_postgresql_names_2024_01", {"customer_id", "created_at"}, "idx"},
      {"t", {"a_very_long_column_name_number_one", "a_very_long_column_name_number_two"}, "key"},
      {std::string(28, 'p'), {std::string(29, 'c'), std::string(20, 'd')}, "idx"},
      {std::string(70, 't'), {}, "pkey"},
  };
  for (const auto& c : cases) {
    for (std::string prefix : {std::string(), std::string("public") + '\0', std::string(100, 'x')}) {
      std::string out = prefix;
      append_chosen_name(out, c.table, c.columns, c.suffix);
      EXPECT_EQ(out, prefix + choose_name(c.table, c.columns, c.suffix)) << c.table;
    }
  }
}

// Names longer than every reserved word skip the search for one: the reserved words, the
// longest included, are still quoted, and plain names of any length are not.
TEST(CatalogNames, QuoteIdentQuotesReservedWordsAndNamesThatAreNotPlain) {
  for (std::string_view word : {"all", "order", "user", "current_timestamp", "current_catalog", "references"}) {
    EXPECT_EQ(quote_ident(word), "\"" + std::string(word) + "\"");
    EXPECT_EQ(quote_ident(std::string(word) + "s"), std::string(word) + "s");
  }
  EXPECT_EQ(quote_ident("audit_log_v7_2024_01_diff_entity_id_idx"), "audit_log_v7_2024_01_diff_entity_id_idx");
  EXPECT_EQ(quote_ident("Orders"), "\"Orders\"");
  EXPECT_EQ(quote_ident("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(quote_ident("2024_orders"), "\"2024_orders\"");
  EXPECT_EQ(quote_ident(""), "\"\"");
  EXPECT_EQ(quote_ident("a_long_name_with_an_Uppercase_letter"), "\"a_long_name_with_an_Uppercase_letter\"");
}

}  // namespace
}  // namespace pglens::catalog
