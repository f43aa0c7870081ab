// A job's files on the host: a fresh private directory per job (mounted
// read-write at the job's working directory in the guest), the checks on
// the names a request gives, the content encodings, and the clean-up.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vmrun::server {

struct JobFile {
  std::string name;     // relative, checked by check_file_name
  std::string content;  // decoded bytes
};

// Why `name` cannot be a job file's name, or "": relative components only
// (no "", ".", "..", no leading '/'), no NUL or control characters, at
// most 255 bytes a component and 1024 in all, at most 8 levels deep.
std::string check_file_name(const std::string& name);

// Content in Piston's encodings: "utf8" (as is), "base64", "hex". nullopt
// for an unknown encoding or malformed content.
std::optional<std::string> decode_content(const std::string& content, const std::string& encoding);

// A private directory (mode 0700) for one job under `parent`, removed with
// everything in it when the object goes away. Nothing the guest leaves
// there (symbolic links included) is followed by the removal.
class JobDirectory {
 public:
  explicit JobDirectory(const std::string& parent);
  ~JobDirectory();
  JobDirectory(const JobDirectory&) = delete;
  JobDirectory& operator=(const JobDirectory&) = delete;

  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }
  // Writes the files (names already checked), creating subdirectories.
  bool write(const std::vector<JobFile>& files, std::string* error);

 private:
  std::string path_, error_;
};

// The directory one server makes its job directories in:
// PARENT/vmrun-serve-XXXXXX, holding a lock file for the server's life.
// Removed at a clean exit; a server killed with SIGKILL leaves it, and the
// next server started on the same PARENT removes it (its lock is free once
// the server and its emulator processes are gone).
class ServerWorkDirectory {
 public:
  explicit ServerWorkDirectory(const std::string& parent);
  ~ServerWorkDirectory();
  ServerWorkDirectory(const ServerWorkDirectory&) = delete;
  ServerWorkDirectory& operator=(const ServerWorkDirectory&) = delete;

  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }
  // Removes the directories of servers that are gone; returns how many.
  static int remove_stale(const std::string& parent);

 private:
  std::string path_, error_;
  int lock_fd_ = -1;
};

}  // namespace vmrun::server
