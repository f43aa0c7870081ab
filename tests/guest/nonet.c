/* The sandbox has no network: every socket family that could reach one is
 * refused.  Not a differential test (natively these succeed); vmrun's output
 * must equal nonet.expected.  vmrun refuses them with EAFNOSUPPORT, as a
 * kernel built without that address family would. */
#include "common.h"
#include <sys/socket.h>
#include <netinet/in.h>

#ifndef AF_PACKET
#define AF_PACKET 17
#endif
#ifndef AF_NETLINK
#define AF_NETLINK 16
#endif

static void try(const char *label, int family, int type, int proto) {
  int fd = socket(family, type, proto);
  if (fd >= 0) {
    printf("%s: opened\n", label);
    close(fd);
  } else {
    printf("%s: -1 %s\n", label, err_name(errno));
  }
}

int main(void) {
  try("socket_inet_stream", AF_INET, SOCK_STREAM, 0);
  try("socket_inet_dgram", AF_INET, SOCK_DGRAM, 0);
  try("socket_inet_raw", AF_INET, SOCK_RAW, IPPROTO_ICMP);
  try("socket_inet6_stream", AF_INET6, SOCK_STREAM, 0);
  try("socket_inet6_dgram", AF_INET6, SOCK_DGRAM, 0);
  try("socket_netlink", AF_NETLINK, SOCK_RAW, 0);
  try("socket_packet", AF_PACKET, SOCK_RAW, 0);
  return 0;
}
