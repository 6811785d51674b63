/* forge-port-reservation.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define FORGE_TYPE_PORT_RESERVATION (forge_port_reservation_get_type ())

G_DECLARE_FINAL_TYPE (ForgePortReservation, forge_port_reservation, FORGE, PORT_RESERVATION, GObject)

/* Holds a TCP port on the host's 127.0.0.1 for as long as it lives, so
 * that a preview can come back on the same origin after its server or
 * sandbox was replaced. The socket is bound with SO_REUSEADDR and never
 * listens: on Linux every bind() to the port without SO_REUSEADDR (other
 * programs, forge_pick_free_port()) then fails with EADDRINUSE, while a
 * listener that sets SO_REUSEADDR (slirp4netns's forwarding, Node,
 * GSocketListener) can still bind and listen there. Nothing connects to
 * it: connections to the port are refused until such a listener is up.
 *
 * @port: 0 for one the kernel picks. Fails with a GIOError when the
 * port is taken. */
ForgePortReservation *forge_port_reservation_new      (guint                  port,
                                                       GError               **error);
guint                 forge_port_reservation_get_port (ForgePortReservation  *self);

G_END_DECLS
