#include "server/sh_job_driver.h"

#include <cstdio>
#include <set>

namespace vmrun::server {
namespace {

// One shell word on one line whatever the bytes: $'...' with printable
// ASCII as it is and everything else (', \, control bytes, non-ASCII) as
// \xHH.
std::string quoted(const std::string& s) {
  std::string q = "$'";
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
      q += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      q += hex;
    }
  }
  return q + "'";
}

}  // namespace

std::string sh_job_script(const std::vector<std::pair<std::string, size_t>>& files, const std::vector<bool>& text,
                          const std::vector<std::string>& args) {
  // /job exists in the template; `mkdir` is a child process (a fork and
  // an exec in the spawn), so it runs only for subdirectories.
  std::set<std::string> dirs;
  for (const auto& [name, size] : files)
    for (size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1))
      dirs.insert(name.substr(0, slash));
  std::string s;  // commands, each followed by "; "
  if (!dirs.empty()) {
    s = "mkdir -p";
    for (const std::string& d : dirs) s += " " + quoted("/job/" + d);
    s += " || exit 1; ";
  }
  for (size_t i = 0; i < files.size(); i++) {
    const auto& [name, size] = files[i];
    const std::string path = quoted("/job/" + name);
    const std::string fail = " || { echo " + quoted("vmrun: cannot write the job's file " + name) + " >&2; exit 1; }; ";
    if (size == 0)
      s += ": > " + path + fail;
    else if (i < text.size() && text[i])
      s += "IFS= read -r -d '' -n " + std::to_string(size) + " _vmrun_v && printf %s \"$_vmrun_v\" > " + path + fail;
    else
      s += "dd bs=65536 count=" + std::to_string(size) + " iflag=count_bytes,fullblock of=" + path + " 2>/dev/null" +
           fail;
  }
  s += "set --";
  for (const std::string& a : args) s += " " + quoted(a);
  return s + "\n";
}

}  // namespace vmrun::server
