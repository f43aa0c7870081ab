// Anonymous pipes: a read end and a write end over one fs::PipeBuffer
// (the same buffer named FIFOs use). A read or write that would block
// returns EAGAIN; the syscall layer suspends the caller until it is ready.
#pragma once

#include <utility>

#include "rootfs/file.h"
#include "rootfs/pipe_buffer.h"

namespace vmrun {

constexpr size_t kPipeCapacity = fs::PipeBuffer::kDefaultCapacity;
constexpr size_t kPipeMaxCapacity = fs::PipeBuffer::kMaxCapacity;
constexpr size_t kPipeAtomicBytes = fs::PipeBuffer::kAtomicBytes;

// Returns {read end, write end}.
std::pair<fs::FileRef, fs::FileRef> make_pipe(uint64_t inode);

}  // namespace vmrun
