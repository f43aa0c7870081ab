// Advisory file locks, one table per run: flock(2)'s whole-file locks,
// owned by an open file description; fcntl(2)'s byte-range locks, owned by
// a process's fd table (F_SETLK, "POSIX" locks) or by a description
// (F_OFD_SETLK). As on Linux, each kind conflicts only with locks of its
// own kind (flock and fcntl locks ignore each other; POSIX and OFD locks
// share one kind), and a file is known by its (dev, ino).
//
// Owners are held weakly and locks are dropped lazily, whenever the table
// is consulted: a flock or OFD lock lives as long as its description, a
// POSIX lock as long as its fd table still has the description it was
// taken through open. (Linux drops a process's POSIX locks on a file when
// it closes any fd of that file, even another description of it; here a
// second description keeps them. Deadlock detection (EDEADLK) is absent.)
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace vmrun {

class FileLocks {
 public:
  struct FileKey {
    uint64_t dev = 0, ino = 0;
    auto operator<=>(const FileKey&) const = default;
  };
  enum class Kind { Flock, Fcntl };
  static constexpr uint64_t kToEnd = UINT64_MAX;  // a range's end: to the end of the file, however it grows

  // Who holds a lock: `id` compares owners (a description's or fd table's
  // address); `alive` says whether it still holds it (see above). pid is
  // reported by F_GETLK (-1 for OFD locks).
  struct Owner {
    const void* id = nullptr;
    std::function<bool()> alive;
    int pid = 0;
  };
  struct Lock {
    Owner owner;
    bool write = false;
    uint64_t start = 0, end = kToEnd;  // [start, end)
  };

  // The first lock of another owner that a `write` (or read) lock on
  // [start, end) would conflict with, or null; valid until the table
  // changes.
  const Lock* conflict(Kind kind, FileKey file, const void* owner, bool write, uint64_t start, uint64_t end);
  // Sets the owner's lock over [start, end) (replacing what it held there,
  // splitting its locks around it), or with unlock, releases that range.
  // The caller has checked for conflicts. False (ENOLCK), changing nothing,
  // when the run would hold more than kMaxLocks locks: guest memory bounds
  // what a guest allocates, this bounds the host memory locks take.
  static constexpr size_t kMaxLocks = 8192;
  bool set(Kind kind, FileKey file, const Owner& owner, bool unlock, bool write, uint64_t start, uint64_t end);
  // Live locks of a kind (tests, /proc/locks if it comes).
  size_t count(Kind kind);

 private:
  void prune(std::vector<Lock>& locks);
  std::map<std::pair<Kind, FileKey>, std::vector<Lock>> table_;
  size_t total_ = 0;  // locks in table_
};

}  // namespace vmrun
