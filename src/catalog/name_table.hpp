// A map from names to small values in one open-addressed table, the keys back to back in
// one buffer. The DDL loader asks whether a name is taken for every index it names (tens of
// thousands on a migration history with partitions): std::unordered_map<std::string, ...>
// cost a cache miss per bucket, node and key on each probe, and a free per name at the end.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace pglens::catalog {

template <class Value>
class NameTable {
 public:
  // The value of `key`, or nullptr. Valid until the next insertion or erasure.
  Value* find(std::string_view key) {
    Slot* s = find_slot(key, hash(key));
    return s ? &s->value : nullptr;
  }
  bool contains(std::string_view key) { return find(key) != nullptr; }

  // The value of `key`, inserted value-initialised when absent.
  Value& operator[](std::string_view key) { return insert(key).first; }

  // As operator[], and whether the key was absent: one probe where find and insert are two.
  std::pair<Value&, bool> insert(std::string_view key) {
    uint64_t h = hash(key);
    if (Slot* found = find_slot(key, h)) return {found->value, false};
    if ((used_ + 1) * 2 > slots_.size()) rehash();  // at most half full: linear probes stay short
    size_t i = h & mask();
    while (slots_[i].state == kFull) i = (i + 1) & mask();
    Slot& s = slots_[i];
    if (s.state == kEmpty) ++used_;
    s.hash = h;
    s.offset = static_cast<uint32_t>(keys_.size());
    s.length = static_cast<uint32_t>(key.size());
    s.value = Value{};
    s.state = kFull;
    keys_.append(key);
    ++size_;
    return {s.value, true};
  }

  // Sets the value; true when the key was not there before.
  bool insert_or_assign(std::string_view key, Value value) {
    auto [v, added] = insert(key);
    v = value;
    return added;
  }

  bool erase(std::string_view key) {
    Slot* s = find_slot(key, hash(key));
    if (!s) return false;
    s->state = kErased;
    --size_;
    return true;
  }

  void clear() {
    slots_.clear();
    keys_.clear();
    size_ = used_ = 0;
  }
  size_t size() const { return size_; }

 private:
  static constexpr uint8_t kEmpty = 0, kFull = 1, kErased = 2;
  struct Slot {
    uint64_t hash = 0;
    uint32_t offset = 0;  // of the key in keys_
    uint32_t length = 0;
    Value value{};
    uint8_t state = kEmpty;
  };

  // Eight bytes at a time, each word folded in by a multiply (std::hash's Murmur cost as much
  // as the probe on these short names); the last word overlaps the one before it instead of
  // reading past the key. The final mix spreads every byte into the low bits that choose
  // the slot.
  static uint64_t hash(std::string_view key) {
    constexpr uint64_t kMul = 0x9E3779B97F4A7C15ULL;
    auto word = [](const char* p) {
      uint64_t w;
      std::memcpy(&w, p, sizeof w);
      return w;
    };
    const size_t n = key.size();
    uint64_t h = n * kMul;
    if (n >= 8) {
      for (size_t i = 0; i + 8 < n; i += 8) h = (std::rotl(h, 23) ^ word(key.data() + i)) * kMul;
      h = (std::rotl(h, 23) ^ word(key.data() + n - 8)) * kMul;
    } else if (n > 0) {
      uint64_t w = 0;
      std::memcpy(&w, key.data(), n);
      h = (h ^ w) * kMul;
    }
    h ^= h >> 32;
    h *= kMul;
    return h ^ (h >> 29);
  }
  size_t mask() const { return slots_.size() - 1; }
  std::string_view key_of(const Slot& s) const { return std::string_view(keys_).substr(s.offset, s.length); }

  Slot* find_slot(std::string_view key, uint64_t h) {
    if (slots_.empty()) return nullptr;
    for (size_t i = h & mask();; i = (i + 1) & mask()) {
      Slot& s = slots_[i];
      if (s.state == kEmpty) return nullptr;
      if (s.state == kFull && s.hash == h && key_of(s) == key) return &s;
    }
  }

  // Grows (or, when mostly erased, only cleans) the table, and drops the erased keys' text.
  void rehash() {
    size_t capacity = 16;
    while (capacity < (size_ + 1) * 4) capacity *= 2;  // at most a quarter full after
    std::vector<Slot> old = std::move(slots_);
    std::string old_keys = std::move(keys_);
    slots_.assign(capacity, Slot{});
    keys_.clear();
    keys_.reserve(old_keys.size());
    used_ = size_;
    for (const Slot& o : old) {
      if (o.state != kFull) continue;
      size_t i = o.hash & mask();
      while (slots_[i].state != kEmpty) i = (i + 1) & mask();
      Slot& s = slots_[i];
      s = o;
      s.offset = static_cast<uint32_t>(keys_.size());
      keys_.append(old_keys, o.offset, o.length);
    }
  }

  std::vector<Slot> slots_;
  std::string keys_;
  size_t size_ = 0;  // keys present
  size_t used_ = 0;  // slots not empty: present or erased
};

}  // namespace pglens::catalog
