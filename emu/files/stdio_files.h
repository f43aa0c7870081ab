// The guest's standard streams: bytes given by the embedder or a host fd
// for stdin; a host fd (streaming) or a capture buffer for stdout/stderr,
// all subject to one output budget.
#pragma once

#include <functional>
#include <string>

#include "emu/kernel/kernel.h"
#include "rootfs/file.h"

namespace vmrun {

fs::FileRef make_bytes_input(std::string data);
fs::FileRef make_host_input(int host_fd);
// `on_limit` runs once when the shared budget is exhausted.
fs::FileRef make_output(int host_fd, std::string* capture, OutputBudget* budget, std::function<void()> on_limit);

}  // namespace vmrun
