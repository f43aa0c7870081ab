// Which Unicorn library vmrun runs on.
//
// vmrun needs Unicorn 2.1.4 or newer: earlier releases have known
// vulnerabilities (upstream's 2.1.3 notes) and crash on guest code
// (docs/UNICORN.md). The build refuses older headers (CMakeLists.txt); the
// library checks the Unicorn it is actually loaded with, which can differ
// from the headers it was built against (another libunicorn.so.2 found
// first at run time).
#pragma once

#include <string>

namespace vmrun {

// The oldest Unicorn accepted at run time.
constexpr unsigned kUnicornMinMajor = 2, kUnicornMinMinor = 1, kUnicornMinPatch = 4;

// uc_version()'s packed value: one byte each for major, minor, patch and
// extra (255 for a release).
constexpr unsigned unicorn_packed_version(unsigned major, unsigned minor, unsigned patch, unsigned extra = 255) {
  return (major << 24) | (minor << 16) | (patch << 8) | extra;
}

// "major.minor.patch" of a packed version, and of the loaded library.
std::string unicorn_version_text(unsigned packed);
std::string loaded_unicorn_version_text();

// Whether a Unicorn with this packed version can run vmrun; otherwise
// false, with a message saying what is needed.
bool unicorn_version_supported(unsigned packed, std::string* why);

// The same for the loaded library (uc_version), checked once.
bool loaded_unicorn_supported(std::string* why);

}  // namespace vmrun
