// Small host-side helpers the supervisor (sandbox.cpp) and the template
// holder (template.cpp) share.
#pragma once

#include <sys/resource.h>

#include <string>

namespace vmrun {

// Seconds on the host's monotonic clock.
double monotonic_seconds();
// User + system CPU seconds of a rusage.
double cpu_seconds(const rusage& u);
// Writes all of `s` to `fd` (retrying on EINTR); gives up silently on an
// error, as its readers treat a short message as a failed run.
void write_all(int fd, const std::string& s);

}  // namespace vmrun
