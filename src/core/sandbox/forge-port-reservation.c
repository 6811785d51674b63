/* forge-port-reservation.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-sandbox"

#include "config.h"

#include "forge-port-reservation.h"

struct _ForgePortReservation
{
  GObject  parent_instance;
  GSocket *socket;
  guint    port;
};

G_DEFINE_FINAL_TYPE (ForgePortReservation, forge_port_reservation, G_TYPE_OBJECT)

static void
forge_port_reservation_finalize (GObject *object)
{
  ForgePortReservation *self = FORGE_PORT_RESERVATION (object);

  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);

  G_OBJECT_CLASS (forge_port_reservation_parent_class)->finalize (object);
}

static void
forge_port_reservation_class_init (ForgePortReservationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = forge_port_reservation_finalize;
}

static void
forge_port_reservation_init (ForgePortReservation *self)
{
}

ForgePortReservation *
forge_port_reservation_new (guint    port,
                            GError **error)
{
  g_autoptr(ForgePortReservation) self = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;

  g_return_val_if_fail (port <= G_MAXUINT16, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (FORGE_TYPE_PORT_RESERVATION, NULL);
  self->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (self->socket == NULL)
    return NULL;

  /* allow_reuse sets SO_REUSEADDR: the listener that serves the port
   * later sets it too, and may then bind beside this socket. Never
   * listen(): a listening socket would shut that listener out. */
  address = g_inet_socket_address_new (loopback, (guint16) port);
  if (!g_socket_bind (self->socket, address, TRUE, error))
    return NULL;

  bound = g_socket_get_local_address (self->socket, error);
  if (bound == NULL)
    return NULL;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  return g_steal_pointer (&self);
}

guint
forge_port_reservation_get_port (ForgePortReservation *self)
{
  g_return_val_if_fail (FORGE_IS_PORT_RESERVATION (self), 0);

  return self->port;
}
