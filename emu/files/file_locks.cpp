#include "emu/files/file_locks.h"

#include <algorithm>
#include <utility>

namespace vmrun {

void FileLocks::prune(std::vector<Lock>& locks) {
  // One liveness check per owner, not per lock: an owner usually holds
  // many ranges, and a POSIX owner's check walks its fd table.
  std::vector<std::pair<const void*, bool>> alive;
  total_ -= std::erase_if(locks, [&alive](const Lock& l) {
    for (auto& [id, live] : alive)
      if (id == l.owner.id) return !live;
    bool live = l.owner.alive && l.owner.alive();
    alive.emplace_back(l.owner.id, live);
    return !live;
  });
}

const FileLocks::Lock* FileLocks::conflict(Kind kind, FileKey file, const void* owner, bool write, uint64_t start,
                                           uint64_t end) {
  auto it = table_.find({kind, file});
  if (it == table_.end()) return nullptr;
  prune(it->second);
  for (const Lock& l : it->second)
    if (l.owner.id != owner && l.start < end && start < l.end && (write || l.write)) return &l;
  return nullptr;
}

bool FileLocks::set(Kind kind, FileKey file, const Owner& owner, bool unlock, bool write, uint64_t start,
                    uint64_t end) {
  auto it = table_.find({kind, file});
  if (it == table_.end()) {
    if (unlock) return true;
    if (total_ >= kMaxLocks) return false;
    table_[{kind, file}].push_back(Lock{owner, write, start, end});
    total_++;
    return true;
  }
  std::vector<Lock>& locks = it->second;
  prune(locks);
  // The owner's locks overlapping [start, end) go; what they cover outside
  // it stays, as a piece on either side. Counted first, so a refusal
  // changes nothing.
  auto cut = [&](const Lock& l) { return l.owner.id == owner.id && l.start < end && start < l.end; };
  size_t removed = 0, added = unlock ? 0 : 1;
  for (const Lock& l : locks) {
    if (!cut(l)) continue;
    removed++;
    added += (l.start < start) + (end < l.end);
  }
  if (added > removed && total_ + (added - removed) > kMaxLocks) {
    if (locks.empty()) table_.erase(it);
    return false;
  }
  if (removed) {
    std::vector<Lock> pieces;
    for (const Lock& l : locks) {
      if (!cut(l)) continue;
      if (l.start < start) pieces.push_back(Lock{l.owner, l.write, l.start, start});
      if (end < l.end) pieces.push_back(Lock{l.owner, l.write, end, l.end});
    }
    std::erase_if(locks, cut);
    for (Lock& piece : pieces) locks.push_back(std::move(piece));
  }
  if (!unlock) locks.push_back(Lock{owner, write, start, end});
  total_ = total_ + added - removed;
  if (locks.empty()) table_.erase(it);
  return true;
}

size_t FileLocks::count(Kind kind) {
  size_t n = 0;
  for (auto it = table_.begin(); it != table_.end();) {
    if (it->first.first == kind) {
      prune(it->second);
      n += it->second.size();
    }
    if (it->second.empty())
      it = table_.erase(it);
    else
      ++it;
  }
  return n;
}

}  // namespace vmrun
