/* forge-server-probe.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-sandbox"

#include "config.h"

#include <libsoup/soup.h>

#include "forge-server-probe.h"

/* A dev server compiling its first page may take seconds to answer. */
#define DEFAULT_TIMEOUT_S 5

struct _ForgeServerProbe
{
  GObject      parent_instance;
  SoupSession *session;
};

enum {
  PROP_0,
  PROP_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeServerProbe, forge_server_probe, G_TYPE_OBJECT)

static SoupMessage *
new_message (const char  *url,
             GError     **error)
{
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL) : NULL;
  SoupMessage *message;

  /* Checked here: libsoup takes anything else for a programming error. */
  if (uri == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Not an HTTP URL: %s", url != NULL ? url : "(none)");
      return NULL;
    }

  message = soup_message_new_from_uri (SOUP_METHOD_GET, uri);

  /* A redirect is an answer to read, not a request to make: following it
   * could leave the server being probed. */
  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  return message;
}

static gboolean
same_server (GUri *a,
             GUri *b)
{
  return g_ascii_strcasecmp (g_uri_get_scheme (a), g_uri_get_scheme (b)) == 0 &&
         g_uri_get_host (a) != NULL && g_uri_get_host (b) != NULL &&
         g_ascii_strcasecmp (g_uri_get_host (a), g_uri_get_host (b)) == 0 &&
         g_uri_get_port (a) == g_uri_get_port (b);
}

/* What an answer means, for both forms. Any HTTP status means the server
 * is up: a 404 is fine, the preview shows what the app serves. A redirect
 * to the same server, as apps served under a base path answer on "/",
 * gives the URL to open; one elsewhere leaves the probed URL. */
static gboolean
interpret_answer (SoupMessage   *message,
                  GInputStream  *body,
                  const char    *url,
                  char         **ready_url)
{
  guint status = soup_message_get_status (message);
  g_autofree char *target_url = NULL;

  /* The headers are the answer. Closing gives the body up unread, so a
   * server streaming it forever holds up no one. */
  g_input_stream_close (body, NULL, NULL);

  if (status < 100)
    return FALSE;

  /* E2B's edge proxy answers for a port that nothing listens on yet (or
   * a sandbox that is gone) with a 502 in JSON: that is not the server.
   * A dev server's own 502 page is HTML. */
  if (status == SOUP_STATUS_BAD_GATEWAY)
    {
      const char *type = soup_message_headers_get_content_type (soup_message_get_response_headers (message), NULL);

      if (type != NULL && g_ascii_strcasecmp (type, "application/json") == 0)
        return FALSE;
    }

  if (SOUP_STATUS_IS_REDIRECTION (status))
    {
      const char *location = soup_message_headers_get_one (soup_message_get_response_headers (message), "Location");
      g_autoptr(GUri) base = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
      g_autoptr(GUri) target = location && base ? g_uri_parse_relative (base, location, G_URI_FLAGS_NONE, NULL) : NULL;

      if (target != NULL && same_server (base, target))
        target_url = g_uri_to_string (target);
    }

  if (ready_url != NULL)
    *ready_url = target_url != NULL ? g_steal_pointer (&target_url) : g_strdup (url);

  return TRUE;
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  g_autoptr(GInputStream) stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  const char *url = g_task_get_task_data (task);
  char *ready_url = NULL;

  if (stream == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!interpret_answer (message, stream, url, &ready_url))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "No HTTP answer from %s", url);
      return;
    }

  g_task_return_pointer (task, ready_url, g_free);
}

void
forge_server_probe_check_async (ForgeServerProbe    *self,
                                const char          *url,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SoupMessage) message = NULL;
  GError *error = NULL;

  g_return_if_fail (FORGE_IS_SERVER_PROBE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, forge_server_probe_check_async);
  g_task_set_task_data (task, g_strdup (url), g_free);

  message = new_message (url, &error);
  if (message == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  soup_session_send_async (self->session, message, G_PRIORITY_DEFAULT, cancellable,
                           send_cb, g_steal_pointer (&task));
}

gboolean
forge_server_probe_check_finish (ForgeServerProbe  *self,
                                 GAsyncResult      *result,
                                 char             **ready_url,
                                 GError           **error)
{
  g_autofree char *url = NULL;

  g_return_val_if_fail (FORGE_IS_SERVER_PROBE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == forge_server_probe_check_async, FALSE);

  url = g_task_propagate_pointer (G_TASK (result), error);
  if (url == NULL)
    return FALSE;

  if (ready_url != NULL)
    *ready_url = g_steal_pointer (&url);
  return TRUE;
}

gboolean
forge_server_probe_check_sync (ForgeServerProbe  *self,
                               const char        *url,
                               char             **ready_url,
                               GCancellable      *cancellable,
                               GError           **error)
{
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GInputStream) stream = NULL;

  g_return_val_if_fail (FORGE_IS_SERVER_PROBE (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);

  if ((message = new_message (url, error)) == NULL)
    return FALSE;

  stream = soup_session_send (self->session, message, cancellable, error);
  if (stream == NULL)
    return FALSE;
  if (!interpret_answer (message, stream, url, ready_url))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "No HTTP answer from %s", url);
      return FALSE;
    }

  return TRUE;
}

guint
forge_server_probe_get_timeout (ForgeServerProbe *self)
{
  g_return_val_if_fail (FORGE_IS_SERVER_PROBE (self), 0);

  return soup_session_get_timeout (self->session);
}

void
forge_server_probe_set_timeout (ForgeServerProbe *self,
                                guint             seconds)
{
  g_return_if_fail (FORGE_IS_SERVER_PROBE (self));

  if (soup_session_get_timeout (self->session) == seconds)
    return;

  soup_session_set_timeout (self->session, seconds);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

static void
forge_server_probe_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ForgeServerProbe *self = FORGE_SERVER_PROBE (object);

  switch (prop_id)
    {
    case PROP_TIMEOUT:
      g_value_set_uint (value, forge_server_probe_get_timeout (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_server_probe_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ForgeServerProbe *self = FORGE_SERVER_PROBE (object);

  switch (prop_id)
    {
    case PROP_TIMEOUT:
      forge_server_probe_set_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_server_probe_finalize (GObject *object)
{
  ForgeServerProbe *self = FORGE_SERVER_PROBE (object);

  g_clear_object (&self->session);

  G_OBJECT_CLASS (forge_server_probe_parent_class)->finalize (object);
}

static void
forge_server_probe_class_init (ForgeServerProbeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = forge_server_probe_get_property;
  object_class->set_property = forge_server_probe_set_property;
  object_class->finalize = forge_server_probe_finalize;

  /* Configurable so that tests of a silent server stay short. */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 0, G_MAXUINT, DEFAULT_TIMEOUT_S,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
forge_server_probe_init (ForgeServerProbe *self)
{
  /* Probes come seconds apart: an idle connection kept for the next one
   * would more likely meet a restarted server than save anything. */
  self->session = soup_session_new_with_options ("timeout", DEFAULT_TIMEOUT_S, "idle-timeout", 1, NULL);
}

ForgeServerProbe *
forge_server_probe_new (void)
{
  return g_object_new (FORGE_TYPE_SERVER_PROBE, NULL);
}
