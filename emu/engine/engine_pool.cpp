#include "emu/engine/engine_pool.h"

#include <algorithm>
#include <cstring>

#include "emu/engine/process_image.h"

namespace vmrun {

void EnginePool::give(std::shared_ptr<ProcessImage> image) {
  if (!image || !image->uc || !image->mem || !image->hooks_installed || image->code_tag == 0) return;
  image->loaded = nullptr;
  image->mem->park_code();
  if (!image->mem->has_parked()) return;  // nothing translated worth keeping
  engines_.push_back(std::move(image));
  auto parked = [this] {
    uint64_t n = 0;
    for (auto& e : engines_) n += e->mem->parked_bytes();
    return n;
  };
  while (!engines_.empty() && (engines_.size() > kMaxEngines || parked() > kMaxParkedBytes)) engines_.pop_front();
}

std::shared_ptr<ProcessImage> EnginePool::take(uint64_t tag) {
  if (tag == 0) return nullptr;
  for (auto it = engines_.rbegin(); it != engines_.rend(); ++it) {
    if ((*it)->code_tag != tag) continue;
    std::shared_ptr<ProcessImage> image = std::move(*it);
    engines_.erase(std::next(it).base());
    image->block_counts.clear();  // exec and fork set the rest
    return image;
  }
  return nullptr;
}

uint64_t program_tag(std::string_view file) {
  // FNV-1a over the size, the ELF header and the program headers (where
  // and what gets loaded); never 0. Two builds that differ only inside
  // their segments share a tag on purpose: adoption compares the bytes.
  uint64_t h = 0xcbf29ce484222325ull ^ file.size();
  auto mix = [&h, file](size_t off, size_t len) {
    for (size_t i = off; i < off + len && i < file.size(); i++) h = (h ^ static_cast<uint8_t>(file[i])) * 0x100000001b3ull;
  };
  mix(0, 64);
  if (file.size() >= 64) {
    uint64_t phoff = 0;
    uint16_t phentsize = 0, phnum = 0;
    std::memcpy(&phoff, file.data() + 32, 8);
    std::memcpy(&phentsize, file.data() + 54, 2);
    std::memcpy(&phnum, file.data() + 56, 2);
    if (phoff < file.size()) mix(static_cast<size_t>(phoff), std::min<size_t>(size_t{phentsize} * phnum, 65536));
  }
  return h ? h : 1;
}

}  // namespace vmrun
