// The index digests Catalog::index_names() makes are only a prefilter: serving_index and
// ordering_index answer with them exactly as they do reading every index.
#include <utility>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "catalog/index_advisor.hpp"
#include "pglens/catalog.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

using catalog::ColumnPredicate;
using catalog::IndexRequest;
using catalog::PredicateOp;

// Many indexes of every shape: leading and later keys, hash and brin, expressions, partial,
// invalid-free; the lookups below try every target with every mix of equalities.
constexpr std::string_view kSchema =
    "CREATE TABLE t (a int, b int, c int, d text, e timestamptz, status text);\n"
    "CREATE INDEX t_b_idx ON t (b);\n"
    "CREATE INDEX t_a_b_idx ON t (a, b);\n"
    "CREATE INDEX t_a_c_d_idx ON t (a, c DESC, d);\n"
    "CREATE INDEX t_c_hash ON t USING hash (c);\n"
    "CREATE INDEX t_e_brin ON t USING brin (e);\n"
    "CREATE INDEX t_lower_d_idx ON t (lower(d));\n"
    "CREATE INDEX t_e_pending_idx ON t (e) WHERE status = 'pending';\n"
    "CREATE INDEX t_status_e_idx ON t (status, e DESC NULLS LAST);\n"
    "CREATE INDEX t_d_hash ON t USING hash (d);\n";

ColumnPredicate predicate(std::string_view target, PredicateOp op) {
  ColumnPredicate p;
  if (target.find('(') == std::string_view::npos) p.column = target;
  else p.expression = target;
  p.op = op;
  p.text = fmt::format("{} {} 1", target, op == PredicateOp::equality ? "=" : ">");
  return p;
}

const std::vector<std::string_view> kTargets = {"a", "b", "c", "d", "e", "status", "lower(d)", "x"};

// Every request of up to two equality predicates besides `wanted`, and the partial index's.
std::vector<IndexRequest> requests_with(const ColumnPredicate& wanted) {
  std::vector<IndexRequest> out;
  for (size_t i = 0; i <= kTargets.size(); ++i) {
    for (size_t j = i; j <= kTargets.size(); ++j) {
      IndexRequest r;
      r.predicates.push_back(wanted);
      if (i < kTargets.size()) r.predicates.push_back(predicate(kTargets[i], PredicateOp::equality));
      if (j < kTargets.size() && j != i) r.predicates.push_back(predicate(kTargets[j], PredicateOp::equality));
      out.push_back(r);
      ColumnPredicate pending = predicate("status", PredicateOp::equality);
      pending.text = "status = 'pending'";
      r.predicates.push_back(pending);
      out.push_back(std::move(r));
    }
  }
  return out;
}

// The schema's catalog with its digests, and a tally of the answers compared with the scan's.
class IndexDigestAnswers : public ::testing::Test {
 protected:
  void SetUp() override {
    built_ = test::catalog_from_ddl(kSchema);
    built_.index_names();
    t_ = catalog().find_table("", "t");
    ASSERT_TRUE(t_);
    ASSERT_TRUE(catalog().index_digests(*t_));
    ASSERT_EQ(catalog().index_digests(*t_)->indexes.size(), t_->indexes.size());
  }
  // Both answers occur, so the comparisons mean something.
  void TearDown() override {
    EXPECT_GT(found_, 0u);
    EXPECT_LT(found_, compared_);
  }
  const Catalog& catalog() const { return built_; }  // a non-const access would drop the digests
  // Catalog::none() holds no digest of `t`: what it answers is the scan of every index.
  void expect_as_scanned(const Index* with_digests, const Index* scanned, const std::string& what) {
    EXPECT_EQ(with_digests, scanned) << what;
    found_ += scanned != nullptr;
    ++compared_;
  }

  Catalog built_;
  const Table* t_ = nullptr;
  size_t found_ = 0, compared_ = 0;
};

TEST_F(IndexDigestAnswers, ServingIndex) {
  for (auto target : kTargets) {
    for (auto op : {PredicateOp::equality, PredicateOp::range}) {
      ColumnPredicate wanted = predicate(target, op);
      for (const auto& request : requests_with(wanted))
        expect_as_scanned(catalog::serving_index(catalog(), *t_, wanted, request),
                          catalog::serving_index(Catalog::none(), *t_, wanted, request), std::string(target));
    }
  }
}

TEST_F(IndexDigestAnswers, OrderingIndex) {
  for (auto first : kTargets) {
    for (auto second : {std::string_view(), std::string_view("b"), std::string_view("d"), std::string_view("e")}) {
      for (bool descending : {false, true}) {
        for (auto request : requests_with(predicate("a", PredicateOp::equality))) {
          request.order_by.push_back({std::string(first), {}, descending, descending});
          if (!second.empty()) request.order_by.push_back({std::string(second), {}, descending, !descending});
          expect_as_scanned(catalog::ordering_index(catalog(), *t_, request),
                            catalog::ordering_index(Catalog::none(), *t_, request),
                            fmt::format("{}, {}", first, second));
        }
      }
    }
  }
}

TEST(IndexDigest, IndexesByKeyBitAreTheIndexesWithTheBit) {
  Catalog built = test::catalog_from_ddl(kSchema);
  built.index_names();
  const Catalog& catalog = built;
  const Table* t = catalog.find_table("", "t");
  ASSERT_TRUE(t);
  auto digests = catalog.index_digests(*t);
  ASSERT_TRUE(digests);
  for (size_t b = 0; b < 64; ++b) {
    uint64_t bit = uint64_t{1} << b;
    std::vector<uint32_t> expected;
    for (uint32_t position = 0; position < digests->indexes.size(); ++position)
      if (digests->indexes[position].key_bits & bit) expected.push_back(position);
    auto listed = digests->with_key_bit(bit);
    EXPECT_EQ(std::vector<uint32_t>(listed.begin(), listed.end()), expected) << "bit " << b;
  }
  // Each key's target is listed under its bit.
  for (const auto& index : t->indexes)
    for (const auto& key : index.keys)
      EXPECT_FALSE(
          digests->with_key_bit(Catalog::IndexDigest::target_bit(key.is_expression() ? key.expression : key.column))
              .empty());
}

TEST(IndexDigest, DroppedByAChangeAndMadeAgain) {
  Catalog catalog = test::catalog_from_ddl(kSchema);
  EXPECT_FALSE(catalog.index_digests(*catalog.tables().data()));  // not made yet
  catalog.index_names();
  const Table& t = catalog.tables().front();  // a non-const access: drops them
  EXPECT_FALSE(catalog.index_digests(t));

  catalog.index_names();
  ASSERT_TRUE(std::as_const(catalog).index_digests(std::as_const(catalog).tables().front()));
  // The change the digests must not outlive: an index whose leading key is the column.
  Table* changed = catalog.find_table("", "t");
  ASSERT_TRUE(changed);
  EXPECT_FALSE(std::as_const(catalog).index_digests(*changed));
  Index on_x;
  on_x.name = "t_x_idx";
  on_x.keys.push_back(IndexKey{"x"});
  changed->indexes.insert(changed->indexes.begin(), on_x);
  ColumnPredicate wanted = predicate("x", PredicateOp::equality);
  IndexRequest request;
  request.predicates.push_back(wanted);
  const Table& t2 = *std::as_const(catalog).find_table("", "t");
  EXPECT_EQ(catalog::serving_index(catalog, t2, wanted, request), &t2.indexes.front());
  catalog.index_names();
  EXPECT_EQ(catalog::serving_index(catalog, t2, wanted, request), &t2.indexes.front());

  // A copy of the table is no table of the catalog: read in full.
  Table copy = t2;
  EXPECT_FALSE(catalog.index_digests(copy));
  EXPECT_EQ(catalog::serving_index(catalog, copy, wanted, request), &copy.indexes.front());
}

TEST(IndexDigest, PartitionsHaveNoneAndAreReadInFull) {
  Catalog built = test::catalog_from_ddl(
      "CREATE TABLE e (id bigint, at timestamptz) PARTITION BY RANGE (at);\n"
      "CREATE TABLE e_1 PARTITION OF e FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');\n"
      "CREATE INDEX e_at_idx ON e (at);\n");
  built.index_names();
  const Catalog& catalog = built;
  const Table* parent = catalog.find_table("", "e");
  const Table* partition = catalog.find_table("", "e_1");
  ASSERT_TRUE(parent && partition);
  ASSERT_EQ(partition->indexes.size(), 1u);  // the parent's index, attached
  EXPECT_TRUE(catalog.index_digests(*parent));
  EXPECT_FALSE(catalog.index_digests(*partition));
  ColumnPredicate wanted = predicate("at", PredicateOp::range);
  IndexRequest request;
  request.predicates.push_back(wanted);
  EXPECT_EQ(catalog::serving_index(catalog, *parent, wanted, request), &parent->indexes.front());
  EXPECT_EQ(catalog::serving_index(catalog, *partition, wanted, request), &partition->indexes.front());
}

}  // namespace
}  // namespace pglens
