// read/write/readv/writev on a socket are recvmsg/sendmsg without flags
// (syscalls/sys_socket.cpp); the file-I/O handlers hand sockets over here.
#pragma once

#include "emu/kernel/kernel.h"
#include "rootfs/file.h"

namespace vmrun {

// Whether the file is a socket.
bool is_socket(const fs::FileRef& f);
// read(2)/write(2) of `len` bytes at `buf`.
SyscallResult socket_read_write(SyscallContext& k, const fs::FileRef& f, uint64_t buf, uint64_t len, bool write);
// readv(2)/writev(2) with the guest's iovec array.
SyscallResult socket_vector_io(SyscallContext& k, const fs::FileRef& f, uint64_t iov, uint64_t count, bool write);
// SIOCATMARK: whether the next byte to read is TCP's urgent mark (0 for
// sockets without urgent data).
bool socket_at_mark(const fs::FileRef& f);

}  // namespace vmrun
