// Anonymous pipes: a bounded in-memory buffer shared by a read end and a
// write end. With one guest process a read that would block can never be
// satisfied; it returns EAGAIN until the process issue brings a scheduler
// that suspends the caller instead.
#pragma once

#include <utility>

#include "rootfs/file.h"

namespace vmrun {

constexpr size_t kPipeCapacity = 65536;      // a new pipe's, as on Linux
constexpr size_t kPipeMaxCapacity = 1 << 20;  // F_SETPIPE_SZ's limit (fs.pipe-max-size)
constexpr size_t kPipeAtomicBytes = 4096;     // PIPE_BUF: writes up to this size never interleave

// Returns {read end, write end}.
std::pair<fs::FileRef, fs::FileRef> make_pipe(uint64_t inode);

}  // namespace vmrun
