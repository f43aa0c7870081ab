#include "emu/kernel/process_table.h"

#include <algorithm>

namespace vmrun {

std::vector<int> ProcessTable::group_ids() const {
  std::vector<int> ids;
  for (auto& [id, t] : tasks_)
    if (t->ids.tgid == id) ids.push_back(id);
  return ids;
}

int ProcessTable::thread_count(int tgid) const {
  int n = 0;
  for (auto& [id, t] : tasks_)
    if (t->ids.tgid == tgid && t->state != ProcState::Zombie) n++;
  return std::max(n, 1);
}

}  // namespace vmrun
