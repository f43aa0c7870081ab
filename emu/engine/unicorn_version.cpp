#include "emu/engine/unicorn_version.h"

#include <unicorn/unicorn.h>

static_assert(UC_API_MAJOR > 2 || (UC_API_MAJOR == 2 && (UC_API_MINOR > 1 || (UC_API_MINOR == 1 && UC_API_PATCH >= 4))),
              "vmrun needs Unicorn 2.1.4 or newer (bash scripts/setup.sh fetches it)");

namespace vmrun {

std::string unicorn_version_text(unsigned packed) {
  return std::to_string((packed >> 24) & 0xff) + "." + std::to_string((packed >> 16) & 0xff) + "." +
         std::to_string((packed >> 8) & 0xff);
}

std::string loaded_unicorn_version_text() { return unicorn_version_text(uc_version(nullptr, nullptr)); }

bool unicorn_version_supported(unsigned packed, std::string* why) {
  const unsigned major = (packed >> 24) & 0xff, minor = (packed >> 16) & 0xff, patch = (packed >> 8) & 0xff;
  const bool ok = major != kUnicornMinMajor ? major > kUnicornMinMajor
                  : minor != kUnicornMinMinor ? minor > kUnicornMinMinor
                                              : patch >= kUnicornMinPatch;
  if (!ok && why) {
    *why = "the Unicorn library loaded (libunicorn.so.2, version " + unicorn_version_text(packed) + ") is too old: vmrun needs Unicorn " +
           std::to_string(kUnicornMinMajor) + "." + std::to_string(kUnicornMinMinor) + "." +
           std::to_string(kUnicornMinPatch) +
           " or newer (earlier releases have known vulnerabilities; bash scripts/setup.sh fetches a current one)";
  }
  return ok;
}

bool loaded_unicorn_supported(std::string* why) {
  static std::string message;
  static const bool ok = unicorn_version_supported(uc_version(nullptr, nullptr), &message);
  if (!ok && why) *why = message;
  return ok;
}

}  // namespace vmrun
