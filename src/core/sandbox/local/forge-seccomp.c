/* forge-seccomp.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-local-sandbox"

#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "forge-seccomp.h"

#if defined(__x86_64__)
# define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
# define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

gboolean
forge_seccomp_is_supported (void)
{
#ifdef NATIVE_AUDIT_ARCH
  return TRUE;
#else
  return FALSE;
#endif
}

#ifdef NATIVE_AUDIT_ARCH
static void
add_filter (GArray         *program,
            unsigned short  code,
            unsigned int    k,
            unsigned char   jt,
            unsigned char   jf)
{
  struct sock_filter insn = BPF_JUMP (code, k, jt, jf);

  g_array_append_val (program, insn);
}

#define FILTER_STMT(program, code, k) add_filter ((program), (code), (k), 0, 0)
#define RET_ERRNO(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
/* The low 32 bits of an argument: they come first on little-endian. */
#define ARG_LOW(n) (offsetof (struct seccomp_data, args[n]))
#endif

/* io_uring fails with ENOSYS (libuv falls back to threads): it is a large
 * kernel surface, and its opcodes (IORING_OP_SOCKET …) would bypass any
 * rule below.
 *
 * With @shared_network the sandbox shares the host's network namespace,
 * and with it the abstract unix socket namespace where X11/XWayland and
 * sometimes a session bus listen. Seccomp cannot read socket addresses,
 * so no unix socket may be created at all, and socketpair() only makes
 * AF_UNIX stream pairs: Node's IPC channels (child_process.fork()) need
 * them, and a connected stream pair cannot address anyone else, while a
 * datagram one could sendto() any abstract name. In a network of its own
 * the abstract namespace is the sandbox's own, and unix sockets are fine.
 *
 * Other ABIs (x32, 32-bit) are refused outright, as their numbers would
 * slip past these checks. */
GBytes *
forge_seccomp_build_filter (gboolean shared_network)
{
#ifdef NATIVE_AUDIT_ARCH
  GArray *program = g_array_new (FALSE, FALSE, sizeof (struct sock_filter));
  static const int io_uring_calls[] = {
    __NR_io_uring_setup, __NR_io_uring_enter, __NR_io_uring_register,
  };
  gsize len;

  FILTER_STMT (program, BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch));
  add_filter (program, BPF_JMP | BPF_JEQ | BPF_K, NATIVE_AUDIT_ARCH, 1, 0);
  FILTER_STMT (program, BPF_RET | BPF_K, RET_ERRNO (ENOSYS));
  FILTER_STMT (program, BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr));
#ifdef __x86_64__
  add_filter (program, BPF_JMP | BPF_JGE | BPF_K, 0x40000000 /* __X32_SYSCALL_BIT */, 0, 1);
  FILTER_STMT (program, BPF_RET | BPF_K, RET_ERRNO (ENOSYS));
#endif

  for (guint i = 0; i < G_N_ELEMENTS (io_uring_calls); i++)
    {
      add_filter (program, BPF_JMP | BPF_JEQ | BPF_K, io_uring_calls[i], 0, 1);
      FILTER_STMT (program, BPF_RET | BPF_K, RET_ERRNO (ENOSYS));
    }

  if (shared_network)
    {
      /* socket(AF_UNIX, …) */
      add_filter (program, BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 4);
      FILTER_STMT (program, BPF_LD | BPF_W | BPF_ABS, ARG_LOW (0));
      add_filter (program, BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1);
      FILTER_STMT (program, BPF_RET | BPF_K, RET_ERRNO (EACCES));
      FILTER_STMT (program, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

      /* socketpair(AF_UNIX, SOCK_STREAM [| SOCK_NONBLOCK | SOCK_CLOEXEC], …) */
      add_filter (program, BPF_JMP | BPF_JEQ | BPF_K, __NR_socketpair, 0, 7);
      FILTER_STMT (program, BPF_LD | BPF_W | BPF_ABS, ARG_LOW (0));
      add_filter (program, BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 4);
      FILTER_STMT (program, BPF_LD | BPF_W | BPF_ABS, ARG_LOW (1));
      FILTER_STMT (program, BPF_ALU | BPF_AND | BPF_K, ~(unsigned int) (SOCK_NONBLOCK | SOCK_CLOEXEC));
      add_filter (program, BPF_JMP | BPF_JEQ | BPF_K, SOCK_STREAM, 0, 1);
      FILTER_STMT (program, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
      FILTER_STMT (program, BPF_RET | BPF_K, RET_ERRNO (EACCES));
    }

  FILTER_STMT (program, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

  len = program->len * sizeof (struct sock_filter);
  return g_bytes_new_take (g_array_free (program, FALSE), len);
#else
  return NULL;
#endif
}
