/* forge-seccomp.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether the filter can be built for this architecture: only the native
 * ABI of x86-64 and ARM64 is known. Without it no sandbox may run. */
gboolean  forge_seccomp_is_supported (void);

/* The seccomp program (struct sock_filter[], as bwrap's --seccomp reads
 * it) of every sandboxed command; NULL where it is not supported.
 *
 * io_uring fails with ENOSYS, and so does every other ABI (x32, 32-bit).
 * With @shared_network, unix sockets are refused (EACCES) but for stream
 * socketpairs. */
GBytes   *forge_seccomp_build_filter (gboolean shared_network);

G_END_DECLS
