/* The sandbox has no network: every socket family that could reach one is
 * refused, and internet sockets reach only the sandbox's own loopback.  Not
 * a differential test (natively these succeed or reach the host's network);
 * vmrun's output must equal nonet.expected.  Netlink and packet sockets
 * fail with EAFNOSUPPORT, as a kernel built without those families would;
 * raw sockets with EPERM (no CAP_NET_RAW); TCP and UDP sockets open, and
 * every destination outside 127.0.0.0/8 and ::1 is ENETUNREACH. */
#include "common.h"
#include <sys/socket.h>
#include <arpa/inet.h>
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
  static const char *v4[] = {"10.1.2.3", "8.8.8.8", "192.168.1.1", "255.255.255.255", "224.0.0.1"};
  for (int i = 0; i < 5; i++) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(80)};
    inet_pton(AF_INET, v4[i], &a.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int r = connect(fd, (struct sockaddr *)&a, sizeof a);
    printf("connect %s: %d %s\n", v4[i], r, r < 0 ? err_name(errno) : "");
    close(fd);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    r = (int)sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof a);
    printf("sendto %s: %d %s\n", v4[i], r, r < 0 ? err_name(errno) : "");
    close(fd);
  }
  static const char *v6[] = {"2001:db8::1", "::ffff:10.0.0.1", "fe80::1", "ff02::1"};
  for (int i = 0; i < 4; i++) {
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(80)};
    inet_pton(AF_INET6, v6[i], &a.sin6_addr);
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    int r = connect(fd, (struct sockaddr *)&a, sizeof a);
    printf("connect %s: %d %s\n", v6[i], r, r < 0 ? err_name(errno) : "");
    close(fd);
  }
  return 0;
}
