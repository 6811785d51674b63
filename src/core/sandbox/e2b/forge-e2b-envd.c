/* forge-e2b-envd.c
 *
 * A client of envd, the daemon inside every E2B sandbox: commands over
 * Connect RPC (process.Process/Start is a server stream of enveloped
 * JSON events), signals, and files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-e2b"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "forge-connect-framing.h"
#include "forge-e2b-envd.h"
#include "forge-util.h"

/* Commands run as the template's user, whose home is the sandbox's
 * FORGE_SANDBOX_HOME_DIR; this is what the official SDKs send. */
#define ENVD_USER "user"

/* Bounds on what an error answer may make us read. */
#define ERROR_BODY_MAX (64 * 1024)
#define READ_CHUNK (16 * 1024)
/* Unary calls (signals) get an answer at once or not at all. */
#define UNARY_TIMEOUT_MS 15000

G_DEFINE_QUARK (forge-envd-error-quark, forge_envd_error)

struct _ForgeE2bEnvd
{
  GObject      parent_instance;

  char        *base_url;      /* without a trailing slash */
  char        *access_token;  /* never logged, never in a message */
  SoupSession *session;
};

G_DEFINE_FINAL_TYPE (ForgeE2bEnvd, forge_e2b_envd, G_TYPE_OBJECT)

/* {{{ Errors */

/* Whatever the other side says back could quote the token we sent it:
 * it never reaches a message. */
static char *
scrub (ForgeE2bEnvd *self,
       const char   *text)
{
  g_autofree char *line = forge_connect_one_line (text);

  if (self->access_token != NULL && *self->access_token != '\0' &&
      strstr (line, self->access_token) != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (line, self->access_token, -1);
      return g_strjoinv ("…", parts);
    }

  return g_steal_pointer (&line);
}

/* The message of an error answer ({"message"} as the control plane, the
 * port proxy and Connect all send it), or the body as text. */
static char *
error_body_message (ForgeE2bEnvd *self,
                    GBytes       *body)
{
  g_autoptr(JsonObject) object = NULL;
  const char *message = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  const char *data;

  if (body == NULL || g_bytes_get_size (body) == 0)
    return g_strdup ("");

  object = forge_connect_parse_object (body, NULL);
  if (object != NULL)
    {
      message = forge_connect_json_get_string (object, "message");
      if (message == NULL)
        message = forge_connect_json_get_string (object, "code");
      return scrub (self, message);
    }

  data = g_bytes_get_data (body, &length);
  text = g_strndup (data, length);
  return scrub (self, text);
}

/* An HTTP answer that is not a success, as one of our errors. */
static void
set_status_error (ForgeE2bEnvd  *self,
                  guint          status,
                  GBytes        *body,
                  const char    *what,
                  GError       **error)
{
  g_autofree char *message = error_body_message (self, body);
  g_autofree char *lower = g_ascii_strdown (message, -1);

  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
    case SOUP_STATUS_FORBIDDEN:
      g_set_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_UNAUTHORIZED,
                   _("The sandbox refused its access token (%s)"), what);
      return;

    case SOUP_STATUS_NOT_FOUND:
      g_set_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_NOT_FOUND,
                   _("Not found in the sandbox: %s"), what);
      return;

    case SOUP_STATUS_INSUFFICIENT_STORAGE:
      g_set_error_literal (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_DISK_FULL,
                           _("The sandbox's disk is full"));
      return;

    case SOUP_STATUS_BAD_GATEWAY:
      /* E2B's proxy says so once a sandbox expired or was killed; a 502
       * for anything else (a port not open yet) is no proof of that. */
      if (strstr (lower, "not found") != NULL)
        {
          g_set_error_literal (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_GONE,
                               _("The sandbox was not found: it expired or was stopped"));
          return;
        }
      break;

    default:
      break;
    }

  if (*message != '\0')
    g_set_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_FAILED,
                 _("The sandbox answered %u to %s: %s"), status, what, message);
  else
    g_set_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_FAILED,
                 _("The sandbox answered %u to %s"), status, what);
}

/* A transport error of libsoup, as one of ours. */
static void
set_transport_error (ForgeE2bEnvd  *self,
                     GError        *local_error,
                     const char    *what,
                     GError       **error)
{
  g_autofree char *message = NULL;

  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, local_error);
      return;
    }

  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    {
      g_set_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_GONE,
                   _("The sandbox is gone: it refused the connection (%s)"), what);
      g_error_free (local_error);
      return;
    }

  message = scrub (self, local_error->message);
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_set_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_FAILED,
                 _("The sandbox did not answer in time (%s)"), what);
  else
    g_set_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_FAILED,
                 _("Could not reach the sandbox (%s): %s"), what, message);
  g_error_free (local_error);
}

/* }}} */

/* {{{ Requests */

static SoupMessage *
new_message (ForgeE2bEnvd  *self,
             const char    *method,
             const char    *path_and_query,
             GError       **error)
{
  g_autofree char *url = g_strconcat (self->base_url, path_and_query, NULL);
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  SoupMessage *msg;
  SoupMessageHeaders *headers;

  if (uri == NULL)
    {
      g_set_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_FAILED,
                   _("The sandbox's address is not a URL: %s"), self->base_url);
      return NULL;
    }

  msg = soup_message_new_from_uri (method, uri);
  headers = soup_message_get_request_headers (msg);
  if (self->access_token != NULL)
    soup_message_headers_replace (headers, "X-Access-Token", self->access_token);
  /* Basic auth with an empty password names the user to run as. */
  {
    g_autofree char *credentials = g_base64_encode ((const guchar *) ENVD_USER ":", strlen (ENVD_USER ":"));
    g_autofree char *value = g_strconcat ("Basic ", credentials, NULL);
    soup_message_headers_replace (headers, "Authorization", value);
  }

  return msg;
}

/* Reads at most @max bytes of @stream; more is an error: NULL, with
 * *too_large set. */
static GBytes *
read_bounded (GInputStream  *stream,
              gsize          max,
              gboolean      *too_large,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GBytes) bytes = forge_read_bounded (stream, max, -1, too_large, cancellable, error);

  return *too_large ? NULL : g_steal_pointer (&bytes);
}

/* Sends @msg; a success answer gives its body stream, anything else an
 * error (its body read, bounded, for the message). */
static GInputStream *
send_checked (ForgeE2bEnvd  *self,
              SoupMessage   *msg,
              const char    *what,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GInputStream) body = NULL;
  g_autoptr(GBytes) error_body = NULL;
  gboolean too_large = FALSE;
  guint status;

  body = soup_session_send (self->session, msg, cancellable, &local_error);
  if (body == NULL)
    {
      set_transport_error (self, g_steal_pointer (&local_error), what, error);
      return NULL;
    }

  status = soup_message_get_status (msg);
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    return g_steal_pointer (&body);

  error_body = read_bounded (body, ERROR_BODY_MAX, &too_large, cancellable, NULL);
  g_input_stream_close (body, NULL, NULL);
  set_status_error (self, status, error_body, what, error);
  return NULL;
}

static char *
files_query (const char *path)
{
  g_autofree char *escaped = g_uri_escape_string (path, NULL, FALSE);

  return g_strdup_printf ("/files?path=%s&username=" ENVD_USER, escaped);
}

/* }}} */

/* {{{ Process event streams */

typedef struct
{
  ForgeE2bEnvd        *envd;
  SoupMessage         *msg;
  GInputStream        *body;
  ForgeConnectDecoder *decoder;
  GString             *partial[2];     /* stdout, stderr: a line not ended yet */
  gboolean             discarding[2];  /* the rest of a cut line */
  guint32              pid;
  gboolean             started;
  gboolean             exited;
  int                  exit_code;
  gboolean             ended;          /* the end-of-stream envelope came */
  ForgeEnvdEventFunc   func;
  gpointer             user_data;
} Stream;

static void
stream_free (Stream *stream)
{
  if (stream->body != NULL)
    g_input_stream_close (stream->body, NULL, NULL);
  g_clear_object (&stream->body);
  g_clear_object (&stream->msg);
  g_clear_object (&stream->envd);
  g_clear_pointer (&stream->decoder, forge_connect_decoder_free);
  for (guint i = 0; i < 2; i++)
    g_string_free (stream->partial[i], TRUE);
  g_free (stream);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Stream, stream_free)

static void
emit (Stream         *stream,
      ForgeEnvdEvent *event)
{
  if (stream->func != NULL)
    stream->func (event, stream->user_data);
}

static void
deliver_line (Stream             *stream,
              ForgeSandboxStream  which,
              const char         *data,
              gsize               len)
{
  ForgeEnvdEvent event = { .type = FORGE_ENVD_EVENT_LINE, .stream = which, .pid = stream->pid };
  g_autofree char *raw = NULL;
  g_autofree char *line = NULL;

  if (len > 0 && data[len - 1] == '\r')
    len--;

  /* One byte more than a line may have, so that the cut shows; an
   * embedded NUL ends the line early, as in the local backend. */
  raw = g_strndup (data, MIN (len, (gsize) FORGE_LOG_LINE_MAX + 1));
  line = forge_log_line_sanitize (raw);
  event.line = line;
  emit (stream, &event);
}

/* Splits decoded output into lines, never buffering more than one line's
 * bound: a line that long is delivered cut and the rest of it dropped. */
static void
add_output (Stream             *stream,
            ForgeSandboxStream  which,
            const guint8       *data,
            gsize               len)
{
  GString *partial = stream->partial[which];
  const guint8 *end = data + len;

  while (data < end)
    {
      const guint8 *nl = memchr (data, '\n', end - data);
      gsize n = (nl != NULL ? nl : end) - data;

      if (!stream->discarding[which])
        {
          gsize room = (gsize) FORGE_LOG_LINE_MAX + 1 - MIN (partial->len, (gsize) FORGE_LOG_LINE_MAX + 1);

          g_string_append_len (partial, (const char *) data, MIN (n, room));
          if (nl == NULL && partial->len > FORGE_LOG_LINE_MAX)
            {
              deliver_line (stream, which, partial->str, partial->len);
              g_string_truncate (partial, 0);
              stream->discarding[which] = TRUE;
            }
          else if (nl != NULL)
            {
              deliver_line (stream, which, partial->str, partial->len);
              g_string_truncate (partial, 0);
            }
        }
      else if (nl != NULL)
        stream->discarding[which] = FALSE;

      data += n + (nl != NULL ? 1 : 0);
    }
}

static void
flush_output (Stream *stream)
{
  for (guint i = 0; i < 2; i++)
    {
      if (stream->partial[i]->len > 0)
        deliver_line (stream, i, stream->partial[i]->str, stream->partial[i]->len);
      g_string_truncate (stream->partial[i], 0);
      stream->discarding[i] = FALSE;
    }
}

/* Go's names of the signals that end processes ("signal: killed"). */
static int
signal_from_status (const char *status)
{
  static const struct { const char *name; int number; } signals[] = {
    { "hangup", 1 }, { "interrupt", 2 }, { "quit", 3 },
    { "illegal instruction", 4 }, { "trace/breakpoint trap", 5 },
    { "aborted", 6 }, { "bus error", 7 }, { "floating point exception", 8 },
    { "killed", 9 }, { "user defined signal 1", 10 },
    { "segmentation fault", 11 }, { "user defined signal 2", 12 },
    { "broken pipe", 13 }, { "alarm clock", 14 }, { "terminated", 15 },
  };

  if (status == NULL || !g_str_has_prefix (status, "signal: "))
    return 0;
  status += strlen ("signal: ");
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    if (g_str_has_prefix (status, signals[i].name))
      return signals[i].number;
  return 0;
}

static gboolean
protocol_error (GError     **error,
                const char  *message)
{
  g_set_error_literal (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_PROTOCOL, message);
  return FALSE;
}

/* One {"event":{…}} envelope. */
static gboolean
handle_event (Stream   *stream,
              GBytes   *payload,
              GError  **error)
{
  g_autoptr(JsonObject) object = NULL;
  JsonObject *event;
  JsonObject *member;

  object = forge_connect_parse_object (payload, NULL);
  if (object == NULL)
    return protocol_error (error, _("The sandbox sent a process event that is not valid JSON"));

  /* Events we do not know (from a newer envd) are skipped. */
  event = forge_connect_json_get_object (object, "event");
  if (event == NULL)
    return TRUE;

  if ((member = forge_connect_json_get_object (event, "start")) != NULL)
    {
      ForgeEnvdEvent started = { .type = FORGE_ENVD_EVENT_STARTED };
      gint64 pid = 0;

      if (!forge_connect_json_get_int (member, "pid", &pid) || pid < 0 || pid > G_MAXUINT32)
        return protocol_error (error, _("The sandbox sent a process id that is not a number"));
      stream->pid = started.pid = (guint32) pid;
      stream->started = TRUE;
      emit (stream, &started);
    }
  else if ((member = forge_connect_json_get_object (event, "data")) != NULL)
    {
      static const char * const names[] = { "stdout", "stderr", "pty" };

      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          const char *encoded = forge_connect_json_get_string (member, names[i]);
          g_autofree guchar *decoded = NULL;
          gsize len = 0;

          if (encoded == NULL || *encoded == '\0')
            continue;
          /* g_base64_decode() skips what is not base64: hostile data
           * decodes to garbage, never past its buffer. */
          decoded = g_base64_decode (encoded, &len);
          add_output (stream, i == 1 ? FORGE_SANDBOX_STREAM_STDERR : FORGE_SANDBOX_STREAM_STDOUT,
                      decoded, len);
        }
    }
  else if ((member = forge_connect_json_get_object (event, "end")) != NULL)
    {
      ForgeEnvdEvent exited = { .type = FORGE_ENVD_EVENT_EXITED, .pid = stream->pid };
      const char *status = forge_connect_json_get_string (member, "status");
      JsonNode *exited_node = json_object_get_member (member, "exited");
      gboolean normal_exit = exited_node != NULL && JSON_NODE_HOLDS_VALUE (exited_node) &&
                             json_node_get_value_type (exited_node) == G_TYPE_BOOLEAN &&
                             json_node_get_boolean (exited_node);
      gint64 code = 0;
      int signal_number = signal_from_status (status);

      if (!forge_connect_json_get_int (member, "exitCode", &code))
        return protocol_error (error, _("The sandbox sent an exit code that is not a number"));

      /* Go reports -1 for a process a signal ended; say it as a shell. */
      if (signal_number > 0 && (!normal_exit || code < 0))
        exited.exit_code = 128 + signal_number;
      else if (code < 0 || code > 255)
        exited.exit_code = 255;
      else
        exited.exit_code = (int) code;

      exited.status = status;
      flush_output (stream);
      stream->exited = TRUE;
      stream->exit_code = exited.exit_code;
      emit (stream, &exited);
    }

  return TRUE;
}

/* Delivers what the decoder holds; TRUE at the end of the stream. */
static gboolean
drain_envelopes (Stream    *stream,
                 gboolean   until_started,
                 gboolean  *done,
                 GError   **error)
{
  guint8 flags;
  GBytes *payload_raw;

  *done = FALSE;
  while (!(until_started && stream->started) &&
         forge_connect_decoder_pop (stream->decoder, &flags, &payload_raw))
    {
      g_autoptr(GBytes) payload = payload_raw;

      if (flags & FORGE_CONNECT_FLAG_END_STREAM)
        {
          g_autoptr(GError) remote_error = NULL;
          g_autofree char *code = NULL;

          stream->ended = TRUE;
          flush_output (stream);
          if (!forge_connect_parse_end_stream (payload, &code, &remote_error))
            {
              g_autofree char *message = scrub (stream->envd, remote_error->message);
              ForgeEnvdError envd_code = FORGE_ENVD_ERROR_PROTOCOL;

              /* Connect to a pid that is no more: not_found, as a unary
               * call would say it with a 404. */
              if (g_error_matches (remote_error, FORGE_CONNECT_ERROR, FORGE_CONNECT_ERROR_REMOTE))
                envd_code = g_strcmp0 (code, "not_found") == 0
                            ? FORGE_ENVD_ERROR_NOT_FOUND : FORGE_ENVD_ERROR_PROCESS_FAILED;
              g_set_error (error, FORGE_ENVD_ERROR, envd_code, "%s", message);
              return FALSE;
            }
          *done = TRUE;
          return TRUE;
        }

      if (!handle_event (stream, payload, error))
        return FALSE;
    }

  *done = until_started && stream->started;
  return TRUE;
}

/* Reads and delivers events until the stream ends (or, with
 * @until_started, until the process started). FALSE with an error when
 * the stream failed or was cut. */
static gboolean
stream_pump (Stream        *stream,
             gboolean       until_started,
             GCancellable  *cancellable,
             GError       **error)
{
  guint8 chunk[READ_CHUNK];

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gboolean done = FALSE;
      gssize n;

      if (!drain_envelopes (stream, until_started, &done, error))
        return FALSE;
      if (done)
        break;

      n = g_input_stream_read (stream->body, chunk, sizeof chunk, cancellable, &local_error);
      if (n < 0)
        {
          set_transport_error (stream->envd, g_steal_pointer (&local_error),
                               _("reading the command's output"), error);
          flush_output (stream);
          return FALSE;
        }

      if (n == 0)
        {
          flush_output (stream);
          if (!forge_connect_decoder_finish (stream->decoder, NULL))
            return protocol_error (error, _("The connection to the sandbox was cut in the middle of a message"));
          return protocol_error (error, _("The connection to the sandbox ended before the command did"));
        }

      if (!forge_connect_decoder_feed (stream->decoder, chunk, n, &local_error))
        {
          flush_output (stream);
          g_set_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_PROTOCOL,
                       "%s", local_error->message);
          return FALSE;
        }
    }

  if (!until_started && !stream->exited)
    return protocol_error (error, _("The sandbox ended the command's stream without its exit code"));

  return TRUE;
}

/* Sends @root as the one envelope of the server-streaming call @method
 * (Start and Connect answer with the same events): the stream, ready to
 * be pumped, once envd answered. */
static Stream *
stream_request (ForgeE2bEnvd        *self,
                const char          *method,
                JsonNode            *root,
                guint                timeout_ms,
                const char          *what,
                ForgeEnvdEventFunc   func,
                gpointer             user_data,
                GCancellable        *cancellable,
                GError             **error)
{
  g_autoptr(Stream) stream = g_new0 (Stream, 1);
  g_autoptr(GBytes) request = NULL;
  g_autofree char *timeout = NULL;
  g_autofree char *keepalive = NULL;
  SoupMessageHeaders *headers;

  stream->envd = g_object_ref (self);
  stream->decoder = forge_connect_decoder_new (FORGE_CONNECT_MAX_MESSAGE_SIZE);
  stream->partial[0] = g_string_new (NULL);
  stream->partial[1] = g_string_new (NULL);
  stream->func = func;
  stream->user_data = user_data;

  request = forge_connect_envelope_encode_json (0, root);
  stream->msg = new_message (self, SOUP_METHOD_POST, method, error);
  if (stream->msg == NULL)
    return NULL;

  headers = soup_message_get_request_headers (stream->msg);
  /* envd kills the process when this elapses: 0 keeps dev servers. */
  timeout = g_strdup_printf ("%u", timeout_ms);
  soup_message_headers_replace (headers, "Connect-Timeout-Ms", timeout);
  keepalive = g_strdup_printf ("%u", FORGE_ENVD_KEEPALIVE_INTERVAL_S);
  soup_message_headers_replace (headers, "Keepalive-Ping-Interval", keepalive);
  soup_message_headers_replace (headers, "Connect-Protocol-Version", "1");
  soup_message_set_request_body_from_bytes (stream->msg, "application/connect+json", request);

  stream->body = send_checked (self, stream->msg, what, cancellable, error);
  if (stream->body == NULL)
    return NULL;

  return g_steal_pointer (&stream);
}

static Stream *
stream_open (ForgeE2bEnvd        *self,
             const char          *command,
             const char * const  *env,
             const char          *cwd,
             guint                timeout_ms,
             ForgeEnvdEventFunc   func,
             gpointer             user_data,
             GCancellable        *cancellable,
             GError             **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "process");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "cmd");
  json_builder_add_string_value (builder, "/bin/bash");
  json_builder_set_member_name (builder, "args");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, "-l");
  json_builder_add_string_value (builder, "-c");
  json_builder_add_string_value (builder, command);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "envs");
  json_builder_begin_object (builder);
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      const char *eq = strchr (env[i], '=');
      g_autofree char *key = NULL;

      if (eq == NULL || eq == env[i])
        continue;
      key = g_strndup (env[i], eq - env[i]);
      json_builder_set_member_name (builder, key);
      json_builder_add_string_value (builder, eq + 1);
    }
  json_builder_end_object (builder);
  if (cwd != NULL)
    {
      json_builder_set_member_name (builder, "cwd");
      json_builder_add_string_value (builder, cwd);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "stdin");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  return stream_request (self, "/process.Process/Start", root, timeout_ms, _("starting a command"),
                         func, user_data, cancellable, error);
}

struct _ForgeEnvdProcess
{
  gatomicrefcount  ref_count;
  GCancellable    *cancellable;
  guint32          pid;
  GMutex           mutex;
  GCond            cond;
  gboolean         closed;      /* under mutex */
  Stream          *stream;      /* the reader thread's */
  GDestroyNotify   destroy;
};

G_DEFINE_BOXED_TYPE (ForgeEnvdProcess, forge_envd_process,
                     forge_envd_process_ref, forge_envd_process_unref)

ForgeEnvdProcess *
forge_envd_process_ref (ForgeEnvdProcess *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
forge_envd_process_unref (ForgeEnvdProcess *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_clear_object (&self->cancellable);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self);
}

guint32
forge_envd_process_get_pid (ForgeEnvdProcess *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->pid;
}

void
forge_envd_process_disconnect (ForgeEnvdProcess *self)
{
  g_return_if_fail (self != NULL);

  g_cancellable_cancel (self->cancellable);
}

gboolean
forge_envd_process_wait_closed (ForgeEnvdProcess *self,
                                int               timeout_ms)
{
  gint64 deadline = timeout_ms >= 0 ? g_get_monotonic_time () + (gint64) timeout_ms * 1000 : -1;
  gboolean closed;

  g_return_val_if_fail (self != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  while (!self->closed)
    {
      if (deadline < 0)
        g_cond_wait (&self->cond, &self->mutex);
      else if (!g_cond_wait_until (&self->cond, &self->mutex, deadline))
        break;
    }
  closed = self->closed;
  g_mutex_unlock (&self->mutex);

  return closed;
}

static gpointer
process_reader_thread (gpointer data)
{
  ForgeEnvdProcess *self = data;
  Stream *stream = g_steal_pointer (&self->stream);
  g_autoptr(GError) error = NULL;
  ForgeEnvdEvent closed = { .type = FORGE_ENVD_EVENT_CLOSED, .pid = self->pid };
  gpointer user_data = stream->user_data;

  if (!stream_pump (stream, FALSE, self->cancellable, &error))
    {
      g_debug ("The event stream of process %u ended: %s", self->pid, error->message);
      closed.error = error;
    }
  if (closed.error == NULL)
    closed.exit_code = stream->exit_code;
  emit (stream, &closed);
  stream_free (stream);

  /* Before waking waiters: once wait_closed() returns, nothing more
   * touches @user_data. */
  if (self->destroy != NULL)
    self->destroy (user_data);

  g_mutex_lock (&self->mutex);
  self->closed = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  forge_envd_process_unref (self);
  return NULL;
}

/* }}} */

static void
forge_e2b_envd_finalize (GObject *object)
{
  ForgeE2bEnvd *self = FORGE_E2B_ENVD (object);

  g_clear_object (&self->session);
  g_free (self->base_url);
  if (self->access_token != NULL)
    memset (self->access_token, 0, strlen (self->access_token));
  g_free (self->access_token);

  G_OBJECT_CLASS (forge_e2b_envd_parent_class)->finalize (object);
}

static void
forge_e2b_envd_class_init (ForgeE2bEnvdClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = forge_e2b_envd_finalize;
}

static void
forge_e2b_envd_init (ForgeE2bEnvd *self)
{
  /* Configured once, here: from then on only sending is thread-safe.
   * libsoup's default of two connections per host would make a dev
   * server's endless stream and one install wait for each other. The
   * I/O timeout bounds every read: an event stream gets a keepalive
   * every interval, so three silent ones mean the sandbox is lost. */
  self->session = soup_session_new_with_options ("max-conns", 64,
                                                 "max-conns-per-host", 32,
                                                 "timeout", 3 * FORGE_ENVD_KEEPALIVE_INTERVAL_S,
                                                 "user-agent", "forge-preview ",
                                                 NULL);
}

ForgeE2bEnvd *
forge_e2b_envd_new (const char *base_url,
                    const char *access_token)
{
  ForgeE2bEnvd *self;

  g_return_val_if_fail (base_url != NULL, NULL);

  self = g_object_new (FORGE_TYPE_E2B_ENVD, NULL);
  self->base_url = g_strdup (base_url);
  while (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
  self->access_token = g_strdup (access_token);
  return self;
}

const char *
forge_e2b_envd_get_base_url (ForgeE2bEnvd *self)
{
  g_return_val_if_fail (FORGE_IS_E2B_ENVD (self), NULL);

  return self->base_url;
}

/* Waits for @stream's start event (the STARTED event is delivered on this
 * thread), then hands the rest of the stream to a reader thread. @stream
 * NULL: its request failed. On failure calls @destroy and no more. A
 * process we @own is killed when no thread can follow it. */
static ForgeEnvdProcess *
process_follow (ForgeE2bEnvd    *self,
                Stream          *stream,
                GCancellable    *cancellable_in,
                gboolean         own,
                GDestroyNotify   destroy,
                gpointer         user_data,
                GError         **error)
{
  g_autoptr(GCancellable) cancellable = g_object_ref (cancellable_in);
  g_autoptr(GError) thread_error = NULL;
  ForgeEnvdProcess *process;
  GThread *thread;

  if (stream == NULL || !stream_pump (stream, TRUE, cancellable, error))
    {
      g_clear_pointer (&stream, stream_free);
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }

  process = g_new0 (ForgeEnvdProcess, 1);
  g_atomic_ref_count_init (&process->ref_count);
  process->cancellable = g_steal_pointer (&cancellable);
  process->pid = stream->pid;
  g_mutex_init (&process->mutex);
  g_cond_init (&process->cond);
  process->stream = stream;
  process->destroy = destroy;

  thread = g_thread_try_new ("forge-envd-stream", process_reader_thread,
                             forge_envd_process_ref (process), &thread_error);
  if (thread == NULL)
    {
      /* A process we started runs on without us reading it: stop it
       * rather than leave a server nobody sees. */
      g_autoptr(GError) signal_error = NULL;

      if (own &&
          !forge_e2b_envd_send_signal (self, process->pid, "SIGNAL_SIGKILL", NULL, &signal_error))
        g_debug ("Could not stop process %u: %s", process->pid, signal_error->message);
      g_clear_pointer (&process->stream, stream_free);
      forge_envd_process_unref (process);
      forge_envd_process_unref (process);
      g_set_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_FAILED,
                   _("Could not start a thread: %s"), thread_error->message);
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }
  g_thread_unref (thread);

  return process;
}

ForgeEnvdProcess *
forge_e2b_envd_start_process (ForgeE2bEnvd        *self,
                              const char          *command,
                              const char * const  *env,
                              const char          *cwd,
                              guint                timeout_ms,
                              ForgeEnvdEventFunc   func,
                              gpointer             user_data,
                              GDestroyNotify       destroy,
                              GError             **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Stream *stream;

  g_return_val_if_fail (FORGE_IS_E2B_ENVD (self), NULL);
  g_return_val_if_fail (command != NULL, NULL);

  stream = stream_open (self, command, env, cwd, timeout_ms, func, user_data, cancellable, error);
  return process_follow (self, stream, cancellable, TRUE, destroy, user_data, error);
}

ForgeEnvdProcess *
forge_e2b_envd_connect_process (ForgeE2bEnvd        *self,
                                guint32              pid,
                                ForgeEnvdEventFunc   func,
                                gpointer             user_data,
                                GDestroyNotify       destroy,
                                GError             **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) root = NULL;
  Stream *stream;

  g_return_val_if_fail (FORGE_IS_E2B_ENVD (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "process");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "pid");
  json_builder_add_int_value (builder, pid);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  /* Connect-Timeout-Ms 0: the stream of a dev server has no end in
   * sight. Only this request's, it would not kill the process. */
  stream = stream_request (self, "/process.Process/Connect", root, 0, _("following a command"),
                           func, user_data, cancellable, error);
  /* Not ours: a failed reader thread leaves it running, as it was. */
  return process_follow (self, stream, cancellable, FALSE, destroy, user_data, error);
}

typedef struct
{
  ForgeSandboxLineFunc line_func;
  gpointer             user_data;
} RunData;

static void
run_event (const ForgeEnvdEvent *event,
           gpointer              user_data)
{
  RunData *data = user_data;

  if (event->type == FORGE_ENVD_EVENT_LINE && data->line_func != NULL)
    data->line_func (event->stream, event->line, data->user_data);
}

gboolean
forge_e2b_envd_run (ForgeE2bEnvd          *self,
                    const char            *command,
                    const char * const    *env,
                    const char            *cwd,
                    guint                  timeout_ms,
                    ForgeSandboxLineFunc   line_func,
                    gpointer               user_data,
                    int                   *exit_code,
                    GCancellable          *cancellable,
                    GError               **error)
{
  RunData data = { line_func, user_data };
  g_autoptr(Stream) stream = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (FORGE_IS_E2B_ENVD (self), FALSE);
  g_return_val_if_fail (command != NULL, FALSE);

  stream = stream_open (self, command, env, cwd, timeout_ms, run_event, &data, cancellable, error);
  if (stream == NULL)
    return FALSE;

  if (!stream_pump (stream, FALSE, cancellable, &local_error))
    {
      if (g_cancellable_is_cancelled (cancellable))
        {
          /* Dropping the stream leaves the command running: stop it.
           * Not through @cancellable, which is cancelled already. A
           * cancel before envd said the pid cannot reach the command. */
          if (stream->started)
            {
              g_autoptr(GError) signal_error = NULL;

              if (!forge_e2b_envd_send_signal (self, stream->pid, "SIGNAL_SIGKILL", NULL, &signal_error))
                g_debug ("Could not stop process %u: %s", stream->pid, signal_error->message);
            }
          g_clear_error (&local_error);
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
          return FALSE;
        }

      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (exit_code != NULL)
    *exit_code = stream->exit_code;
  return TRUE;
}

gboolean
forge_e2b_envd_send_signal (ForgeE2bEnvd  *self,
                            guint32        pid,
                            const char    *signal_name,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) body = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autofree char *json = NULL;
  g_autofree char *timeout = NULL;
  gboolean too_large = FALSE;
  guint status;

  g_return_val_if_fail (FORGE_IS_E2B_ENVD (self), FALSE);
  g_return_val_if_fail (signal_name != NULL, FALSE);

  msg = new_message (self, SOUP_METHOD_POST, "/process.Process/SendSignal", error);
  if (msg == NULL)
    return FALSE;

  json = g_strdup_printf ("{\"process\":{\"pid\":%u},\"signal\":\"%s\"}", pid, signal_name);
  timeout = g_strdup_printf ("%u", UNARY_TIMEOUT_MS);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Connect-Protocol-Version", "1");
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Connect-Timeout-Ms", timeout);
  {
    gsize length = strlen (json);
    g_autoptr(GBytes) request = g_bytes_new_take (g_steal_pointer (&json), length);

    soup_message_set_request_body_from_bytes (msg, "application/json", request);
  }

  body = soup_session_send (self->session, msg, cancellable, &local_error);
  if (body == NULL)
    {
      set_transport_error (self, g_steal_pointer (&local_error), _("stopping a command"), error);
      return FALSE;
    }

  status = soup_message_get_status (msg);
  answer = read_bounded (body, ERROR_BODY_MAX, &too_large, cancellable, NULL);
  g_input_stream_close (body, NULL, NULL);
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    return TRUE;

  /* A unary Connect error: {"code":"not_found","message":…}. */
  if (answer != NULL)
    {
      g_autoptr(JsonObject) object = forge_connect_parse_object (answer, NULL);
      const char *code = forge_connect_json_get_string (object, "code");

      if (g_strcmp0 (code, "not_found") == 0)
        {
          g_set_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_NOT_FOUND,
                       _("Process %u is no longer running in the sandbox"), pid);
          return FALSE;
        }
    }

  set_status_error (self, status, answer, _("stopping a command"), error);
  return FALSE;
}

/* {{{ Files */

typedef struct
{
  ForgeEnvdProgressFunc progress;
  gpointer              progress_data;
  guint64               done;
  gint64                total;
} Progress;

static void
wrote_body_data (SoupMessage *msg,
                 guint        chunk_size,
                 gpointer     user_data)
{
  Progress *progress = user_data;

  progress->done += chunk_size;
  progress->progress (progress->done, progress->total, progress->progress_data);
}

static gboolean
upload (ForgeE2bEnvd          *self,
        const char            *path,
        GBytes                *contents,
        GInputStream          *stream,
        gint64                 length,
        ForgeEnvdProgressFunc  progress_func,
        gpointer               progress_data,
        GCancellable          *cancellable,
        GError               **error)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) body = NULL;
  g_autofree char *query = NULL;
  g_autofree char *what = NULL;
  Progress progress = { progress_func, progress_data, 0, length };

  g_return_val_if_fail (FORGE_IS_E2B_ENVD (self), FALSE);
  g_return_val_if_fail (path != NULL && g_path_is_absolute (path), FALSE);

  query = files_query (path);
  msg = new_message (self, SOUP_METHOD_POST, query, error);
  if (msg == NULL)
    return FALSE;

  if (contents != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/octet-stream", contents);
  else
    soup_message_set_request_body (msg, "application/octet-stream", stream, length);

  if (progress_func != NULL)
    g_signal_connect (msg, "wrote-body-data", G_CALLBACK (wrote_body_data), &progress);

  what = g_strdup_printf (_("uploading %s"), path);
  body = send_checked (self, msg, what, cancellable, error);
  if (progress_func != NULL)
    g_signal_handlers_disconnect_by_func (msg, wrote_body_data, &progress);
  if (body == NULL)
    return FALSE;

  /* The answer ([{path,name,type}]) says nothing we need. */
  g_input_stream_close (body, NULL, NULL);
  return TRUE;
}

gboolean
forge_e2b_envd_upload_bytes (ForgeE2bEnvd          *self,
                             const char            *path,
                             GBytes                *contents,
                             ForgeEnvdProgressFunc  progress,
                             gpointer               progress_data,
                             GCancellable          *cancellable,
                             GError               **error)
{
  g_return_val_if_fail (contents != NULL, FALSE);

  return upload (self, path, contents, NULL, g_bytes_get_size (contents),
                 progress, progress_data, cancellable, error);
}

gboolean
forge_e2b_envd_upload_stream (ForgeE2bEnvd          *self,
                              const char            *path,
                              GInputStream          *stream,
                              gint64                 length,
                              ForgeEnvdProgressFunc  progress,
                              gpointer               progress_data,
                              GCancellable          *cancellable,
                              GError               **error)
{
  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), FALSE);

  return upload (self, path, NULL, stream, length, progress, progress_data, cancellable, error);
}

GBytes *
forge_e2b_envd_download_file (ForgeE2bEnvd  *self,
                              const char    *path,
                              gsize          max_size,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) body = NULL;
  g_autofree char *query = NULL;
  g_autofree char *what = NULL;
  GBytes *contents;
  gboolean too_large = FALSE;
  goffset declared;

  g_return_val_if_fail (FORGE_IS_E2B_ENVD (self), NULL);
  g_return_val_if_fail (path != NULL && g_path_is_absolute (path), NULL);

  query = files_query (path);
  msg = new_message (self, SOUP_METHOD_GET, query, error);
  if (msg == NULL)
    return NULL;

  what = g_strdup_printf (_("downloading %s"), path);
  body = send_checked (self, msg, what, cancellable, error);
  if (body == NULL)
    return NULL;

  /* Refuse early when it says so; count anyway, as it may lie. */
  declared = soup_message_headers_get_content_length (soup_message_get_response_headers (msg));
  if (declared > 0 && (guint64) declared > max_size)
    too_large = TRUE;
  else
    {
      contents = read_bounded (body, max_size, &too_large, cancellable, error);
      if (contents != NULL)
        {
          g_input_stream_close (body, NULL, NULL);
          return contents;
        }
    }

  g_input_stream_close (body, NULL, NULL);
  if (too_large)
    g_set_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_TOO_LARGE,
                 _("Refused to download %s from the sandbox: it is larger than %" G_GSIZE_FORMAT " bytes"),
                 path, max_size);
  return NULL;
}

/* }}} */
