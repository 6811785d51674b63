/* forge-test-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "forge-test-server.h"

struct _ForgeTestServer
{
  GThread            *thread;
  GMainContext       *context;
  GMutex              mutex;
  GCond               cond;
  gboolean            ready;
  gint                stopping;
  char               *base;
  char               *server_header;
  SoupServerCallback  handler;
  gpointer            user_data;
};

static gpointer
server_thread (gpointer data)
{
  ForgeTestServer *self = data;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (self->context);

  server = soup_server_new ("server-header", self->server_header, NULL);
  soup_server_add_handler (server, NULL, self->handler, self->user_data, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);

  g_mutex_lock (&self->mutex);
  self->base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  self->ready = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  /* Not g_main_loop_run(): a stop before it started would be lost. */
  while (!g_atomic_int_get (&self->stopping))
    g_main_context_iteration (self->context, TRUE);

  soup_server_disconnect (server);
  g_clear_object (&server);
  while (g_main_context_iteration (self->context, FALSE))
    ;

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

ForgeTestServer *
forge_test_server_new (const char         *server_header,
                       SoupServerCallback  handler,
                       gpointer            user_data)
{
  ForgeTestServer *self = g_new0 (ForgeTestServer, 1);

  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->server_header = g_strdup (server_header);
  self->handler = handler;
  self->user_data = user_data;
  self->context = g_main_context_new ();
  self->thread = g_thread_new ("test-server", server_thread, self);

  g_mutex_lock (&self->mutex);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  return self;
}

const char *
forge_test_server_get_base (ForgeTestServer *self)
{
  return self->base;
}

GMainContext *
forge_test_server_get_context (ForgeTestServer *self)
{
  return self->context;
}

void
forge_test_server_free (ForgeTestServer *self)
{
  g_atomic_int_set (&self->stopping, TRUE);
  g_main_context_wakeup (self->context);
  g_thread_join (self->thread);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self->server_header);
  g_free (self->base);
  g_free (self);
}
