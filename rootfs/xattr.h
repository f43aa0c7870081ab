// Extended attributes (setxattr(2) and friends) as the VFS keeps them: on
// in-memory nodes (the overlay's upper layer, /dev/shm, memfds), user.* on
// files and directories and, for a root guest, trusted.* and security.*.
// Nothing else stores any: the read-only lower layer shows none (a copy-up
// starts with none); rootfs/xattr_ops.cpp has the rules.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace vmrun::fs {

// Linux's limits (include/uapi/linux/limits.h).
constexpr size_t kXattrNameMax = 255;    // XATTR_NAME_MAX
constexpr size_t kXattrSizeMax = 65536;  // XATTR_SIZE_MAX: one value
constexpr size_t kXattrListMax = 65536;  // XATTR_LIST_MAX: one listing
constexpr int kXattrCreate = 1, kXattrReplace = 2;
// What one run may store in attributes (names and values), on top of
// counting them against the upper layer's quota like file bytes: ENOSPC
// beyond. A fixed cap, so a run without a quota is bounded too.
constexpr uint64_t kXattrRunBytesMax = 32ull << 20;

enum class XattrOp { kGet, kList, kSet, kRemove };

// One call as the VFS is asked it. The syscall layer has already checked
// the name's length (1..255) and the value's (at most 64 KiB) and flags.
struct XattrCall {
  XattrOp op = XattrOp::kGet;
  std::string name;   // get, set, remove
  std::string value;  // set
  int flags = 0;      // set: kXattrCreate, kXattrReplace
};

// The bytes an attribute costs: its name and value.
inline uint64_t xattr_cost(std::string_view name, std::string_view value) { return name.size() + value.size(); }

// A node's attributes, by full name ("user.x").
using XattrMap = std::map<std::string, std::string, std::less<>>;

}  // namespace vmrun::fs
