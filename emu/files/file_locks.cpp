#include "emu/files/file_locks.h"

#include <algorithm>
#include <map>

namespace vmrun {

void FileLocks::prune(std::vector<Lock>& locks) {
  // One liveness check per owner, not per lock: an owner usually holds
  // many ranges, and a POSIX owner's check walks its fd table.
  std::map<const void*, bool> alive;
  total_ -= std::erase_if(locks, [&alive](const Lock& l) {
    auto [it, fresh] = alive.try_emplace(l.owner.id, false);
    if (fresh) it->second = l.owner.alive && l.owner.alive();
    return !it->second;
  });
}

std::optional<FileLocks::Lock> FileLocks::conflict(Kind kind, FileKey file, const void* owner, bool write,
                                                   uint64_t start, uint64_t end) {
  auto it = table_.find({kind, file});
  if (it == table_.end()) return std::nullopt;
  prune(it->second);
  for (const Lock& l : it->second)
    if (l.owner.id != owner && l.start < end && start < l.end && (write || l.write)) return l;
  return std::nullopt;
}

bool FileLocks::set(Kind kind, FileKey file, const Owner& owner, bool unlock, bool write, uint64_t start,
                    uint64_t end) {
  std::vector<Lock>& locks = locks_of(kind, file);
  prune(locks);
  // Cut [start, end) out of the owner's locks; keep the pieces outside it.
  std::vector<Lock> kept;
  for (Lock& l : locks) {
    if (l.owner.id != owner.id || l.end <= start || end <= l.start) {
      kept.push_back(std::move(l));
      continue;
    }
    if (l.start < start) {
      Lock left = l;
      left.end = start;
      kept.push_back(std::move(left));
    }
    if (end < l.end) {
      Lock right = l;
      right.start = end;
      kept.push_back(std::move(right));
    }
  }
  if (!unlock) kept.push_back(Lock{owner, write, start, end});
  if (kept.size() > locks.size() && total_ + (kept.size() - locks.size()) > kMaxLocks) {
    if (locks.empty()) table_.erase({kind, file});
    return false;
  }
  total_ = total_ - locks.size() + kept.size();
  locks = std::move(kept);
  if (locks.empty()) table_.erase({kind, file});
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
