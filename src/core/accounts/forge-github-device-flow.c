/* forge-github-device-flow.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-github"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "forge-github-device-flow.h"
#include "forge-github-private.h"

#define DEFAULT_SCOPE "repo"
#define GRANT_TYPE "urn:ietf:params:oauth:grant-type:device_code"
/* GitHub's documented defaults, for an answer that leaves them out. */
#define DEFAULT_INTERVAL_S 5
#define DEFAULT_EXPIRES_IN_S 900
#define SLOW_DOWN_STEP_S 5
/* A server saying 0 must not make us poll in a loop, nor one saying a
 * day make the dialog wait for ever. */
#define MIN_INTERVAL_S 1
#define MAX_INTERVAL_S 120
#define MAX_EXPIRES_IN_S (24 * 3600)
#define MAX_CODE_CHARS 64
#define MAX_TOKEN_CHARS 1024

struct _ForgeGithubDeviceFlow
{
  GObject          parent_instance;

  ForgeGithubHost *host;
  char            *client_id;
  SoupSession     *session;

  /* A credential for the next minutes: never logged. */
  char            *device_code;
  char            *user_code;
  char            *verification_uri;
  guint            interval;
  guint            expires_in;
  gint64           deadline;       /* monotonic µs */
  gboolean         busy;           /* a start or a poll runs */
};

enum {
  PROP_0,
  PROP_HOST,
  PROP_CLIENT_ID,
  PROP_USER_CODE,
  PROP_VERIFICATION_URI,
  PROP_INTERVAL,
  PROP_EXPIRES_IN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeGithubDeviceFlow, forge_github_device_flow, G_TYPE_OBJECT)

const char *
forge_github_default_client_id (void)
{
  return GITHUB_CLIENT_ID;
}

static void
wipe_string (char **text)
{
  if (*text != NULL)
    memset (*text, 0, strlen (*text));
  g_clear_pointer (text, g_free);
}

static void
token_free (char *token)
{
  wipe_string (&token);
}

/* ---- one POST, on a worker thread ---- */

typedef struct
{
  char   *url;
  GBytes *form;
} PostData;

static void
post_data_free (PostData *data)
{
  g_free (data->url);
  /* It carries the device code. */
  _forge_github_bytes_wipe_unref (data->form);
  g_free (data);
}

/* Answers carry the token: wiped when dropped. */
static void
response_free (ForgeGithubResponse *response)
{
  _forge_github_bytes_wipe_unref (g_steal_pointer (&response->body));
  _forge_github_response_clear (response);
  g_free (response);
}

static void
post_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ForgeGithubDeviceFlow *self = source_object;
  PostData *data = task_data;
  g_autoptr(SoupMessage) message = soup_message_new (SOUP_METHOD_POST, data->url);
  g_autoptr(GUri) uri = g_uri_parse (data->url, SOUP_HTTP_URI_FLAGS, NULL);
  ForgeGithubResponse *response = g_new0 (ForgeGithubResponse, 1);
  GError *error = NULL;

  /* The host checked these URLs when it was made. */
  g_assert (message != NULL && uri != NULL);

  /* Else GitHub answers form-encoded. */
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept", "application/json");
  soup_message_set_request_body_from_bytes (message, "application/x-www-form-urlencoded", data->form);

  if (_forge_github_send (self->session, message, g_uri_get_host (uri), response, cancellable, &error))
    g_task_return_pointer (task, response, (GDestroyNotify) response_free);
  else
    {
      response_free (response);
      g_task_return_error (task, error);
    }
}

/* form: soup_form_encode()d, taken. */
static void
post_form_async (ForgeGithubDeviceFlow *self,
                 const char            *url,
                 char                  *form,
                 GCancellable          *cancellable,
                 GAsyncReadyCallback    callback,
                 gpointer               user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  PostData *data = g_new0 (PostData, 1);

  data->url = g_strdup (url);
  data->form = g_bytes_new_take (form, strlen (form));
  g_task_set_source_tag (task, post_form_async);
  g_task_set_task_data (task, data, (GDestroyNotify) post_data_free);
  g_task_run_in_thread (task, post_thread);
}

static ForgeGithubResponse *
post_form_finish (ForgeGithubDeviceFlow  *self,
                  GAsyncResult           *result,
                  GError                **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- reading answers ---- */

/* OAuth errors other than those the poll handles itself. */
static void
set_oauth_error (const char  *code,
                 GError     **error)
{
  g_autofree char *shown = _forge_github_clean_message (code);

  if (g_strcmp0 (code, "expired_token") == 0)
    g_set_error_literal (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_EXPIRED,
                         _("The code expired: start again"));
  else if (g_strcmp0 (code, "access_denied") == 0)
    g_set_error_literal (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_DENIED,
                         _("Access was denied on GitHub: start again to connect your account"));
  else if (g_strcmp0 (code, "device_flow_disabled") == 0 ||
           g_strcmp0 (code, "incorrect_client_credentials") == 0 ||
           g_strcmp0 (code, "unauthorized_client") == 0)
    g_set_error_literal (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_FAILED,
                         _("GitHub does not accept signing in with a code from this build: use a personal access token instead"));
  else
    g_set_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_FAILED,
                 _("GitHub refused signing in (%s): start again"),
                 shown != NULL ? shown : "?");
}

/* The JSON object of an answer, or an error for a status or a body that
 * is not one. GitHub answers OAuth errors with 200 and {"error": …};
 * 4xx with the same body is taken the same way. */
static JsonNode *
answer_object (ForgeGithubDeviceFlow      *self,
               const ForgeGithubResponse  *response,
               GError                    **error)
{
  g_autoptr(JsonNode) root = NULL;
  GError *rate_limited = _forge_github_rate_limit_error (response);

  if (rate_limited != NULL)
    {
      g_propagate_error (error, rate_limited);
      return NULL;
    }
  if (response->status == SOUP_STATUS_NOT_FOUND)
    {
      g_set_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_FAILED,
                   _("GitHub at %s does not offer signing in with a code: use a personal access token instead"),
                   forge_github_host_get_name (self->host));
      return NULL;
    }
  if (SOUP_STATUS_IS_SERVER_ERROR (response->status))
    {
      g_set_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_FAILED,
                   _("GitHub is having trouble (HTTP %u): try again later"), response->status);
      return NULL;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (response->status) && !SOUP_STATUS_IS_CLIENT_ERROR (response->status))
    {
      g_set_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_FAILED,
                   _("GitHub answered with an unexpected HTTP status %u: try again later"), response->status);
      return NULL;
    }
  if (response->too_large)
    {
      _forge_github_set_protocol_error (error, _("larger than 4 MiB"));
      return NULL;
    }

  root = _forge_github_parse_json (response->body, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      _forge_github_set_protocol_error (error, _("not a JSON object"));
      return NULL;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (response->status) &&
      _forge_github_member_string (json_node_get_object (root), "error") == NULL)
    {
      g_set_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_FAILED,
                   _("GitHub answered with an unexpected HTTP status %u: try again later"), response->status);
      return NULL;
    }

  return g_steal_pointer (&root);
}

/* Printable ASCII without spaces: what codes and tokens are made of,
 * and nothing that could break a header or a label. */
static gboolean
is_token_text (const char *text,
               gsize       max_chars)
{
  gsize len = text != NULL ? strlen (text) : 0;

  if (len == 0 || len > max_chars)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isgraph (text[i]))
      return FALSE;
  return TRUE;
}

static guint
clamp_seconds (gint64 value,
               guint  minimum,
               guint  maximum)
{
  return (guint) CLAMP (value, (gint64) minimum, (gint64) maximum);
}

/* ---- start ---- */

static void
start_answered (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ForgeGithubDeviceFlow *self = FORGE_GITHUB_DEVICE_FLOW (source);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  ForgeGithubResponse *response;
  JsonObject *object;
  const char *device_code, *user_code, *verification_uri, *oauth_error;
  gint64 interval = DEFAULT_INTERVAL_S, expires_in = DEFAULT_EXPIRES_IN_S;

  self->busy = FALSE;

  response = post_form_finish (self, result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  root = answer_object (self, response, &error);
  response_free (response);
  if (root == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  object = json_node_get_object (root);
  if ((oauth_error = _forge_github_member_string (object, "error")) != NULL)
    {
      set_oauth_error (oauth_error, &error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  device_code = _forge_github_member_string (object, "device_code");
  user_code = _forge_github_member_string (object, "user_code");
  verification_uri = _forge_github_member_string (object, "verification_uri");
  /* Opened in a browser: the web, nothing else. */
  if (!is_token_text (device_code, MAX_TOKEN_CHARS) || !is_token_text (user_code, MAX_CODE_CHARS) ||
      !_forge_github_is_web_url (verification_uri))
    {
      g_task_return_new_error (task, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_PROTOCOL,
                               _("GitHub sent an answer Forge Preview cannot read (%s)"),
                               _("no valid code"));
      return;
    }
  if ((!_forge_github_member_int (object, "interval", &interval) && !_forge_github_member_is_null (object, "interval")) ||
      (!_forge_github_member_int (object, "expires_in", &expires_in) && !_forge_github_member_is_null (object, "expires_in")))
    {
      g_task_return_new_error (task, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_PROTOCOL,
                               _("GitHub sent an answer Forge Preview cannot read (%s)"),
                               _("times that are not numbers"));
      return;
    }

  wipe_string (&self->device_code);
  self->device_code = g_strdup (device_code);
  g_free (self->user_code);
  self->user_code = g_strdup (user_code);
  g_free (self->verification_uri);
  self->verification_uri = g_strdup (verification_uri);
  self->interval = clamp_seconds (interval, MIN_INTERVAL_S, MAX_INTERVAL_S);
  self->expires_in = clamp_seconds (expires_in, 1, MAX_EXPIRES_IN_S);
  self->deadline = g_get_monotonic_time () + (gint64) self->expires_in * G_USEC_PER_SEC;

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER_CODE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERIFICATION_URI]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPIRES_IN]);
  g_object_thaw_notify (G_OBJECT (self));

  g_debug ("Device flow started: poll every %u s for %u s", self->interval, self->expires_in);
  g_task_return_boolean (task, TRUE);
}

void
forge_github_device_flow_start_async (ForgeGithubDeviceFlow *self,
                                      const char            *scope,
                                      GCancellable          *cancellable,
                                      GAsyncReadyCallback    callback,
                                      gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FORGE_IS_GITHUB_DEVICE_FLOW (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (!self->busy);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, forge_github_device_flow_start_async);

  if (self->client_id == NULL)
    {
      g_task_return_new_error (task, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_NO_CLIENT_ID,
                               "%s", _("Signing in with GitHub is not set up in this build: use a personal access token instead."));
      return;
    }

  self->busy = TRUE;
  post_form_async (self, forge_github_host_get_device_code_url (self->host),
                   soup_form_encode ("client_id", self->client_id,
                                     "scope", scope != NULL && *scope != '\0' ? scope : DEFAULT_SCOPE,
                                     NULL),
                   cancellable, start_answered, g_steal_pointer (&task));
}

gboolean
forge_github_device_flow_start_finish (ForgeGithubDeviceFlow  *self,
                                       GAsyncResult           *result,
                                       GError                **error)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_DEVICE_FLOW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == forge_github_device_flow_start_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- poll ---- */

typedef struct
{
  GMainContext *context;
  GSource      *timeout;
  GSource      *cancelled;
  gboolean      done;
} PollData;

static void
poll_data_free (PollData *data)
{
  /* Both are gone by then: finishing destroys them. */
  g_assert (data->timeout == NULL && data->cancelled == NULL);
  g_main_context_unref (data->context);
  g_free (data);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* Ends the poll once, with either a token or an error. */
static void
poll_finish_with (GTask  *task,
                  char   *token,
                  GError *error)
{
  ForgeGithubDeviceFlow *self = g_task_get_source_object (task);
  PollData *data = g_task_get_task_data (task);

  if (data->done)
    {
      wipe_string (&token);
      g_clear_error (&error);
      return;
    }

  data->done = TRUE;
  self->busy = FALSE;
  clear_source (&data->timeout);
  clear_source (&data->cancelled);

  /* A code is good for one token, and one that expired for none. */
  if (token != NULL || g_error_matches (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_EXPIRED) ||
      g_error_matches (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_DENIED))
    wipe_string (&self->device_code);

  if (token != NULL)
    g_task_return_pointer (task, token, (GDestroyNotify) token_free);
  else
    g_task_return_error (task, error);
}

static void poll_now (GTask *task);

static gboolean
poll_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  PollData *data = g_task_get_task_data (task);

  g_clear_pointer (&data->timeout, g_source_unref);
  poll_now (task);
  return G_SOURCE_REMOVE;
}

static void
schedule_poll (GTask *task)
{
  ForgeGithubDeviceFlow *self = g_task_get_source_object (task);
  PollData *data = g_task_get_task_data (task);

  g_assert (data->timeout == NULL);
  data->timeout = g_timeout_source_new (self->interval * 1000);
  g_source_set_static_name (data->timeout, "[forge-github] device flow poll");
  g_source_set_callback (data->timeout, poll_timeout_cb, g_object_ref (task), g_object_unref);
  g_source_attach (data->timeout, data->context);
}

static void
poll_answered (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ForgeGithubDeviceFlow *self = FORGE_GITHUB_DEVICE_FLOW (source);
  g_autoptr(GTask) task = user_data;
  PollData *data = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  ForgeGithubResponse *response;
  GError *error = NULL;
  JsonObject *object;
  const char *token, *oauth_error;

  response = post_form_finish (self, result, &error);
  /* Cancelled meanwhile: the cancellable's source has finished it. */
  if (data->done)
    {
      if (response != NULL)
        response_free (response);
      g_clear_error (&error);
      return;
    }
  if (response == NULL)
    {
      poll_finish_with (task, NULL, error);
      return;
    }

  root = answer_object (self, response, &error);
  response_free (response);
  if (root == NULL)
    {
      poll_finish_with (task, NULL, error);
      return;
    }
  object = json_node_get_object (root);

  if ((token = _forge_github_member_string (object, "access_token")) != NULL)
    {
      if (!is_token_text (token, MAX_TOKEN_CHARS))
        {
          _forge_github_set_protocol_error (&error, _("no valid token"));
          poll_finish_with (task, NULL, error);
          return;
        }
      g_debug ("Device flow: signed in");
      poll_finish_with (task, g_strdup (token), NULL);
      return;
    }

  oauth_error = _forge_github_member_string (object, "error");
  if (oauth_error == NULL)
    {
      _forge_github_set_protocol_error (&error, _("neither a token nor an error"));
      poll_finish_with (task, NULL, error);
      return;
    }

  if (strcmp (oauth_error, "authorization_pending") == 0)
    {
      schedule_poll (task);
      return;
    }

  if (strcmp (oauth_error, "slow_down") == 0)
    {
      gint64 interval = 0;

      /* RFC 8628 says add 5 s; GitHub also sends the interval it wants. */
      if (!_forge_github_member_int (object, "interval", &interval) || interval <= self->interval)
        interval = (gint64) self->interval + SLOW_DOWN_STEP_S;
      self->interval = clamp_seconds (interval, MIN_INTERVAL_S, MAX_INTERVAL_S);
      g_debug ("Device flow: slowing down to every %u s", self->interval);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
      schedule_poll (task);
      return;
    }

  set_oauth_error (oauth_error, &error);
  poll_finish_with (task, NULL, error);
}

static void
poll_now (GTask *task)
{
  ForgeGithubDeviceFlow *self = g_task_get_source_object (task);
  PollData *data = g_task_get_task_data (task);

  if (data->done)
    return;

  /* Past its lifetime the code is no good: no need to ask. */
  if (g_get_monotonic_time () >= self->deadline)
    {
      poll_finish_with (task, NULL,
                        g_error_new_literal (FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_EXPIRED,
                                             _("The code expired: start again")));
      return;
    }

  post_form_async (self, forge_github_host_get_access_token_url (self->host),
                   soup_form_encode ("client_id", self->client_id,
                                     "device_code", self->device_code,
                                     "grant_type", GRANT_TYPE,
                                     NULL),
                   g_task_get_cancellable (task), poll_answered, g_object_ref (task));
}

static gboolean
poll_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  GTask *task = user_data;
  PollData *data = g_task_get_task_data (task);
  GError *error = NULL;

  /* Answer now: the dialog is closing, and a request in flight is
   * cancelled with the same cancellable. */
  g_clear_pointer (&data->cancelled, g_source_unref);
  g_cancellable_set_error_if_cancelled (cancellable, &error);
  poll_finish_with (task, NULL, error);
  return G_SOURCE_REMOVE;
}

void
forge_github_device_flow_poll_async (ForgeGithubDeviceFlow *self,
                                     GCancellable          *cancellable,
                                     GAsyncReadyCallback    callback,
                                     gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  PollData *data;

  g_return_if_fail (FORGE_IS_GITHUB_DEVICE_FLOW (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (!self->busy);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, forge_github_device_flow_poll_async);

  if (self->device_code == NULL)
    {
      g_task_return_new_error (task, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_EXPIRED,
                               "%s", _("There is no code to wait for: start again"));
      return;
    }

  data = g_new0 (PollData, 1);
  data->context = g_main_context_ref_thread_default ();
  g_task_set_task_data (task, data, (GDestroyNotify) poll_data_free);
  self->busy = TRUE;

  if (cancellable != NULL)
    {
      data->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_static_name (data->cancelled, "[forge-github] device flow cancelled");
      g_source_set_callback (data->cancelled, G_SOURCE_FUNC (poll_cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_attach (data->cancelled, data->context);
    }

  /* GitHub asks for the interval before the first poll too. */
  schedule_poll (task);
}

char *
forge_github_device_flow_poll_finish (ForgeGithubDeviceFlow  *self,
                                      GAsyncResult           *result,
                                      GError                **error)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_DEVICE_FLOW (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == forge_github_device_flow_poll_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the object ---- */

ForgeGithubDeviceFlow *
forge_github_device_flow_new (ForgeGithubHost *host,
                              const char      *client_id)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_HOST (host), NULL);

  return g_object_new (FORGE_TYPE_GITHUB_DEVICE_FLOW,
                       "host", host,
                       "client-id", client_id,
                       NULL);
}

ForgeGithubHost *
forge_github_device_flow_get_host (ForgeGithubDeviceFlow *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_DEVICE_FLOW (self), NULL);
  return self->host;
}

const char *
forge_github_device_flow_get_client_id (ForgeGithubDeviceFlow *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_DEVICE_FLOW (self), NULL);
  return self->client_id;
}

const char *
forge_github_device_flow_get_user_code (ForgeGithubDeviceFlow *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_DEVICE_FLOW (self), NULL);
  return self->user_code;
}

const char *
forge_github_device_flow_get_verification_uri (ForgeGithubDeviceFlow *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_DEVICE_FLOW (self), NULL);
  return self->verification_uri;
}

guint
forge_github_device_flow_get_interval (ForgeGithubDeviceFlow *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_DEVICE_FLOW (self), 0);
  return self->interval;
}

guint
forge_github_device_flow_get_expires_in (ForgeGithubDeviceFlow *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_DEVICE_FLOW (self), 0);
  return self->expires_in;
}

static void
forge_github_device_flow_finalize (GObject *object)
{
  ForgeGithubDeviceFlow *self = FORGE_GITHUB_DEVICE_FLOW (object);

  wipe_string (&self->device_code);
  g_free (self->user_code);
  g_free (self->verification_uri);
  g_free (self->client_id);
  g_clear_object (&self->session);
  g_clear_object (&self->host);

  G_OBJECT_CLASS (forge_github_device_flow_parent_class)->finalize (object);
}

static void
forge_github_device_flow_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  ForgeGithubDeviceFlow *self = FORGE_GITHUB_DEVICE_FLOW (object);

  switch (prop_id)
    {
    case PROP_HOST:
      g_value_set_object (value, self->host);
      break;
    case PROP_CLIENT_ID:
      g_value_set_string (value, self->client_id);
      break;
    case PROP_USER_CODE:
      g_value_set_string (value, self->user_code);
      break;
    case PROP_VERIFICATION_URI:
      g_value_set_string (value, self->verification_uri);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    case PROP_EXPIRES_IN:
      g_value_set_uint (value, self->expires_in);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_github_device_flow_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  ForgeGithubDeviceFlow *self = FORGE_GITHUB_DEVICE_FLOW (object);
  const char *text;

  switch (prop_id)
    {
    case PROP_HOST:
      self->host = g_value_dup_object (value);
      break;
    case PROP_CLIENT_ID:
      text = g_value_get_string (value);
      /* "" is how an unset build option and setting arrive. */
      self->client_id = text != NULL && *text != '\0' ? g_strstrip (g_strdup (text)) : NULL;
      if (self->client_id != NULL && *self->client_id == '\0')
        g_clear_pointer (&self->client_id, g_free);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_github_device_flow_constructed (GObject *object)
{
  ForgeGithubDeviceFlow *self = FORGE_GITHUB_DEVICE_FLOW (object);

  G_OBJECT_CLASS (forge_github_device_flow_parent_class)->constructed (object);

  if (self->host == NULL)
    self->host = forge_github_host_new_default ();
}

static void
forge_github_device_flow_class_init (ForgeGithubDeviceFlowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = forge_github_device_flow_constructed;
  object_class->finalize = forge_github_device_flow_finalize;
  object_class->get_property = forge_github_device_flow_get_property;
  object_class->set_property = forge_github_device_flow_set_property;

  properties[PROP_HOST] =
    g_param_spec_object ("host", NULL, NULL, FORGE_TYPE_GITHUB_HOST,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CLIENT_ID] =
    g_param_spec_string ("client-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USER_CODE] =
    g_param_spec_string ("user-code", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VERIFICATION_URI] =
    g_param_spec_string ("verification-uri", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INTERVAL] =
    g_param_spec_uint ("interval", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EXPIRES_IN] =
    g_param_spec_uint ("expires-in", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
forge_github_device_flow_init (ForgeGithubDeviceFlow *self)
{
  self->session = _forge_github_session_new ();
}
