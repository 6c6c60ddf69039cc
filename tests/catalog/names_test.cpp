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
  EXPECT_EQ(choose_name("a_table_name_that_is_rather_long_for_postgresql_names_2024_01", {"customer_id", "created_at"}, "idx"),
            "a_table_name_that_is_rather_long_for_customer_id_created_at_idx");
  EXPECT_EQ(choose_name("t", {"a_very_long_column_name_number_one", "a_very_long_column_name_number_two"}, "key"),
            "t_a_very_long_column_name_number_one_a_very_long_column_nam_key");
  // The cut falls just after a separator: it stays, as in PostgreSQL.
  EXPECT_EQ(choose_name(std::string(28, 'p'), {std::string(29, 'c'), std::string(20, 'd')}, "idx"),
            std::string(28, 'p') + "_" + std::string(29, 'c') + "__idx");
  EXPECT_EQ(choose_name(std::string(70, 't'), {}, "pkey"), std::string(58, 't') + "_pkey");
}

}  // namespace
}  // namespace pglens::catalog
