// The advisory lock table (emu/files/file_locks.h) on its own: conflicts
// by kind, owner and range, splitting on unlock, owners that go away, and
// the bound on how many locks a run holds.
#include <catch2/catch.hpp>
#include <memory>

#include "emu/files/file_locks.h"

using namespace vmrun;
using Kind = FileLocks::Kind;

namespace {

// An owner that lives as long as `token`.
FileLocks::Owner owner_of(const std::shared_ptr<int>& token, int pid) {
  std::weak_ptr<int> weak = token;
  return {token.get(), [weak] { return !weak.expired(); }, pid};
}

constexpr FileLocks::FileKey kFile{1, 42};
constexpr FileLocks::FileKey kOther{1, 43};

}  // namespace

TEST_CASE("locks conflict only with other owners' overlapping locks of the same kind and file") {
  FileLocks t;
  auto a = std::make_shared<int>(0), b = std::make_shared<int>(0);
  REQUIRE(t.set(Kind::Fcntl, kFile, owner_of(a, 10), false, true, 10, 20));
  CHECK(t.conflict(Kind::Fcntl, kFile, b.get(), false, 15, 16));             // read against write
  CHECK_FALSE(t.conflict(Kind::Fcntl, kFile, a.get(), true, 0, 100));        // its own
  CHECK_FALSE(t.conflict(Kind::Fcntl, kFile, b.get(), true, 0, 10));         // [0,10) touches, no overlap
  CHECK_FALSE(t.conflict(Kind::Fcntl, kFile, b.get(), true, 20, 30));
  CHECK_FALSE(t.conflict(Kind::Flock, kFile, b.get(), true, 0, FileLocks::kToEnd));  // another kind
  CHECK_FALSE(t.conflict(Kind::Fcntl, kOther, b.get(), true, 0, FileLocks::kToEnd));  // another file
  auto held = t.conflict(Kind::Fcntl, kFile, b.get(), true, 0, FileLocks::kToEnd);
  REQUIRE(held);
  CHECK(held->owner.pid == 10);
  CHECK(held->start == 10);
  CHECK(held->end == 20);
}

TEST_CASE("read locks share; a write lock over them conflicts") {
  FileLocks t;
  auto a = std::make_shared<int>(0), b = std::make_shared<int>(0);
  REQUIRE(t.set(Kind::Fcntl, kFile, owner_of(a, 1), false, false, 0, 100));
  CHECK_FALSE(t.conflict(Kind::Fcntl, kFile, b.get(), false, 50, 60));
  REQUIRE(t.set(Kind::Fcntl, kFile, owner_of(b, 2), false, false, 50, 60));
  CHECK(t.conflict(Kind::Fcntl, kFile, b.get(), true, 0, 1));
  CHECK(t.count(Kind::Fcntl) == 2);
}

TEST_CASE("unlocking the middle of a lock leaves both ends; relocking converts") {
  FileLocks t;
  auto a = std::make_shared<int>(0), b = std::make_shared<int>(0);
  REQUIRE(t.set(Kind::Fcntl, kFile, owner_of(a, 1), false, true, 10, 20));
  REQUIRE(t.set(Kind::Fcntl, kFile, owner_of(a, 1), true, false, 12, 18));
  CHECK(t.count(Kind::Fcntl) == 2);
  CHECK_FALSE(t.conflict(Kind::Fcntl, kFile, b.get(), true, 12, 18));
  CHECK(t.conflict(Kind::Fcntl, kFile, b.get(), true, 11, 12));
  CHECK(t.conflict(Kind::Fcntl, kFile, b.get(), true, 18, 19));
  // A read lock over everything replaces both pieces.
  REQUIRE(t.set(Kind::Fcntl, kFile, owner_of(a, 1), false, false, 0, FileLocks::kToEnd));
  CHECK(t.count(Kind::Fcntl) == 1);
  CHECK_FALSE(t.conflict(Kind::Fcntl, kFile, b.get(), false, 11, 12));
  CHECK(t.conflict(Kind::Fcntl, kFile, b.get(), true, 1000000, 1000001));
  REQUIRE(t.set(Kind::Fcntl, kFile, owner_of(a, 1), true, false, 0, FileLocks::kToEnd));
  CHECK(t.count(Kind::Fcntl) == 0);
}

TEST_CASE("a lock whose owner is gone no longer exists") {
  FileLocks t;
  auto a = std::make_shared<int>(0), b = std::make_shared<int>(0);
  REQUIRE(t.set(Kind::Flock, kFile, owner_of(a, 1), false, true, 0, FileLocks::kToEnd));
  CHECK(t.conflict(Kind::Flock, kFile, b.get(), false, 0, FileLocks::kToEnd));
  a.reset();
  CHECK_FALSE(t.conflict(Kind::Flock, kFile, b.get(), true, 0, FileLocks::kToEnd));
  CHECK(t.count(Kind::Flock) == 0);
}

TEST_CASE("a run holds at most kMaxLocks locks; past that nothing changes") {
  FileLocks t;
  auto a = std::make_shared<int>(0), b = std::make_shared<int>(0), c = std::make_shared<int>(0);
  REQUIRE(t.set(Kind::Fcntl, kOther, owner_of(a, 1), false, true, 0, 100));
  REQUIRE(t.set(Kind::Fcntl, kOther, owner_of(c, 3), false, true, 200, 300));  // another owner's, same file
  for (uint64_t i = 2; i < FileLocks::kMaxLocks; i++)
    REQUIRE(t.set(Kind::Fcntl, kFile, owner_of(a, 1), false, true, 2 * i, 2 * i + 1));
  CHECK(t.count(Kind::Fcntl) == FileLocks::kMaxLocks);
  CHECK_FALSE(t.set(Kind::Flock, kOther, owner_of(b, 2), false, true, 0, FileLocks::kToEnd));
  // Unlocking the middle of a lock would split it in two: refused, and
  // the lock is whole still.
  CHECK_FALSE(t.set(Kind::Fcntl, kOther, owner_of(a, 1), true, false, 40, 60));
  CHECK(t.conflict(Kind::Fcntl, kOther, b.get(), false, 50, 51));
  CHECK(t.conflict(Kind::Fcntl, kOther, b.get(), false, 250, 251));  // untouched by the refusal
  CHECK(t.count(Kind::Fcntl) == FileLocks::kMaxLocks);
  // Unlocking a whole lock, or replacing many by one, frees room.
  REQUIRE(t.set(Kind::Fcntl, kOther, owner_of(a, 1), true, false, 0, 100));
  REQUIRE(t.set(Kind::Fcntl, kFile, owner_of(a, 1), false, true, 0, FileLocks::kToEnd));
  CHECK(t.count(Kind::Fcntl) == 2);  // that one, and the other owner's
  CHECK(t.set(Kind::Flock, kOther, owner_of(b, 2), false, true, 0, FileLocks::kToEnd));
}
