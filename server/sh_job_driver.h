// The guest side of a Piston sh job started from a warm template: run as
// `busybox sh -c DRIVER /job/main.sh` up to its ready point (blocked in
// `read` on its empty stdin), then, in each spawn, it reads the job from
// stdin: one line of shell the server wrote (sh_job_script), which makes
// the job's subdirectories (/job itself is the template's), copies each
// file's bytes from stdin and sets the positional parameters to the job's
// args; then each file's bytes in order; then the job's stdin, which is
// what is left of the driver's stdin when the job runs. A small text file
// (no NUL byte, at most kShReadFileMax bytes) is read by the shell itself
// (`read -n`, which takes exactly that many bytes from a pipe); any other
// by `dd` (exact byte counts: iflag=count_bytes,fullblock), a child
// process. The driver then changes to /job and sources main.sh in the
// same shell, whose $0 is already /job/main.sh: the server uses this
// template only for jobs whose main file has the default name
// (docs/SERVER.md, "Warm sh jobs").
#pragma once

#include <string>
#include <vector>

namespace vmrun::server {

// The driver. Its warm-up runs the very function a job takes, on a job of
// its own read from a file, so that the shell's code for it is translated
// in the template; `exit` then ends each spawn with the job's status.
inline constexpr const char* kShJobDriver = R"SH(
_vmrun_job() {
  read -r _vmrun_h || exit 1
  eval "$_vmrun_h"
  cd /job || exit 1
  unset _vmrun_h _vmrun_v OLDPWD
  . /job/main.sh
}
mkdir -p /run/vmrun /job
_vmrun_body='echo hi; x=$((6*7)); echo "$x $# $1"; for i in 1 2; do [ "$i" = 2 ] && printf "%s\n" "$i"; done; read -r line; echo "$line"'
printf '%s\n%s%s\n' "IFS= read -r -d '' -n ${#_vmrun_body} _vmrun_v && printf %s \"\$_vmrun_v\" > '/job/main.sh' || exit 1; set -- \$'a'" "$_vmrun_body" "input" > /run/vmrun/warm-in
_vmrun_job < /run/vmrun/warm-in > /dev/null 2>&1
cd /
rm -rf /job /run/vmrun/warm-in
mkdir /job
unset _vmrun_body OLDPWD
set --
_vmrun_job
exit
)SH";

// Files up to this size without a NUL byte are read by the shell itself.
inline constexpr size_t kShReadFileMax = 4096;

// The line of shell a job's stdin starts with: quoted names and args
// only ($'...' with every byte outside printable ASCII escaped), nothing
// of the job is interpreted. `text[i]`: file i is read with `read -n`.
std::string sh_job_script(const std::vector<std::pair<std::string, size_t>>& files, const std::vector<bool>& text,
                          const std::vector<std::string>& args);

}  // namespace vmrun::server
