/* forge-sandbox-network.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* slirp4netns's built-in DNS forwarder: the resolv.conf of a command in a
 * network of its own (the host's resolver may be on its loopback, out of
 * reach). */
#define FORGE_SANDBOX_NETWORK_RESOLV_CONF "nameserver 10.0.2.3\n"

#define FORGE_TYPE_SANDBOX_NETWORK (forge_sandbox_network_get_type ())

G_DECLARE_FINAL_TYPE (ForgeSandboxNetwork, forge_sandbox_network, FORGE, SANDBOX_NETWORK, GObject)

/* The network of one sandboxed command: slirp4netns attached to its
 * network namespace, giving outbound connections through user-mode NAT
 * and none to the host's loopback, and forwarding the ports the host asks
 * for to 127.0.0.1. Thread-safe. */

/* Waits until the namespace of @child_pid has its loopback interface,
 * then attaches @slirp4netns to it. Blocking; FORGE_SANDBOX_ERROR_SPAWN_FAILED
 * when it could not. */
ForgeSandboxNetwork *forge_sandbox_network_attach      (const char           *slirp4netns,
                                                        GPid                  child_pid,
                                                        GError              **error);
/* The same on the host, from inside Flatpak: slirp4netns run through
 * @host_prefix (flatpak-spawn --host …, to which the fds it needs are
 * added), with @spawner_env, attached to the network namespace of
 * @host_pid, a host pid whose own user namespace owns that network
 * namespace and whose loopback interface is up already. Its API socket
 * goes in a new folder in @api_parent, which must be at the same path on
 * both sides. Blocking; FORGE_SANDBOX_ERROR_SPAWN_FAILED when it could not. */
ForgeSandboxNetwork *forge_sandbox_network_attach_on_host (const char * const  *host_prefix,
                                                           const char * const  *spawner_env,
                                                           const char          *slirp4netns,
                                                           GPid                 host_pid,
                                                           const char          *api_parent,
                                                           GError             **error);
/* Stops slirp4netns at once and removes its control socket; ports stop
 * answering. Idempotent. */
void                 forge_sandbox_network_stop        (ForgeSandboxNetwork  *self);
/* Forwards @port inside to a port on the host's 127.0.0.1 and returns
 * "127.0.0.1:PORT" (the same each time for one @port). With
 * @same_number_first the host port of that number is tried first. */
char                *forge_sandbox_network_expose_port (ForgeSandboxNetwork  *self,
                                                        guint                 port,
                                                        gboolean              same_number_first,
                                                        GError              **error);

G_END_DECLS
