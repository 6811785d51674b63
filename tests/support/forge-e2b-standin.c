/* forge-e2b-standin.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-e2b-standin"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "forge-e2b-standin.h"
#include "forge-local-sandbox.h"
#include "forge-util.h"

#define ENVD_VERSION "0.2.0"
#define HOME "/home/user"
#define REPO HOME "/repo"
/* envd's default when the client sends no Keepalive-Ping-Interval. */
#define DEFAULT_KEEPALIVE_SECONDS 50
#define LIST_LIMIT_MAX 100

/* Connect envelope flags. */
#define FLAG_END_STREAM 0x02

typedef enum
{
  STATE_RUNNING,
  STATE_PAUSED,
  STATE_DEAD,
} SandboxState;

typedef enum
{
  FAULT_STATUS,
  FAULT_MALFORMED,
} FaultKind;

typedef struct
{
  FaultKind  kind;
  char      *method;
  char      *path_glob;
  guint      status;
  guint      count;
} Fault;

typedef struct _Sandbox Sandbox;
typedef struct _Proc Proc;

/* A stream of a process's events, Start's or a Connect's: a chunked
 * response written envelope by envelope. Owned by its Proc; gone once the
 * response is complete or the client went away. */
typedef struct
{
  Proc              *proc;           /* not a reference: the Proc owns it */
  SoupServerMessage *msg;
  gulong             finished_id;
  GSource           *keepalive;
  GSource           *deadline;
  gboolean           is_start;
} Stream;

typedef struct
{
  ForgeSandboxStream  stream;
  char               *line;
} Pending;

/* A process started through envd. Refcounted: the local sandbox's reader
 * thread holds a reference while it delivers lines. */
struct _Proc
{
  /* Shared with the reader thread. */
  GMutex               mutex;
  GQueue               pending;        /* Pending */
  GMainContext        *context;
  guint                lines_done : 1;
  guint                flush_scheduled : 1;

  /* The stand-in's thread only. */
  Sandbox             *sandbox;        /* NULL once the sandbox is freed */
  ForgeSandboxProcess *process;
  guint                pid;            /* envd's, not the host's */
  JsonNode            *config;         /* {cmd, args, envs, cwd} for List */
  /* Stream: Start's first while it lasts, then every Connect's; all
   * get the same events, as envd fans a process's events out. */
  GPtrArray           *streams;
  guint                port;           /* from PORT=, 0 for none */
  char                *exposed;        /* "127.0.0.1:HOSTPORT" once forwarded */
  guint                exited : 1;
  guint                end_sent : 1;
  guint                deadline_hit : 1;
  int                  exit_code;
};

struct _Sandbox
{
  ForgeE2bStandin   *standin;
  char              *id;
  char              *token;
  char              *template_id;
  char              *dir;
  char              *home_dir;
  char              *repo_dir;
  JsonNode          *metadata;         /* object */
  char             **env_vars;         /* KEY=VALUE from envVars */
  ForgeLocalSandbox *local;
  guint64            seq;              /* creation order, for listing */
  gint64             started_at;       /* real time, µs */
  gint64             end_at;           /* real time, µs */
  GSource           *expiry;
  gboolean           auto_pause;
  SandboxState       state;
  guint              next_pid;
  GHashTable        *procs;            /* pid → Proc */
  guint64            bytes_written;
};

typedef struct
{
  ForgeE2bStandin *standin;
  SoupServer      *server;
  guint            port;
  char            *sandbox_id;
  Proc            *proc;
} PortEntry;

struct _ForgeE2bStandin
{
  GObject       parent_instance;

  /* Set before the thread starts serving, never changed after. */
  char         *api_key;
  char         *root;
  char         *api_url;
  char         *envd_url;
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;

  /* Start-up handshake. */
  GMutex        ready_mutex;
  GCond         ready_cond;
  gboolean      ready;
  GError       *start_error;

  /* The stand-in's thread only (other threads go through run_on_thread). */
  SoupServer   *api_server;
  SoupServer   *envd_server;
  SoupSession  *session;               /* for the port proxy */
  GHashTable   *sandboxes;             /* id → Sandbox */
  GHashTable   *ports;                 /* port → PortEntry */
  GPtrArray    *requests;              /* ForgeE2bStandinRequest */
  GList        *faults;                /* Fault */
  GQueue        stream_faults;         /* ForgeE2bStandinStreamFault */
  guint64       next_seq;
  guint         max_timeout;
  guint64       files_quota;
  gboolean      pause_supported;
};

G_DEFINE_FINAL_TYPE (ForgeE2bStandin, forge_e2b_standin, G_TYPE_OBJECT)

/* {{{ Helpers */

void
forge_e2b_standin_request_free (ForgeE2bStandinRequest *request)
{
  if (request == NULL)
    return;

  g_free (request->method);
  g_free (request->path);
  g_free (request->query);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_clear_pointer (&request->headers, soup_message_headers_unref);
  g_free (request);
}

static void
fault_free (gpointer data)
{
  Fault *fault = data;

  g_free (fault->method);
  g_free (fault->path_glob);
  g_free (fault);
}

static char *
random_string (const char *alphabet,
               guint       length)
{
  gsize n = strlen (alphabet);
  GString *s = g_string_sized_new (length);

  for (guint i = 0; i < length; i++)
    g_string_append_c (s, alphabet[g_random_int_range (0, (gint32) n)]);

  return g_string_free (s, FALSE);
}

static char *
format_time (gint64 real_time_usec)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (real_time_usec / G_USEC_PER_SEC);
  g_autoptr(GDateTime) precise = g_date_time_add (dt, real_time_usec % G_USEC_PER_SEC);

  /* RFC 3339 in UTC, as E2B's API writes it. */
  return g_date_time_format (precise, "%Y-%m-%dT%H:%M:%S.%fZ");
}

typedef void (*ThreadFunc) (ForgeE2bStandin *self,
                            gpointer         data);

typedef struct
{
  ForgeE2bStandin *self;
  ThreadFunc       func;
  gpointer         data;
  GMutex           mutex;
  GCond            cond;
  gboolean         done;
} ThreadCall;

static gboolean
thread_call_cb (gpointer user_data)
{
  ThreadCall *call = user_data;

  call->func (call->self, call->data);

  g_mutex_lock (&call->mutex);
  call->done = TRUE;
  g_cond_broadcast (&call->cond);
  g_mutex_unlock (&call->mutex);

  return G_SOURCE_REMOVE;
}

/* State belongs to the stand-in's thread; other threads ask it and wait. */
static void
run_on_thread (ForgeE2bStandin *self,
               ThreadFunc       func,
               gpointer         data)
{
  ThreadCall call = { self, func, data, { 0 }, { 0 }, FALSE };

  if (g_main_context_is_owner (self->context))
    {
      func (self, data);
      return;
    }

  g_mutex_init (&call.mutex);
  g_cond_init (&call.cond);

  forge_dispatch_on_context (self->context, G_PRIORITY_DEFAULT, thread_call_cb, &call, NULL);

  g_mutex_lock (&call.mutex);
  while (!call.done)
    g_cond_wait (&call.cond, &call.mutex);
  g_mutex_unlock (&call.mutex);

  g_mutex_clear (&call.mutex);
  g_cond_clear (&call.cond);
}

static char *
node_to_string (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

static JsonNode *
parse_json (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;

  if (data == NULL || len == 0 ||
      !json_parser_load_from_data (parser, data, (gssize) len, NULL))
    return NULL;

  return json_node_copy (json_parser_get_root (parser));
}

static GBytes *
request_body (SoupServerMessage *msg)
{
  return soup_message_body_flatten (soup_server_message_get_request_body (msg));
}

static const char *
request_header (SoupServerMessage *msg,
                const char        *name)
{
  return soup_message_headers_get_one (soup_server_message_get_request_headers (msg), name);
}

/* }}} */

/* {{{ Responses and faults */

static Fault *
match_fault (ForgeE2bStandin   *self,
             FaultKind          kind,
             SoupServerMessage *msg)
{
  const char *method = soup_server_message_get_method (msg);
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));

  for (GList *l = self->faults; l != NULL; l = l->next)
    {
      Fault *fault = l->data;

      if (fault->kind == kind &&
          (fault->method == NULL || g_ascii_strcasecmp (fault->method, method) == 0) &&
          g_pattern_match_simple (fault->path_glob, path))
        return fault;
    }

  return NULL;
}

static void
use_fault (ForgeE2bStandin *self,
           Fault           *fault)
{
  if (--fault->count == 0)
    {
      self->faults = g_list_remove (self->faults, fault);
      fault_free (fault);
    }
}

static void
reply_text (ForgeE2bStandin   *self,
            SoupServerMessage *msg,
            guint              status,
            const char        *content_type,
            const char        *text)
{
  Fault *fault = match_fault (self, FAULT_MALFORMED, msg);
  gsize len = strlen (text);

  if (fault != NULL)
    {
      /* Half of the real answer: a truncated body, not JSON. */
      len /= 2;
      if (len == 0)
        {
          text = "{";
          len = 1;
        }
      use_fault (self, fault);
    }

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, text, len);
}

static void
reply_json (ForgeE2bStandin   *self,
            SoupServerMessage *msg,
            guint              status,
            JsonNode          *node)
{
  g_autofree char *text = node_to_string (node);

  reply_text (self, msg, status, "application/json", text);
}

/* E2B's API and envd's HTTP API: {code, message}. */
static void
reply_error (ForgeE2bStandin   *self,
             SoupServerMessage *msg,
             guint              status,
             const char        *format,
             ...) G_GNUC_PRINTF (4, 5);

static void
reply_error (ForgeE2bStandin   *self,
             SoupServerMessage *msg,
             guint              status,
             const char        *format,
             ...)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_int_value (builder, status);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  reply_json (self, msg, status, node);
}

/* What E2B's edge answers for a sandbox it cannot route to (gone, or
 * paused) and for a port nothing listens on. */
static void
reply_edge_error (ForgeE2bStandin   *self,
                  SoupServerMessage *msg,
                  const char        *sandbox_id,
                  guint              port)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "sandboxId");
  json_builder_add_string_value (builder, sandbox_id);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, port == 0
                                 ? "The sandbox was not found"
                                 : "The sandbox is running but port is not open");
  if (port != 0)
    {
      json_builder_set_member_name (builder, "port");
      json_builder_add_int_value (builder, port);
    }
  json_builder_set_member_name (builder, "code");
  json_builder_add_int_value (builder, 502);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  reply_json (self, msg, 502, node);
}

/* Connect's unary errors: an HTTP status and {code, message} with the
 * code as a string. */
static void
reply_connect_error (ForgeE2bStandin   *self,
                     SoupServerMessage *msg,
                     guint              status,
                     const char        *code,
                     const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  reply_json (self, msg, status, node);
}

static const char *
status_message (guint status)
{
  switch (status)
    {
    case 429: return "Rate limit exceeded, please try again later";
    case 500: return "Internal server error";
    case 502: return "Bad gateway";
    case 503: return "Service unavailable";
    default: return soup_status_get_phrase (status);
    }
}

/* TRUE when a fault answered instead. */
static gboolean
take_status_fault (ForgeE2bStandin   *self,
                   SoupServerMessage *msg)
{
  Fault *fault = match_fault (self, FAULT_STATUS, msg);
  guint status;

  if (fault == NULL)
    return FALSE;

  status = fault->status;
  use_fault (self, fault);
  reply_error (self, msg, status, "%s", status_message (status));
  if (status == 429)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "Retry-After", "1");

  return TRUE;
}

static void
record_request (ForgeE2bStandin   *self,
                SoupServerMessage *msg,
                gboolean           envd)
{
  ForgeE2bStandinRequest *request = g_new0 (ForgeE2bStandinRequest, 1);
  GUri *uri = soup_server_message_get_uri (msg);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  request->method = g_strdup (soup_server_message_get_method (msg));
  request->path = g_strdup (g_uri_get_path (uri));
  request->query = g_strdup (g_uri_get_query (uri));
  request->envd = envd;
  /* File uploads can be large; what tests assert on is JSON. */
  if (!g_str_has_prefix (request->path, "/files"))
    request->body = request_body (msg);
  else
    request->body = g_bytes_new (NULL, 0);
  request->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    soup_message_headers_append (request->headers, name, value);

  g_ptr_array_add (self->requests, request);
}

/* }}} */

/* {{{ Connect framing (the stand-in's own codec) */

static GBytes *
envelope_new (guint8      flags,
              const char *json)
{
  gsize len = strlen (json);
  guint8 *buf = g_malloc (5 + len);

  buf[0] = flags;
  buf[1] = (len >> 24) & 0xff;
  buf[2] = (len >> 16) & 0xff;
  buf[3] = (len >> 8) & 0xff;
  buf[4] = len & 0xff;
  memcpy (buf + 5, json, len);

  return g_bytes_new_take (buf, 5 + len);
}

/* The one envelope of a server-streaming request: exactly one, not
 * compressed, with nothing after it. */
static JsonNode *
envelope_decode_single (GBytes  *body,
                        char   **why)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (body, &len);
  guint32 payload;
  g_autoptr(GBytes) json = NULL;
  JsonNode *node;

  if (len < 5)
    {
      *why = g_strdup ("protocol error: incomplete envelope");
      return NULL;
    }
  if (data[0] != 0)
    {
      *why = g_strdup_printf ("protocol error: unexpected envelope flags %u", data[0]);
      return NULL;
    }
  payload = ((guint32) data[1] << 24) | ((guint32) data[2] << 16) |
            ((guint32) data[3] << 8) | (guint32) data[4];
  if (payload != len - 5)
    {
      *why = g_strdup_printf ("protocol error: envelope promises %u bytes, %" G_GSIZE_FORMAT " follow",
                              payload, len - 5);
      return NULL;
    }

  json = g_bytes_new (data + 5, payload);
  node = parse_json (json);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_clear_pointer (&node, json_node_unref);
      *why = g_strdup ("unmarshal message: not a JSON object");
      return NULL;
    }

  return node;
}

/* }}} */

/* {{{ Processes and their streams */

static Proc *
proc_ref (Proc *proc)
{
  return g_atomic_rc_box_acquire (proc);
}

static void
pending_free (gpointer data)
{
  Pending *pending = data;

  g_free (pending->line);
  g_free (pending);
}

static void
proc_clear (gpointer data)
{
  Proc *proc = data;

  g_queue_clear_full (&proc->pending, pending_free);
  g_mutex_clear (&proc->mutex);
  g_clear_pointer (&proc->context, g_main_context_unref);
  g_clear_object (&proc->process);
  g_clear_pointer (&proc->config, json_node_unref);
  g_free (proc->exposed);
  g_assert (proc->streams == NULL || proc->streams->len == 0);
  g_clear_pointer (&proc->streams, g_ptr_array_unref);
}

static void
proc_unref (gpointer proc)
{
  g_atomic_rc_box_release_full (proc, proc_clear);
}

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
stream_detach (Stream *stream)
{
  g_ptr_array_remove (stream->proc->streams, stream);
  g_signal_handler_disconnect (stream->msg, stream->finished_id);
  destroy_source (&stream->keepalive);
  destroy_source (&stream->deadline);
  g_object_unref (stream->msg);
  g_free (stream);
}

static void
stream_write (Stream *stream,
              GBytes *envelope)
{
  SoupMessageBody *body = soup_server_message_get_response_body (stream->msg);

  soup_message_body_append_bytes (body, envelope);
  soup_server_message_unpause (stream->msg);
}

static void
stream_write_event (Stream     *stream,
                    JsonNode   *event)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autofree char *text = NULL;
  g_autoptr(GBytes) envelope = NULL;

  json_object_set_member (object, "event", json_node_ref (event));
  json_node_set_object (root, object);
  text = node_to_string (root);
  envelope = envelope_new (0, text);
  stream_write (stream, envelope);
}

/* Ends the HTTP body: after the end-of-stream envelope when @eos is
 * set, abruptly (no end-of-stream, as when E2B's edge drops a dead
 * sandbox's connections) otherwise. */
static void
stream_finish (Stream     *stream,
               gboolean    eos,
               const char *error_code,
               const char *error_message)
{
  if (eos)
    {
      g_autoptr(GBytes) envelope = NULL;
      g_autofree char *text = NULL;

      if (error_code != NULL)
        {
          g_autoptr(JsonBuilder) builder = json_builder_new ();
          g_autoptr(JsonNode) node = NULL;

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "error");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "code");
          json_builder_add_string_value (builder, error_code);
          json_builder_set_member_name (builder, "message");
          json_builder_add_string_value (builder, error_message);
          json_builder_end_object (builder);
          json_builder_end_object (builder);
          node = json_builder_get_root (builder);
          text = node_to_string (node);
        }
      else
        {
          text = g_strdup ("{}");
        }

      envelope = envelope_new (FLAG_END_STREAM, text);
      soup_message_body_append_bytes (soup_server_message_get_response_body (stream->msg), envelope);
    }

  soup_message_body_complete (soup_server_message_get_response_body (stream->msg));
  soup_server_message_unpause (stream->msg);
  stream_detach (stream);
}

/* Ends every stream of @proc abruptly, or detaches them (@finish unset)
 * when the response can no longer be written. */
static void
proc_drop_streams (Proc     *proc,
                   gboolean  finish)
{
  while (proc->streams->len > 0)
    {
      Stream *stream = g_ptr_array_index (proc->streams, proc->streams->len - 1);

      if (finish)
        stream_finish (stream, FALSE, NULL, NULL);
      else
        stream_detach (stream);
    }
}

static void
proc_write_event (Proc     *proc,
                  JsonNode *event)
{
  for (guint i = 0; i < proc->streams->len; i++)
    stream_write_event (g_ptr_array_index (proc->streams, i), event);
}

static JsonNode *
event_new (const char *kind,
           JsonObject *content)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_object_member (object, kind, json_object_ref (content));
  json_node_set_object (node, object);

  return node;
}

static void
send_end (Proc *proc)
{
  g_autoptr(JsonObject) end = json_object_new ();
  g_autoptr(JsonNode) event = NULL;
  g_autofree char *status = NULL;
  int code = proc->exit_code;

  /* As Go's os.ProcessState reports it: a signal is not an exit. */
  if (code > 128 && code < 128 + 65)
    {
      g_autofree char *name = g_ascii_strdown (g_strsignal (code - 128), -1);

      json_object_set_int_member (end, "exitCode", -1);
      status = g_strdup_printf ("signal: %s", name);
    }
  else
    {
      /* proto3 JSON leaves out zero values (and false ones). */
      if (code != 0)
        json_object_set_int_member (end, "exitCode", code);
      json_object_set_boolean_member (end, "exited", TRUE);
      status = g_strdup_printf ("exit status %d", code);
    }
  json_object_set_string_member (end, "status", status);
  event = event_new ("end", end);

  proc_write_event (proc, event);
  while (proc->streams->len > 0)
    {
      Stream *stream = g_ptr_array_index (proc->streams, proc->streams->len - 1);

      /* Only Start's request carried the deadline that killed it. */
      if (proc->deadline_hit && stream->is_start)
        stream_finish (stream, TRUE, "deadline_exceeded", "context deadline exceeded");
      else
        stream_finish (stream, TRUE, NULL, NULL);
    }
}

static gboolean
proc_flush_cb (gpointer data)
{
  Proc *proc = data;
  g_autoptr(GQueue) lines = g_queue_new ();
  gboolean lines_done;
  Pending *pending;

  g_mutex_lock (&proc->mutex);
  proc->flush_scheduled = FALSE;
  while ((pending = g_queue_pop_head (&proc->pending)))
    g_queue_push_tail (lines, pending);
  lines_done = proc->lines_done;
  g_mutex_unlock (&proc->mutex);

  while ((pending = g_queue_pop_head (lines)))
    {
      if (proc->streams->len > 0)
        {
          g_autoptr(JsonObject) data_object = json_object_new ();
          g_autoptr(JsonNode) event = NULL;
          /* The local sandbox hands over lines, not bytes: one data
           * event per line, newline restored (a last line without one
           * gains it; over-long lines come cut, as in the local backend). */
          g_autofree char *line = g_strconcat (pending->line, "\n", NULL);
          g_autofree char *encoded = g_base64_encode ((const guchar *) line, strlen (line));

          json_object_set_string_member (data_object,
                                         pending->stream == FORGE_SANDBOX_STREAM_STDOUT ? "stdout" : "stderr",
                                         encoded);
          event = event_new ("data", data_object);
          proc_write_event (proc, event);
        }
      pending_free (pending);
    }

  /* The end comes after the last line, whichever of the two arrives
   * first. */
  if (lines_done && proc->exited && !proc->end_sent)
    {
      proc->end_sent = TRUE;
      send_end (proc);
    }

  return G_SOURCE_REMOVE;
}

/* Must hold proc->mutex. */
static void
proc_schedule_flush_locked (Proc *proc)
{
  if (proc->flush_scheduled)
    return;

  proc->flush_scheduled = TRUE;
  forge_dispatch_on_context (proc->context, G_PRIORITY_DEFAULT, proc_flush_cb,
                             proc_ref (proc), proc_unref);
}

/* The local sandbox's reader thread. */
static void
proc_line_cb (ForgeSandboxStream  stream,
              const char         *line,
              gpointer            user_data)
{
  Proc *proc = user_data;
  Pending *pending = g_new0 (Pending, 1);

  pending->stream = stream;
  pending->line = g_strdup (line);

  g_mutex_lock (&proc->mutex);
  g_queue_push_tail (&proc->pending, pending);
  proc_schedule_flush_locked (proc);
  g_mutex_unlock (&proc->mutex);
}

static void
proc_lines_done_cb (gpointer user_data)
{
  Proc *proc = user_data;

  g_mutex_lock (&proc->mutex);
  proc->lines_done = TRUE;
  proc_schedule_flush_locked (proc);
  g_mutex_unlock (&proc->mutex);

  proc_unref (proc);
}

static void
proc_exited_cb (ForgeSandboxProcess *process,
                int                  exit_code,
                Proc                *proc)
{
  proc->exited = TRUE;
  proc->exit_code = exit_code;
  for (guint i = 0; i < proc->streams->len; i++)
    destroy_source (&((Stream *) g_ptr_array_index (proc->streams, i))->deadline);

  g_mutex_lock (&proc->mutex);
  proc_schedule_flush_locked (proc);
  g_mutex_unlock (&proc->mutex);
}

/* Host pid namespaces: freezing a sandbox is freezing every process in
 * its commands' namespaces. */
static guint64
pid_namespace_of (int pid)
{
  char path[64];
  struct stat st;

  g_snprintf (path, sizeof path, "/proc/%d/ns/pid", pid);
  if (stat (path, &st) != 0)
    return 0;

  return st.st_ino;
}

static void
signal_namespace (GPid init_pid,
                  int  signal_number)
{
  guint64 ns = pid_namespace_of (init_pid);
  DIR *dir;
  struct dirent *ent;

  if (ns == 0 || ns == pid_namespace_of (getpid ()))
    return;

  if (!(dir = opendir ("/proc")))
    return;

  while ((ent = readdir (dir)))
    {
      char *end = NULL;
      gint64 pid = g_ascii_strtoll (ent->d_name, &end, 10);

      if (pid > 0 && *end == '\0' && pid_namespace_of ((int) pid) == ns)
        kill ((pid_t) pid, signal_number);
    }

  closedir (dir);
}

static void
sandbox_signal_all (Sandbox *sb,
                    int      signal_number)
{
  GHashTableIter iter;
  Proc *proc;

  g_hash_table_iter_init (&iter, sb->procs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &proc))
    if (forge_sandbox_process_is_running (proc->process))
      signal_namespace (forge_sandbox_process_get_pid (proc->process), signal_number);
}

/* }}} */

/* {{{ Sandboxes */

static void sandbox_expire (Sandbox *sb);

static void
sandbox_free (gpointer data)
{
  Sandbox *sb = data;
  GHashTableIter iter;
  Proc *proc;

  destroy_source (&sb->expiry);

  g_hash_table_iter_init (&iter, sb->procs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &proc))
    {
      proc_drop_streams (proc, FALSE);
      g_signal_handlers_disconnect_by_data (proc->process, proc);
      proc->sandbox = NULL;
    }
  g_clear_pointer (&sb->procs, g_hash_table_unref);

  g_clear_object (&sb->local);
  g_free (sb->id);
  g_free (sb->token);
  g_free (sb->template_id);
  g_free (sb->dir);
  g_free (sb->home_dir);
  g_free (sb->repo_dir);
  g_clear_pointer (&sb->metadata, json_node_unref);
  g_strfreev (sb->env_vars);
  g_free (sb);
}

static gboolean
expiry_cb (gpointer data)
{
  Sandbox *sb = data;

  g_clear_pointer (&sb->expiry, g_source_unref);
  sandbox_expire (sb);

  return G_SOURCE_REMOVE;
}

/* Sets the remaining life to @seconds from now (shorter or longer). */
static void
sandbox_set_timeout (Sandbox *sb,
                     guint    seconds)
{
  destroy_source (&sb->expiry);

  sb->end_at = g_get_real_time () + (gint64) seconds * G_USEC_PER_SEC;
  sb->expiry = g_timeout_source_new ((guint) MIN ((guint64) seconds * 1000, G_MAXUINT));
  g_source_set_name (sb->expiry, "[forge] e2b stand-in expiry");
  g_source_set_callback (sb->expiry, expiry_cb, sb, NULL);
  g_source_attach (sb->expiry, sb->standin->context);
}

/* Killed: by DELETE, by its timeout, from outside or at dispose. */
static void
sandbox_kill (Sandbox *sb)
{
  GHashTableIter iter;
  Proc *proc;

  if (sb->state == STATE_DEAD)
    return;

  destroy_source (&sb->expiry);

  /* E2B's edge drops the connections of a sandbox that went away: the
   * streams end without their end-of-stream envelope. */
  g_hash_table_iter_init (&iter, sb->procs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &proc))
    proc_drop_streams (proc, TRUE);

  /* Stopped processes would sit on their SIGTERM. */
  if (sb->state == STATE_PAUSED)
    sandbox_signal_all (sb, SIGCONT);

  sb->state = STATE_DEAD;
  forge_sandbox_kill (FORGE_SANDBOX (sb->local));
}

static void
sandbox_pause (Sandbox *sb)
{
  g_return_if_fail (sb->state == STATE_RUNNING);

  destroy_source (&sb->expiry);
  sb->state = STATE_PAUSED;
  /* Frozen as E2B freezes the VM: memory and processes kept, nothing
   * runs (no output, no keepalives) until it is resumed. */
  sandbox_signal_all (sb, SIGSTOP);
}

static void
sandbox_resume (Sandbox *sb,
                guint    timeout)
{
  g_return_if_fail (sb->state == STATE_PAUSED);

  sb->state = STATE_RUNNING;
  sandbox_signal_all (sb, SIGCONT);
  sandbox_set_timeout (sb, timeout);
}

static void
sandbox_expire (Sandbox *sb)
{
  if (sb->state != STATE_RUNNING)
    return;

  if (sb->auto_pause)
    sandbox_pause (sb);
  else
    sandbox_kill (sb);
}

static Sandbox *
lookup_live (ForgeE2bStandin *self,
             const char      *id)
{
  Sandbox *sb = id != NULL ? g_hash_table_lookup (self->sandboxes, id) : NULL;

  return sb != NULL && sb->state != STATE_DEAD ? sb : NULL;
}

static Sandbox *
lookup_by_token (ForgeE2bStandin *self,
                 const char      *token)
{
  GHashTableIter iter;
  Sandbox *sb;

  if (token == NULL)
    return NULL;

  g_hash_table_iter_init (&iter, self->sandboxes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &sb))
    if (g_str_equal (sb->token, token))
      return sb;

  return NULL;
}

/* }}} */

/* {{{ Control plane */

static void
add_sandbox_members (JsonBuilder *builder,
                     Sandbox     *sb,
                     gboolean     detail)
{
  json_builder_set_member_name (builder, "templateID");
  json_builder_add_string_value (builder, sb->template_id);
  json_builder_set_member_name (builder, "sandboxID");
  json_builder_add_string_value (builder, sb->id);
  json_builder_set_member_name (builder, "clientID");
  json_builder_add_string_value (builder, "standin");
  json_builder_set_member_name (builder, "envdVersion");
  json_builder_add_string_value (builder, ENVD_VERSION);

  if (detail)
    {
      g_autofree char *started = format_time (sb->started_at);
      g_autofree char *end = format_time (sb->end_at);

      json_builder_set_member_name (builder, "startedAt");
      json_builder_add_string_value (builder, started);
      json_builder_set_member_name (builder, "endAt");
      json_builder_add_string_value (builder, end);
      json_builder_set_member_name (builder, "cpuCount");
      json_builder_add_int_value (builder, 2);
      json_builder_set_member_name (builder, "memoryMB");
      json_builder_add_int_value (builder, 512);
      json_builder_set_member_name (builder, "diskSizeMB");
      json_builder_add_int_value (builder, 1024);
      json_builder_set_member_name (builder, "metadata");
      json_builder_add_value (builder, json_node_copy (sb->metadata));
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, sb->state == STATE_PAUSED ? "paused" : "running");
    }
  else
    {
      json_builder_set_member_name (builder, "envdAccessToken");
      json_builder_add_string_value (builder, sb->token);
      json_builder_set_member_name (builder, "trafficAccessToken");
      json_builder_add_null_value (builder);
      /* Debug mode: no domain of its own, the client uses its own
       * (and the debug addresses). */
      json_builder_set_member_name (builder, "domain");
      json_builder_add_null_value (builder);
    }
}

static void
reply_sandbox (ForgeE2bStandin   *self,
               SoupServerMessage *msg,
               guint              status,
               Sandbox           *sb,
               gboolean           detail)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (builder);
  add_sandbox_members (builder, sb, detail);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  reply_json (self, msg, status, node);
}

/* Checks a timeout as E2B does; FALSE when it answered. */
static gboolean
check_timeout (ForgeE2bStandin   *self,
               SoupServerMessage *msg,
               JsonObject        *body,
               const char        *member,
               gint64            *timeout)
{
  JsonNode *node = body != NULL ? json_object_get_member (body, member) : NULL;

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      reply_error (self, msg, 400, "Error when parsing request: \"%s\" must be an integer (seconds)", member);
      return FALSE;
    }

  *timeout = json_node_get_int (node);
  if (*timeout <= 0)
    {
      reply_error (self, msg, 400, "Timeout must be greater than 0 seconds");
      return FALSE;
    }
  if (*timeout > self->max_timeout)
    {
      if (self->max_timeout % 3600 == 0)
        reply_error (self, msg, 400, "Timeout cannot be greater than %u hours", self->max_timeout / 3600);
      else
        reply_error (self, msg, 400, "Timeout cannot be greater than %u seconds", self->max_timeout);
      return FALSE;
    }

  return TRUE;
}

static JsonObject *
body_object (SoupServerMessage *msg,
             JsonNode         **owner)
{
  g_autoptr(GBytes) body = request_body (msg);

  *owner = parse_json (body);
  if (*owner == NULL || !JSON_NODE_HOLDS_OBJECT (*owner))
    return NULL;

  return json_node_get_object (*owner);
}

static gboolean
is_string_map (JsonNode *node)
{
  JsonObjectIter iter;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;

  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, NULL, &value))
    if (json_node_get_value_type (value) != G_TYPE_STRING)
      return FALSE;

  return TRUE;
}

static void
handle_create (ForgeE2bStandin   *self,
               SoupServerMessage *msg)
{
  g_autoptr(JsonNode) owner = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *body = body_object (msg, &owner);
  JsonNode *node;
  const char *template_id;
  gboolean auto_pause = FALSE;
  gint64 timeout;
  Sandbox *sb;

  if (body == NULL)
    {
      reply_error (self, msg, 400, "Error when parsing request: request body has an error: doesn't match schema");
      return;
    }

  node = json_object_get_member (body, "templateID");
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING ||
      *(template_id = json_node_get_string (node)) == '\0')
    {
      reply_error (self, msg, 400, "Error when parsing request: property \"templateID\" is missing");
      return;
    }

  /* The API would default to 15 s; the stand-in insists, so that a
   * client that forgets fails loudly rather than 15 s later. */
  if (!json_object_has_member (body, "timeout"))
    {
      reply_error (self, msg, 400, "Error when parsing request: \"timeout\" is missing (the E2B stand-in requires it: the API's default is 15 s)");
      return;
    }
  if (!check_timeout (self, msg, body, "timeout", &timeout))
    return;

  if ((node = json_object_get_member (body, "autoPause")) != NULL)
    {
      if (json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        {
          reply_error (self, msg, 400, "Error when parsing request: \"autoPause\" must be a boolean");
          return;
        }
      auto_pause = json_node_get_boolean (node);
    }
  if (auto_pause && !self->pause_supported)
    {
      reply_error (self, msg, 400, "Pausing sandboxes is not available on your plan");
      return;
    }

  for (guint i = 0; i < 2; i++)
    {
      const char *name = i == 0 ? "metadata" : "envVars";

      node = json_object_get_member (body, name);
      if (node != NULL && !JSON_NODE_HOLDS_NULL (node) && !is_string_map (node))
        {
          reply_error (self, msg, 400, "Error when parsing request: \"%s\" must map strings to strings", name);
          return;
        }
    }

  sb = g_new0 (Sandbox, 1);
  sb->standin = self;
  sb->id = random_string ("abcdefghijklmnopqrstuvwxyz0123456789", 20);
  sb->token = random_string ("0123456789abcdef", 32);
  sb->template_id = g_strdup (template_id);
  sb->dir = g_build_filename (self->root, sb->id, NULL);
  sb->home_dir = g_build_filename (sb->dir, "home", NULL);
  sb->repo_dir = g_build_filename (sb->dir, "repo", NULL);
  sb->auto_pause = auto_pause;
  sb->seq = self->next_seq++;
  sb->started_at = g_get_real_time ();
  sb->next_pid = 400;
  sb->procs = g_hash_table_new_full (NULL, NULL, NULL, proc_unref);

  node = json_object_get_member (body, "metadata");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    sb->metadata = json_node_copy (node);
  else
    {
      sb->metadata = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (sb->metadata, json_object_new ());
    }

  node = json_object_get_member (body, "envVars");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autoptr(GStrvBuilder) env = g_strv_builder_new ();
      JsonObjectIter iter;
      const char *key;
      JsonNode *value;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &key, &value))
        {
          g_autofree char *entry = g_strdup_printf ("%s=%s", key, json_node_get_string (value));

          g_strv_builder_add (env, entry);
        }
      sb->env_vars = g_strv_builder_end (env);
    }

  if (g_mkdir_with_parents (sb->repo_dir, 0700) != 0 ||
      !(sb->local = forge_local_sandbox_new (sb->repo_dir, sb->home_dir, 0, &error)))
    {
      reply_error (self, msg, 500, "Failed to create sandbox: %s",
                   error != NULL ? error->message : g_strerror (errno));
      sandbox_free (sb);
      return;
    }

  g_hash_table_insert (self->sandboxes, sb->id, sb);
  sandbox_set_timeout (sb, (guint) timeout);

  reply_sandbox (self, msg, 201, sb, FALSE);
}

static gboolean
metadata_matches (Sandbox    *sb,
                  GHashTable *wanted)
{
  JsonObject *metadata = json_node_get_object (sb->metadata);
  GHashTableIter iter;
  const char *key, *value;

  if (wanted == NULL)
    return TRUE;

  g_hash_table_iter_init (&iter, wanted);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &value))
    {
      JsonNode *node = json_object_get_member (metadata, key);

      if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING ||
          !g_str_equal (json_node_get_string (node), value))
        return FALSE;
    }

  return TRUE;
}

static int
compare_seq (gconstpointer a,
             gconstpointer b)
{
  const Sandbox *x = *(Sandbox * const *) a;
  const Sandbox *y = *(Sandbox * const *) b;

  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* GET /v2/sandboxes?metadata=k%3Dv&state=running&limit=N&nextToken=T and
 * GET /sandboxes (v1: running ones, no pages). */
static void
handle_list (ForgeE2bStandin   *self,
             SoupServerMessage *msg,
             GHashTable        *query,
             gboolean           v2)
{
  g_autoptr(GHashTable) wanted = NULL;
  g_autoptr(GPtrArray) matching = g_ptr_array_new ();
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  const char *metadata = query != NULL ? g_hash_table_lookup (query, "metadata") : NULL;
  const char *state = query != NULL ? g_hash_table_lookup (query, "state") : NULL;
  const char *limit_text = query != NULL ? g_hash_table_lookup (query, "limit") : NULL;
  const char *next_token = query != NULL ? g_hash_table_lookup (query, "nextToken") : NULL;
  gboolean want_running = TRUE;
  gboolean want_paused = v2;
  guint64 limit = LIST_LIMIT_MAX;
  guint64 from = 0;
  GHashTableIter iter;
  Sandbox *sb;
  guint i;

  /* The metadata filter is one query parameter holding a query string
   * of its own ("k1=v1&k2=v2", encoded once more). */
  if (metadata != NULL)
    {
      wanted = g_uri_parse_params (metadata, -1, "&", G_URI_PARAMS_NONE, NULL);
      if (wanted == NULL)
        {
          reply_error (self, msg, 400, "Error when parsing metadata: %s", metadata);
          return;
        }
    }

  if (state != NULL)
    {
      g_auto(GStrv) states = g_strsplit (state, ",", -1);

      want_running = g_strv_contains ((const char * const *) states, "running");
      want_paused = g_strv_contains ((const char * const *) states, "paused");
    }

  if (v2 && limit_text != NULL &&
      (!g_ascii_string_to_unsigned (limit_text, 10, 1, LIST_LIMIT_MAX, &limit, NULL)))
    {
      reply_error (self, msg, 400, "Error when parsing request: limit must be between 1 and %d", LIST_LIMIT_MAX);
      return;
    }

  if (v2 && next_token != NULL)
    {
      gsize len = 0;
      g_autofree guchar *decoded = g_base64_decode (next_token, &len);
      g_autofree char *text = g_strndup ((const char *) decoded, len);

      if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &from, NULL))
        {
          reply_error (self, msg, 400, "Invalid next token");
          return;
        }
    }

  g_hash_table_iter_init (&iter, self->sandboxes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &sb))
    if (sb->state != STATE_DEAD && sb->seq >= from &&
        ((sb->state == STATE_RUNNING && want_running) || (sb->state == STATE_PAUSED && want_paused)) &&
        metadata_matches (sb, wanted))
      g_ptr_array_add (matching, sb);
  g_ptr_array_sort (matching, compare_seq);

  json_builder_begin_array (builder);
  for (i = 0; i < matching->len && (!v2 || i < limit); i++)
    {
      json_builder_begin_object (builder);
      add_sandbox_members (builder, g_ptr_array_index (matching, i), TRUE);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  node = json_builder_get_root (builder);

  if (v2 && i < matching->len)
    {
      Sandbox *next = g_ptr_array_index (matching, i);
      g_autofree char *seq = g_strdup_printf ("%" G_GUINT64_FORMAT, next->seq);
      g_autofree char *token = g_base64_encode ((const guchar *) seq, strlen (seq));

      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "X-Next-Token", token);
    }

  reply_json (self, msg, 200, node);
}

static void
reply_not_found (ForgeE2bStandin   *self,
                 SoupServerMessage *msg,
                 const char        *id)
{
  reply_error (self, msg, 404, "Sandbox \"%s\" not found", id);
}

static void
handle_sandbox (ForgeE2bStandin   *self,
                SoupServerMessage *msg,
                const char        *method,
                const char        *id,
                const char        *action)
{
  Sandbox *sb = lookup_live (self, id);
  g_autoptr(JsonNode) owner = NULL;
  JsonObject *body;
  gint64 timeout;

  if (sb == NULL)
    {
      reply_not_found (self, msg, id);
      return;
    }

  if (action == NULL)
    {
      if (g_str_equal (method, "GET"))
        reply_sandbox (self, msg, 200, sb, TRUE);
      else if (g_str_equal (method, "DELETE"))
        {
          sandbox_kill (sb);
          soup_server_message_set_status (msg, 204, NULL);
        }
      else
        reply_error (self, msg, 405, "Method not allowed");
      return;
    }

  if (!g_str_equal (method, "POST"))
    {
      reply_error (self, msg, 405, "Method not allowed");
      return;
    }

  body = body_object (msg, &owner);

  if (g_str_equal (action, "timeout"))
    {
      /* A paused sandbox is a snapshot, not a running instance. */
      if (sb->state != STATE_RUNNING)
        reply_not_found (self, msg, id);
      else if (check_timeout (self, msg, body, "timeout", &timeout))
        {
          sandbox_set_timeout (sb, (guint) timeout);
          soup_server_message_set_status (msg, 204, NULL);
        }
    }
  else if (g_str_equal (action, "refreshes"))
    {
      if (sb->state != STATE_RUNNING)
        reply_not_found (self, msg, id);
      else if (check_timeout (self, msg, body, "duration", &timeout))
        {
          /* Only ever extends. */
          if (g_get_real_time () + timeout * G_USEC_PER_SEC > sb->end_at)
            sandbox_set_timeout (sb, (guint) timeout);
          soup_server_message_set_status (msg, 204, NULL);
        }
    }
  else if (g_str_equal (action, "pause"))
    {
      if (!self->pause_supported)
        reply_error (self, msg, 400, "Pausing sandboxes is not available on your plan");
      else if (sb->state == STATE_PAUSED)
        reply_error (self, msg, 409, "Sandbox \"%s\" is already paused", id);
      else
        {
          sandbox_pause (sb);
          soup_server_message_set_status (msg, 204, NULL);
        }
    }
  else if (g_str_equal (action, "connect") || g_str_equal (action, "resume"))
    {
      if (!check_timeout (self, msg, body, "timeout", &timeout))
        return;

      if (sb->state == STATE_PAUSED)
        {
          sandbox_resume (sb, (guint) timeout);
          reply_sandbox (self, msg, 201, sb, FALSE);
        }
      else
        {
          if (g_get_real_time () + timeout * G_USEC_PER_SEC > sb->end_at)
            sandbox_set_timeout (sb, (guint) timeout);
          reply_sandbox (self, msg, 200, sb, FALSE);
        }
    }
  else
    {
      reply_error (self, msg, 404, "Not found");
    }
}

static void
api_handler (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  ForgeE2bStandin *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  const char *key = request_header (msg, "X-API-Key");
  g_auto(GStrv) parts = NULL;
  guint n;

  record_request (self, msg, FALSE);

  if (take_status_fault (self, msg))
    return;

  if (key == NULL || !g_str_equal (key, self->api_key))
    {
      reply_error (self, msg, 401, "Invalid API key");
      return;
    }

  parts = g_strsplit (path + 1, "/", -1);
  n = g_strv_length (parts);

  if (n == 1 && g_str_equal (parts[0], "sandboxes"))
    {
      if (g_str_equal (method, "POST"))
        handle_create (self, msg);
      else if (g_str_equal (method, "GET"))
        handle_list (self, msg, query, FALSE);
      else
        reply_error (self, msg, 405, "Method not allowed");
    }
  else if (n == 2 && g_str_equal (parts[0], "v2") && g_str_equal (parts[1], "sandboxes") &&
           g_str_equal (method, "GET"))
    handle_list (self, msg, query, TRUE);
  else if (n == 2 && g_str_equal (parts[0], "sandboxes") && *parts[1] != '\0')
    handle_sandbox (self, msg, method, parts[1], NULL);
  else if (n == 3 && g_str_equal (parts[0], "sandboxes") && *parts[1] != '\0')
    handle_sandbox (self, msg, method, parts[1], parts[2]);
  else
    reply_error (self, msg, 404, "Not found");
}

/* }}} */

/* {{{ Port proxy */

typedef struct
{
  ForgeE2bStandin   *self;
  SoupServerMessage *msg;
  gulong             finished_id;
  gboolean           finished;
  char              *sandbox_id;
  guint              port;
} ProxyCall;

static void
proxy_call_free (ProxyCall *call)
{
  if (!call->finished)
    g_signal_handler_disconnect (call->msg, call->finished_id);
  g_object_unref (call->msg);
  g_free (call->sandbox_id);
  g_free (call);
}

static void
proxy_finished_cb (SoupServerMessage *msg,
                   ProxyCall         *call)
{
  g_signal_handler_disconnect (msg, call->finished_id);
  call->finished = TRUE;
}

static gboolean
is_hop_by_hop (const char *name)
{
  static const char * const names[] = {
    "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
    "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (name, names[i]) == 0)
      return TRUE;

  return FALSE;
}

static void
proxy_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ProxyCall *call = user_data;
  SoupMessage *upstream = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupMessageHeadersIter iter;
  const char *name, *value;
  const char *content_type;
  gsize len = 0;
  const char *data;

  if (call->finished)
    {
      proxy_call_free (call);
      return;
    }

  if (body == NULL)
    {
      /* Nothing listens yet (slirp4netns takes the connection and drops
       * it, or the host refuses it): what E2B answers until the server
       * is up. */
      reply_edge_error (call->self, call->msg, call->sandbox_id, call->port);
    }
  else
    {
      SoupMessageHeaders *out = soup_server_message_get_response_headers (call->msg);

      soup_message_headers_iter_init (&iter, soup_message_get_response_headers (upstream));
      while (soup_message_headers_iter_next (&iter, &name, &value))
        if (!is_hop_by_hop (name) && g_ascii_strcasecmp (name, "Content-Type") != 0)
          soup_message_headers_append (out, name, value);

      content_type = soup_message_headers_get_one (soup_message_get_response_headers (upstream),
                                                   "Content-Type");
      data = g_bytes_get_data (body, &len);
      soup_server_message_set_status (call->msg, soup_message_get_status (upstream), NULL);
      if (len > 0 || content_type != NULL)
        soup_server_message_set_response (call->msg,
                                          content_type != NULL ? content_type : "application/octet-stream",
                                          SOUP_MEMORY_COPY, data, len);
    }

  soup_server_message_unpause (call->msg);
  proxy_call_free (call);
}

static void
port_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  PortEntry *entry = user_data;
  ForgeE2bStandin *self = entry->standin;
  Sandbox *sb = lookup_live (self, entry->sandbox_id);
  g_autoptr(SoupMessage) upstream = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GUri) target = NULL;
  g_autofree char *target_text = NULL;
  SoupMessageHeadersIter iter;
  const char *name, *value;
  GUri *uri = soup_server_message_get_uri (msg);
  ProxyCall *call;

  if (sb == NULL || sb->state != STATE_RUNNING)
    {
      reply_edge_error (self, msg, entry->sandbox_id, 0);
      return;
    }

  if (!forge_sandbox_process_is_running (entry->proc->process))
    {
      reply_edge_error (self, msg, entry->sandbox_id, entry->port);
      return;
    }

  if (entry->proc->exposed == NULL)
    {
      g_autoptr(GError) error = NULL;

      entry->proc->exposed = forge_sandbox_expose_port (FORGE_SANDBOX (sb->local),
                                                        entry->proc->process,
                                                        entry->port, &error);
      if (entry->proc->exposed == NULL)
        {
          reply_edge_error (self, msg, entry->sandbox_id, entry->port);
          return;
        }
    }

  target_text = g_strdup_printf ("http://%s%s%s%s", entry->proc->exposed,
                                 g_uri_get_path (uri),
                                 g_uri_get_query (uri) != NULL ? "?" : "",
                                 g_uri_get_query (uri) != NULL ? g_uri_get_query (uri) : "");
  target = g_uri_parse (target_text, SOUP_HTTP_URI_FLAGS, NULL);
  if (target == NULL)
    {
      reply_error (self, msg, 400, "Bad request");
      return;
    }

  upstream = soup_message_new_from_uri (soup_server_message_get_method (msg), target);
  soup_message_add_flags (upstream, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    if (!is_hop_by_hop (name))
      soup_message_headers_replace (soup_message_get_request_headers (upstream), name, value);
  body = request_body (msg);
  if (g_bytes_get_size (body) > 0)
    soup_message_set_request_body_from_bytes (upstream,
                                              soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL),
                                              body);

  call = g_new0 (ProxyCall, 1);
  call->self = self;
  call->msg = g_object_ref (msg);
  call->sandbox_id = g_strdup (entry->sandbox_id);
  call->port = entry->port;
  call->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (proxy_finished_cb), call);

  soup_server_message_pause (msg);
  soup_session_send_and_read_async (self->session, upstream, G_PRIORITY_DEFAULT, NULL,
                                    proxy_done_cb, call);
}

static void
port_entry_free (gpointer data)
{
  PortEntry *entry = data;

  soup_server_disconnect (entry->server);
  g_object_unref (entry->server);
  g_free (entry->sandbox_id);
  proc_unref (entry->proc);
  g_free (entry);
}

/* Debug mode: the sandbox's port N is http://localhost:N. */
static void
open_port (ForgeE2bStandin *self,
           Sandbox         *sb,
           Proc            *proc)
{
  PortEntry *entry = g_hash_table_lookup (self->ports, GUINT_TO_POINTER (proc->port));
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = NULL;

  /* Sharing the host's network the server takes the port itself. */
  if (!forge_local_sandbox_has_own_network (sb->local))
    return;

  if (entry != NULL)
    {
      /* The latest process started with that port wins. */
      g_free (entry->sandbox_id);
      entry->sandbox_id = g_strdup (sb->id);
      proc_unref (entry->proc);
      entry->proc = proc_ref (proc);
      return;
    }

  entry = g_new0 (PortEntry, 1);
  entry->standin = self;
  entry->port = proc->port;
  entry->sandbox_id = g_strdup (sb->id);
  entry->proc = proc_ref (proc);
  entry->server = soup_server_new ("server-header", "", NULL);
  soup_server_add_handler (entry->server, NULL, port_handler, entry, NULL);

  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, proc->port);
  if (!soup_server_listen (entry->server, address, 0, &error))
    {
      g_message ("The E2B stand-in cannot listen on port %u: %s", proc->port, error->message);
      port_entry_free (entry);
      return;
    }

  g_hash_table_insert (self->ports, GUINT_TO_POINTER (proc->port), entry);
}

/* }}} */

/* {{{ envd */

static void
stream_finished_cb (SoupServerMessage *msg,
                    Stream            *stream)
{
  /* The client went away; the process stays, as in envd. */
  stream_detach (stream);
}

static gboolean
keepalive_cb (gpointer data)
{
  Stream *stream = data;
  Proc *proc = stream->proc;

  if (proc->sandbox != NULL && proc->sandbox->state == STATE_RUNNING)
    {
      g_autoptr(JsonObject) empty = json_object_new ();
      g_autoptr(JsonNode) event = event_new ("keepalive", empty);

      stream_write_event (stream, event);
    }

  return G_SOURCE_CONTINUE;
}

/* A new stream of @proc's events on @msg, which answers 200 from now on. */
static Stream *
stream_attach (Proc              *proc,
               SoupServerMessage *msg,
               guint64            keepalive)
{
  Stream *stream = g_new0 (Stream, 1);

  stream->proc = proc;
  stream->msg = g_object_ref (msg);
  stream->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (stream_finished_cb), stream);
  g_ptr_array_add (proc->streams, stream);

  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                         "application/connect+json", NULL);
  soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                     SOUP_ENCODING_CHUNKED);

  stream->keepalive = g_timeout_source_new_seconds ((guint) keepalive);
  g_source_set_callback (stream->keepalive, keepalive_cb, stream, NULL);
  g_source_attach (stream->keepalive, proc->context);

  return stream;
}

static gboolean
deadline_cb (gpointer data)
{
  Stream *stream = data;
  Proc *proc = stream->proc;

  g_clear_pointer (&stream->deadline, g_source_unref);
  proc->deadline_hit = TRUE;
  /* envd runs the command under the request's context: at the deadline
   * it is killed. */
  if (forge_sandbox_process_is_running (proc->process))
    signal_namespace (forge_sandbox_process_get_pid (proc->process), SIGKILL);

  return G_SOURCE_REMOVE;
}

static void
stream_fail_start (ForgeE2bStandin   *self,
                   SoupServerMessage *msg,
                   const char        *code,
                   const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GBytes) envelope = NULL;
  gsize len;
  const char *data;

  /* A streaming call fails with 200 and an end-of-stream error. */
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  text = node_to_string (node);
  envelope = envelope_new (FLAG_END_STREAM, text);
  data = g_bytes_get_data (envelope, &len);

  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/connect+json", SOUP_MEMORY_COPY, data, len);
}

static void
handle_start (ForgeE2bStandin   *self,
              SoupServerMessage *msg,
              Sandbox           *sb)
{
  const char *content_type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL);
  const char *timeout_header = request_header (msg, "Connect-Timeout-Ms");
  const char *keepalive_header = request_header (msg, "Keepalive-Ping-Interval");
  g_autoptr(GBytes) body = request_body (msg);
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(GStrvBuilder) argv_builder = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) env_builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_auto(GStrv) env = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) start = json_object_new ();
  g_autoptr(JsonNode) event = NULL;
  g_autofree char *why = NULL;
  JsonObject *process;
  JsonNode *node;
  const char *cwd = HOME;
  guint64 timeout_ms = 0;
  guint64 keepalive = DEFAULT_KEEPALIVE_SECONDS;
  Proc *proc;
  Stream *stream;

  if (g_strcmp0 (content_type, "application/connect+json") != 0)
    {
      soup_server_message_set_status (msg, 415, NULL);
      return;
    }

  if (timeout_header != NULL &&
      !g_ascii_string_to_unsigned (timeout_header, 10, 0, G_MAXUINT32, &timeout_ms, NULL))
    {
      reply_connect_error (self, msg, 400, "invalid_argument", "protocol error: invalid Connect-Timeout-Ms");
      return;
    }
  if (keepalive_header != NULL &&
      !g_ascii_string_to_unsigned (keepalive_header, 10, 1, 3600, &keepalive, NULL))
    keepalive = DEFAULT_KEEPALIVE_SECONDS;

  if (!(request = envelope_decode_single (body, &why)))
    {
      stream_fail_start (self, msg, "invalid_argument", why);
      return;
    }

  node = json_object_get_member (json_node_get_object (request), "process");
  process = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  node = process != NULL ? json_object_get_member (process, "cmd") : NULL;
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      stream_fail_start (self, msg, "invalid_argument", "process.cmd is required");
      return;
    }
  g_strv_builder_add (argv_builder, json_node_get_string (node));

  if ((node = json_object_get_member (process, "args")) != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *args = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (args); i++)
        {
          JsonNode *arg = json_array_get_element (args, i);

          if (json_node_get_value_type (arg) != G_TYPE_STRING)
            {
              stream_fail_start (self, msg, "invalid_argument", "process.args must be strings");
              return;
            }
          g_strv_builder_add (argv_builder, json_node_get_string (arg));
        }
    }

  if (sb->env_vars != NULL)
    g_strv_builder_addv (env_builder, (const char **) sb->env_vars);
  if ((node = json_object_get_member (process, "envs")) != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *key;
      JsonNode *value;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &key, &value))
        if (json_node_get_value_type (value) == G_TYPE_STRING)
          {
            g_autofree char *entry = g_strdup_printf ("%s=%s", key, json_node_get_string (value));

            g_strv_builder_add (env_builder, entry);
          }
    }

  if ((node = json_object_get_member (process, "cwd")) != NULL &&
      json_node_get_value_type (node) == G_TYPE_STRING && *json_node_get_string (node) != '\0')
    cwd = json_node_get_string (node);

  argv = g_strv_builder_end (argv_builder);
  env = g_strv_builder_end (env_builder);

  proc = g_atomic_rc_box_new0 (Proc);
  g_mutex_init (&proc->mutex);
  g_queue_init (&proc->pending);
  proc->context = g_main_context_ref (self->context);
  proc->streams = g_ptr_array_new ();
  proc->sandbox = sb;
  proc->pid = sb->next_pid++;
  proc->config = json_node_copy (json_object_get_member (json_node_get_object (request), "process"));
  for (guint i = 0; env[i] != NULL; i++)
    if (g_str_has_prefix (env[i], "PORT="))
      {
        guint64 port = 0;

        if (g_ascii_string_to_unsigned (env[i] + 5, 10, 1, 65535, &port, NULL))
          proc->port = (guint) port;
      }

  /* The reader thread's reference goes with proc_lines_done_cb. */
  proc->process = forge_sandbox_spawn (FORGE_SANDBOX (sb->local),
                                       (const char * const *) argv,
                                       (const char * const *) env,
                                       cwd, proc_line_cb, proc_ref (proc),
                                       proc_lines_done_cb, &error);
  if (proc->process == NULL)
    {
      stream_fail_start (self, msg, "internal", error->message);
      proc_unref (proc);
      return;
    }

  g_hash_table_insert (sb->procs, GUINT_TO_POINTER (proc->pid), proc);
  g_signal_connect (proc->process, "exited", G_CALLBACK (proc_exited_cb), proc);

  stream = stream_attach (proc, msg, keepalive);
  stream->is_start = TRUE;

  json_object_set_int_member (start, "pid", proc->pid);
  event = event_new ("start", start);
  stream_write_event (stream, event);

  if (proc->port != 0)
    open_port (self, sb, proc);

  if (!g_queue_is_empty (&self->stream_faults))
    {
      ForgeE2bStandinStreamFault fault = GPOINTER_TO_INT (g_queue_pop_head (&self->stream_faults));
      g_autoptr(GBytes) broken = NULL;

      if (fault == FORGE_E2B_STANDIN_STREAM_CUT)
        {
          /* Promises 64 bytes, delivers 10. */
          static const guint8 cut[] = { 0, 0, 0, 0, 64, '{', '"', 'e', 'v', 'e', 'n', 't', '"', ':', '{' };

          broken = g_bytes_new_static (cut, sizeof cut);
        }
      else
        {
          broken = envelope_new (0, "\x01garbage, not JSON \xff");
        }

      soup_message_body_append_bytes (soup_server_message_get_response_body (msg), broken);
      stream_finish (stream, FALSE, NULL, NULL);
      return;
    }

  if (timeout_ms > 0)
    {
      stream->deadline = g_timeout_source_new ((guint) timeout_ms);
      g_source_set_callback (stream->deadline, deadline_cb, stream, NULL);
      g_source_attach (stream->deadline, self->context);
    }
}

/* process.Process/Connect: one more stream of a running process's
 * events, from now on (a start with its pid, its data, its end), beside
 * whichever streams it already has; the process does not notice. */
static void
handle_connect (ForgeE2bStandin   *self,
                SoupServerMessage *msg,
                Sandbox           *sb)
{
  const char *content_type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL);
  const char *keepalive_header = request_header (msg, "Keepalive-Ping-Interval");
  g_autoptr(GBytes) body = request_body (msg);
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonObject) start = json_object_new ();
  g_autoptr(JsonNode) event = NULL;
  g_autofree char *why = NULL;
  g_autofree char *message = NULL;
  guint64 keepalive = DEFAULT_KEEPALIVE_SECONDS;
  JsonObject *selector;
  JsonNode *node;
  gint64 pid = 0;
  Proc *proc;
  Stream *stream;

  if (g_strcmp0 (content_type, "application/connect+json") != 0)
    {
      soup_server_message_set_status (msg, 415, NULL);
      return;
    }

  if (keepalive_header != NULL &&
      !g_ascii_string_to_unsigned (keepalive_header, 10, 1, 3600, &keepalive, NULL))
    keepalive = DEFAULT_KEEPALIVE_SECONDS;

  if (!(request = envelope_decode_single (body, &why)))
    {
      stream_fail_start (self, msg, "invalid_argument", why);
      return;
    }

  node = json_object_get_member (json_node_get_object (request), "process");
  selector = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  /* proto3 JSON: int64 as a string is as good as a number. */
  node = selector != NULL ? json_object_get_member (selector, "pid") : NULL;
  if (node != NULL && json_node_get_value_type (node) == G_TYPE_STRING)
    pid = g_ascii_strtoll (json_node_get_string (node), NULL, 10);
  else if (node != NULL && json_node_get_value_type (node) == G_TYPE_INT64)
    pid = json_node_get_int (node);
  if (pid <= 0)
    {
      stream_fail_start (self, msg, "invalid_argument", "process.pid is required");
      return;
    }

  /* envd only knows the processes that still run: one that exited (even
   * if its end is still on its way to Start's stream) is not found. */
  proc = g_hash_table_lookup (sb->procs, GUINT_TO_POINTER ((guint) pid));
  if (proc == NULL || proc->exited || !forge_sandbox_process_is_running (proc->process))
    {
      message = g_strdup_printf ("process with pid %" G_GINT64_FORMAT " not found", pid);
      stream_fail_start (self, msg, "not_found", message);
      return;
    }

  /* Connect-Timeout-Ms would bound this request only, never the process
   * (started under Start's): the client sends 0, nothing to do. */
  stream = stream_attach (proc, msg, keepalive);
  json_object_set_int_member (start, "pid", proc->pid);
  event = event_new ("start", start);
  stream_write_event (stream, event);
}

static const struct { const char *name; int number; } signals[] = {
  { "SIGNAL_SIGKILL", SIGKILL },
  { "SIGNAL_SIGTERM", SIGTERM },
  { "SIGNAL_SIGINT", SIGINT },
  { "SIGNAL_SIGHUP", SIGHUP },
};

static void
handle_send_signal (ForgeE2bStandin   *self,
                    SoupServerMessage *msg,
                    Sandbox           *sb)
{
  g_autoptr(JsonNode) owner = NULL;
  JsonObject *body = body_object (msg, &owner);
  JsonNode *node;
  JsonObject *selector;
  const char *signal_name;
  g_autofree char *message = NULL;
  int signal_number = 0;
  gint64 pid;
  Proc *proc;

  if (g_strcmp0 (soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL),
                 "application/json") != 0)
    {
      soup_server_message_set_status (msg, 415, NULL);
      return;
    }

  node = body != NULL ? json_object_get_member (body, "process") : NULL;
  selector = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  /* proto3 JSON: int64 as a string is as good as a number. */
  node = selector != NULL ? json_object_get_member (selector, "pid") : NULL;
  if (node != NULL && json_node_get_value_type (node) == G_TYPE_STRING)
    pid = g_ascii_strtoll (json_node_get_string (node), NULL, 10);
  else
    pid = node != NULL && json_node_get_value_type (node) == G_TYPE_INT64 ? json_node_get_int (node) : 0;

  node = body != NULL ? json_object_get_member (body, "signal") : NULL;
  signal_name = node != NULL && json_node_get_value_type (node) == G_TYPE_STRING ? json_node_get_string (node) : "";
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    if (g_str_equal (signal_name, signals[i].name))
      signal_number = signals[i].number;

  if (pid <= 0 || signal_number == 0)
    {
      reply_connect_error (self, msg, 400, "invalid_argument", "process.pid and a known signal are required");
      return;
    }

  proc = g_hash_table_lookup (sb->procs, GUINT_TO_POINTER ((guint) pid));
  if (proc == NULL || !forge_sandbox_process_is_running (proc->process))
    {
      message = g_strdup_printf ("process with pid %" G_GINT64_FORMAT " not found", pid);
      reply_connect_error (self, msg, 404, "not_found", message);
      return;
    }

  if (signal_number == SIGKILL)
    signal_namespace (forge_sandbox_process_get_pid (proc->process), SIGKILL);
  else
    forge_sandbox_process_kill (proc->process);

  reply_text (self, msg, 200, "application/json", "{}");
}

static void
handle_list_processes (ForgeE2bStandin   *self,
                       SoupServerMessage *msg,
                       Sandbox           *sb)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  GHashTableIter iter;
  Proc *proc;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "processes");
  json_builder_begin_array (builder);
  g_hash_table_iter_init (&iter, sb->procs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &proc))
    if (forge_sandbox_process_is_running (proc->process))
      {
        json_builder_begin_object (builder);
        json_builder_set_member_name (builder, "config");
        json_builder_add_value (builder, json_node_copy (proc->config));
        json_builder_set_member_name (builder, "pid");
        json_builder_add_int_value (builder, proc->pid);
        json_builder_end_object (builder);
      }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  reply_json (self, msg, 200, node);
}

/* envd's path inside the sandbox → the host's file, for /home/user and
 * below only. Refuses symlinks on the way: the host follows them, and
 * the sandbox may have made them point anywhere. */
static char *
resolve_path (Sandbox     *sb,
              const char  *path,
              char       **canonical_out,
              char       **why)
{
  g_autofree char *absolute = NULL;
  g_autofree char *canonical = NULL;
  g_autofree char *host = NULL;
  g_auto(GStrv) parts = NULL;
  const char *base, *rest;
  g_autoptr(GString) walked = NULL;

  if (path == NULL || *path == '\0')
    {
      *why = g_strdup ("path is required");
      return NULL;
    }

  absolute = g_path_is_absolute (path) ? g_strdup (path) : g_build_filename (HOME, path, NULL);
  canonical = g_canonicalize_filename (absolute, "/");

  if (g_str_equal (canonical, REPO) || g_str_has_prefix (canonical, REPO "/"))
    {
      base = sb->repo_dir;
      rest = canonical + strlen (REPO);
    }
  else if (g_str_equal (canonical, HOME) || g_str_has_prefix (canonical, HOME "/"))
    {
      base = sb->home_dir;
      rest = canonical + strlen (HOME);
    }
  else
    {
      *why = g_strdup_printf ("path '%s' is outside %s", canonical, HOME);
      return NULL;
    }

  walked = g_string_new (base);
  parts = g_strsplit (rest, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      struct stat st;

      if (*parts[i] == '\0')
        continue;
      g_string_append_printf (walked, "/%s", parts[i]);
      if (lstat (walked->str, &st) == 0 && S_ISLNK (st.st_mode))
        {
          *why = g_strdup_printf ("path '%s' goes through a symlink", canonical);
          return NULL;
        }
    }

  host = g_string_free (g_steal_pointer (&walked), FALSE);
  *canonical_out = g_steal_pointer (&canonical);
  return g_steal_pointer (&host);
}

static gboolean
write_file (ForgeE2bStandin   *self,
            SoupServerMessage *msg,
            Sandbox           *sb,
            const char        *path,
            GBytes            *content,
            JsonBuilder       *entries)
{
  g_autofree char *canonical = NULL;
  g_autofree char *why = NULL;
  g_autofree char *host = resolve_path (sb, path, &canonical, &why);
  g_autofree char *parent = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (content, &len);

  if (host == NULL)
    {
      reply_error (self, msg, 400, "%s", why);
      return FALSE;
    }

  if (self->files_quota > 0 && sb->bytes_written + len > self->files_quota)
    {
      reply_error (self, msg, 507, "not enough disk space available");
      return FALSE;
    }

  parent = g_path_get_dirname (host);
  if (g_mkdir_with_parents (parent, 0755) != 0 ||
      !g_file_set_contents (host, data != NULL ? data : "", (gssize) len, &error))
    {
      reply_error (self, msg, 500, "error writing file '%s': %s", canonical,
                   error != NULL ? error->message : g_strerror (errno));
      return FALSE;
    }
  sb->bytes_written += len;

  name = g_path_get_basename (canonical);
  json_builder_begin_object (entries);
  json_builder_set_member_name (entries, "path");
  json_builder_add_string_value (entries, canonical);
  json_builder_set_member_name (entries, "name");
  json_builder_add_string_value (entries, name);
  json_builder_set_member_name (entries, "type");
  json_builder_add_string_value (entries, "file");
  json_builder_end_object (entries);

  return TRUE;
}

static void
handle_files (ForgeE2bStandin   *self,
              SoupServerMessage *msg,
              Sandbox           *sb,
              GHashTable        *query)
{
  const char *method = soup_server_message_get_method (msg);
  const char *path = query != NULL ? g_hash_table_lookup (query, "path") : NULL;

  if (g_str_equal (method, "GET"))
    {
      g_autofree char *canonical = NULL;
      g_autofree char *why = NULL;
      g_autofree char *host = resolve_path (sb, path, &canonical, &why);
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (host == NULL)
        reply_error (self, msg, 400, "%s", why);
      else if (g_file_test (host, G_FILE_TEST_IS_DIR))
        reply_error (self, msg, 400, "path '%s' is a directory", canonical);
      else if (!g_file_get_contents (host, &contents, &len, NULL))
        reply_error (self, msg, 404, "path '%s' not found", canonical);
      else
        {
          soup_server_message_set_status (msg, 200, NULL);
          soup_server_message_set_response (msg, "application/octet-stream",
                                            SOUP_MEMORY_TAKE, g_steal_pointer (&contents), len);
        }
    }
  else if (g_str_equal (method, "POST"))
    {
      SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
      const char *content_type = soup_message_headers_get_content_type (headers, NULL);
      g_autoptr(JsonBuilder) entries = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GBytes) body = request_body (msg);

      json_builder_begin_array (entries);

      if (g_strcmp0 (content_type, "multipart/form-data") == 0)
        {
          g_autoptr(SoupMultipart) multipart = soup_multipart_new_from_message (headers, body);
          guint written = 0;

          for (int i = 0; multipart != NULL && i < soup_multipart_get_length (multipart); i++)
            {
              SoupMessageHeaders *part_headers;
              GBytes *part_body;
              g_autoptr(GHashTable) params = NULL;
              const char *field, *file_name, *target;

              if (!soup_multipart_get_part (multipart, i, &part_headers, &part_body) ||
                  !soup_message_headers_get_content_disposition (part_headers, NULL, &params))
                continue;
              field = g_hash_table_lookup (params, "name");
              file_name = g_hash_table_lookup (params, "filename");
              if (g_strcmp0 (field, "file") != 0)
                continue;

              /* Without ?path= the part's file name says where. */
              target = path != NULL ? path : file_name;
              if (!write_file (self, msg, sb, target, part_body, entries))
                return;
              written++;
            }

          if (written == 0)
            {
              reply_error (self, msg, 400, "error parsing multipart form: no \"file\" field");
              return;
            }
        }
      else if (g_strcmp0 (content_type, "application/octet-stream") == 0)
        {
          if (!write_file (self, msg, sb, path, body, entries))
            return;
        }
      else
        {
          reply_error (self, msg, 400, "unsupported content type '%s'", content_type != NULL ? content_type : "");
          return;
        }

      json_builder_end_array (entries);
      node = json_builder_get_root (entries);
      reply_json (self, msg, 200, node);
    }
  else
    {
      reply_error (self, msg, 405, "method not allowed");
    }
}

static void
envd_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  ForgeE2bStandin *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  Sandbox *sb;

  record_request (self, msg, TRUE);

  if (take_status_fault (self, msg))
    return;

  if (g_str_equal (path, "/health") && g_str_equal (method, "GET"))
    {
      soup_server_message_set_status (msg, 204, NULL);
      return;
    }

  sb = lookup_by_token (self, request_header (msg, "X-Access-Token"));
  if (sb == NULL)
    {
      reply_error (self, msg, 401, "unauthorized access, please provide a valid access token");
      return;
    }

  /* Nothing answers for a sandbox that is gone or frozen: the edge says
   * so. */
  if (sb->state != STATE_RUNNING)
    {
      reply_edge_error (self, msg, sb->id, 0);
      return;
    }

  if (g_str_equal (path, "/process.Process/Start") && g_str_equal (method, "POST"))
    handle_start (self, msg, sb);
  else if (g_str_equal (path, "/process.Process/Connect") && g_str_equal (method, "POST"))
    handle_connect (self, msg, sb);
  else if (g_str_equal (path, "/process.Process/SendSignal") && g_str_equal (method, "POST"))
    handle_send_signal (self, msg, sb);
  else if (g_str_equal (path, "/process.Process/List") && g_str_equal (method, "POST"))
    handle_list_processes (self, msg, sb);
  else if (g_str_equal (path, "/files"))
    handle_files (self, msg, sb, query);
  else
    reply_error (self, msg, 404, "not found");
}

/* }}} */

/* {{{ The stand-in's thread */

static char *
listen_loopback (SoupServer  *server,
                 GError     **error)
{
  GSList *uris;
  char *url;

  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, error))
    return NULL;

  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return url;
}

static gpointer
standin_thread (gpointer data)
{
  ForgeE2bStandin *self = data;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (self->context);

  self->api_server = soup_server_new ("server-header", "", NULL);
  self->envd_server = soup_server_new ("server-header", "", NULL);
  soup_server_add_handler (self->api_server, NULL, api_handler, self, NULL);
  soup_server_add_handler (self->envd_server, NULL, envd_handler, self, NULL);
  self->session = soup_session_new_with_options ("timeout", 30, NULL);
  /* Bodies go through as they are, compressed or not. */
  soup_session_remove_feature_by_type (self->session, SOUP_TYPE_CONTENT_DECODER);

  if ((self->api_url = listen_loopback (self->api_server, &error)))
    self->envd_url = listen_loopback (self->envd_server, &error);

  g_mutex_lock (&self->ready_mutex);
  self->ready = TRUE;
  if (error != NULL)
    self->start_error = g_error_copy (error);
  g_cond_broadcast (&self->ready_cond);
  g_mutex_unlock (&self->ready_mutex);

  if (error == NULL)
    g_main_loop_run (self->loop);

  g_main_context_pop_thread_default (self->context);

  return NULL;
}

static void
shutdown_on_thread (ForgeE2bStandin *self,
                    gpointer         data)
{
  GHashTableIter iter;
  Sandbox *sb;
  Proc *proc;

  g_hash_table_iter_init (&iter, self->sandboxes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &sb))
    sandbox_kill (sb);

  /* Nothing outlives the stand-in: wait for every process to be gone
   * (the local sandbox gives them a grace period after SIGTERM). */
  g_hash_table_iter_init (&iter, self->sandboxes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &sb))
    {
      GHashTableIter procs;

      g_hash_table_iter_init (&procs, sb->procs);
      while (g_hash_table_iter_next (&procs, NULL, (gpointer *) &proc))
        if (!forge_sandbox_process_wait (proc->process, 10000, NULL))
          g_message ("A process of sandbox %s outlived its kill", sb->id);
    }

  g_hash_table_remove_all (self->ports);
  g_hash_table_remove_all (self->sandboxes);

  soup_server_disconnect (self->api_server);
  soup_server_disconnect (self->envd_server);
  g_clear_object (&self->api_server);
  g_clear_object (&self->envd_server);
  soup_session_abort (self->session);
  g_clear_object (&self->session);

  g_main_loop_quit (self->loop);
}

/* }}} */

/* {{{ GObject */

static void
forge_e2b_standin_dispose (GObject *object)
{
  ForgeE2bStandin *self = (ForgeE2bStandin *)object;

  if (self->thread != NULL)
    {
      if (self->start_error == NULL)
        run_on_thread (self, shutdown_on_thread, NULL);
      g_thread_join (g_steal_pointer (&self->thread));
    }

  G_OBJECT_CLASS (forge_e2b_standin_parent_class)->dispose (object);
}

static void
forge_e2b_standin_finalize (GObject *object)
{
  ForgeE2bStandin *self = (ForgeE2bStandin *)object;

  /* Left over when the thread never served. */
  g_clear_object (&self->api_server);
  g_clear_object (&self->envd_server);
  g_clear_object (&self->session);

  if (self->root != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!forge_remove_tree (self->root, &error))
        g_message ("Could not remove %s: %s", self->root, error->message);
    }

  g_clear_pointer (&self->sandboxes, g_hash_table_unref);
  g_clear_pointer (&self->ports, g_hash_table_unref);
  g_clear_pointer (&self->requests, g_ptr_array_unref);
  g_list_free_full (self->faults, fault_free);
  g_queue_clear (&self->stream_faults);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_error (&self->start_error);
  g_mutex_clear (&self->ready_mutex);
  g_cond_clear (&self->ready_cond);
  g_free (self->api_key);
  g_free (self->root);
  g_free (self->api_url);
  g_free (self->envd_url);

  G_OBJECT_CLASS (forge_e2b_standin_parent_class)->finalize (object);
}

static void
forge_e2b_standin_class_init (ForgeE2bStandinClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = forge_e2b_standin_dispose;
  object_class->finalize = forge_e2b_standin_finalize;
}

static void
forge_e2b_standin_init (ForgeE2bStandin *self)
{
  g_mutex_init (&self->ready_mutex);
  g_cond_init (&self->ready_cond);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->sandboxes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, sandbox_free);
  self->ports = g_hash_table_new_full (NULL, NULL, NULL, port_entry_free);
  self->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) forge_e2b_standin_request_free);
  g_queue_init (&self->stream_faults);
  self->max_timeout = 3600;
  self->pause_supported = TRUE;
}

/* }}} */

/* {{{ Public API */

ForgeE2bStandin *
forge_e2b_standin_new (const char  *api_key,
                       GError     **error)
{
  g_autoptr(ForgeE2bStandin) self = NULL;

  g_return_val_if_fail (api_key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!forge_local_sandbox_check_available (error))
    return NULL;

  self = g_object_new (FORGE_TYPE_E2B_STANDIN, NULL);
  self->api_key = g_strdup (api_key);
  if (!(self->root = g_dir_make_tmp ("forge-e2b-standin-XXXXXX", error)))
    return NULL;

  self->thread = g_thread_new ("forge-e2b-standin", standin_thread, self);

  g_mutex_lock (&self->ready_mutex);
  while (!self->ready)
    g_cond_wait (&self->ready_cond, &self->ready_mutex);
  g_mutex_unlock (&self->ready_mutex);

  if (self->start_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->start_error));
      return NULL;
    }

  return g_steal_pointer (&self);
}

const char *
forge_e2b_standin_get_api_url (ForgeE2bStandin *self)
{
  g_return_val_if_fail (FORGE_IS_E2B_STANDIN (self), NULL);
  return self->api_url;
}

const char *
forge_e2b_standin_get_envd_url (ForgeE2bStandin *self)
{
  g_return_val_if_fail (FORGE_IS_E2B_STANDIN (self), NULL);
  return self->envd_url;
}

const char *
forge_e2b_standin_get_api_key (ForgeE2bStandin *self)
{
  g_return_val_if_fail (FORGE_IS_E2B_STANDIN (self), NULL);
  return self->api_key;
}

const char *
forge_e2b_standin_get_root (ForgeE2bStandin *self)
{
  g_return_val_if_fail (FORGE_IS_E2B_STANDIN (self), NULL);
  return self->root;
}

char **
forge_e2b_standin_environ (ForgeE2bStandin  *self,
                           char            **envp)
{
  g_return_val_if_fail (FORGE_IS_E2B_STANDIN (self), envp);

  envp = g_environ_setenv (envp, "E2B_DEBUG", "true", TRUE);
  envp = g_environ_setenv (envp, "E2B_API_URL", self->api_url, TRUE);
  envp = g_environ_setenv (envp, "E2B_SANDBOX_URL", self->envd_url, TRUE);

  return envp;
}

typedef struct
{
  guint64  number;
  gboolean flag;
} Setting;

static void
set_max_timeout_on_thread (ForgeE2bStandin *self,
                           gpointer         data)
{
  self->max_timeout = (guint) ((Setting *) data)->number;
}

void
forge_e2b_standin_set_max_timeout (ForgeE2bStandin *self,
                                   guint            seconds)
{
  Setting setting = { seconds, FALSE };

  g_return_if_fail (FORGE_IS_E2B_STANDIN (self));
  run_on_thread (self, set_max_timeout_on_thread, &setting);
}

static void
set_files_quota_on_thread (ForgeE2bStandin *self,
                           gpointer         data)
{
  self->files_quota = ((Setting *) data)->number;
}

void
forge_e2b_standin_set_files_quota (ForgeE2bStandin *self,
                                   guint64          bytes)
{
  Setting setting = { bytes, FALSE };

  g_return_if_fail (FORGE_IS_E2B_STANDIN (self));
  run_on_thread (self, set_files_quota_on_thread, &setting);
}

static void
set_pause_supported_on_thread (ForgeE2bStandin *self,
                               gpointer         data)
{
  self->pause_supported = ((Setting *) data)->flag;
}

void
forge_e2b_standin_set_pause_supported (ForgeE2bStandin *self,
                                       gboolean         supported)
{
  Setting setting = { 0, supported };

  g_return_if_fail (FORGE_IS_E2B_STANDIN (self));
  run_on_thread (self, set_pause_supported_on_thread, &setting);
}

static void
add_fault_on_thread (ForgeE2bStandin *self,
                     gpointer         data)
{
  self->faults = g_list_append (self->faults, data);
}

void
forge_e2b_standin_fail_next (ForgeE2bStandin *self,
                             const char      *method,
                             const char      *path_glob,
                             guint            status,
                             guint            count)
{
  Fault *fault;

  g_return_if_fail (FORGE_IS_E2B_STANDIN (self));
  g_return_if_fail (path_glob != NULL);
  g_return_if_fail (status >= 400 && status < 600);

  if (count == 0)
    return;

  fault = g_new0 (Fault, 1);
  fault->kind = FAULT_STATUS;
  fault->method = g_strdup (method);
  fault->path_glob = g_strdup (path_glob);
  fault->status = status;
  fault->count = count;
  run_on_thread (self, add_fault_on_thread, fault);
}

void
forge_e2b_standin_malform_next (ForgeE2bStandin *self,
                                const char      *method,
                                const char      *path_glob)
{
  Fault *fault;

  g_return_if_fail (FORGE_IS_E2B_STANDIN (self));
  g_return_if_fail (path_glob != NULL);

  fault = g_new0 (Fault, 1);
  fault->kind = FAULT_MALFORMED;
  fault->method = g_strdup (method);
  fault->path_glob = g_strdup (path_glob);
  fault->count = 1;
  run_on_thread (self, add_fault_on_thread, fault);
}

static void
break_next_stream_on_thread (ForgeE2bStandin *self,
                             gpointer         data)
{
  g_queue_push_tail (&self->stream_faults, data);
}

void
forge_e2b_standin_break_next_stream (ForgeE2bStandin            *self,
                                     ForgeE2bStandinStreamFault  fault)
{
  g_return_if_fail (FORGE_IS_E2B_STANDIN (self));
  run_on_thread (self, break_next_stream_on_thread, GINT_TO_POINTER (fault));
}

typedef struct
{
  const char *id;
  gboolean    found;
  char       *repo_dir;
} SandboxCall;

static void
kill_sandbox_on_thread (ForgeE2bStandin *self,
                        gpointer         data)
{
  SandboxCall *call = data;
  Sandbox *sb = lookup_live (self, call->id);

  if ((call->found = sb != NULL))
    sandbox_kill (sb);
}

gboolean
forge_e2b_standin_kill_sandbox (ForgeE2bStandin *self,
                                const char      *sandbox_id)
{
  SandboxCall call = { sandbox_id, FALSE, NULL };

  g_return_val_if_fail (FORGE_IS_E2B_STANDIN (self), FALSE);
  run_on_thread (self, kill_sandbox_on_thread, &call);
  return call.found;
}

static void
expire_sandbox_on_thread (ForgeE2bStandin *self,
                          gpointer         data)
{
  SandboxCall *call = data;
  Sandbox *sb = lookup_live (self, call->id);

  if ((call->found = sb != NULL && sb->state == STATE_RUNNING))
    sandbox_expire (sb);
}

gboolean
forge_e2b_standin_expire_sandbox (ForgeE2bStandin *self,
                                  const char      *sandbox_id)
{
  SandboxCall call = { sandbox_id, FALSE, NULL };

  g_return_val_if_fail (FORGE_IS_E2B_STANDIN (self), FALSE);
  run_on_thread (self, expire_sandbox_on_thread, &call);
  return call.found;
}

static void
dup_repo_dir_on_thread (ForgeE2bStandin *self,
                        gpointer         data)
{
  SandboxCall *call = data;
  Sandbox *sb = g_hash_table_lookup (self->sandboxes, call->id);

  if (sb != NULL)
    call->repo_dir = g_strdup (sb->repo_dir);
}

char *
forge_e2b_standin_dup_repo_dir (ForgeE2bStandin *self,
                                const char      *sandbox_id)
{
  SandboxCall call = { sandbox_id, FALSE, NULL };

  g_return_val_if_fail (FORGE_IS_E2B_STANDIN (self), NULL);
  run_on_thread (self, dup_repo_dir_on_thread, &call);
  return call.repo_dir;
}

static void
dup_requests_on_thread (ForgeE2bStandin *self,
                        gpointer         data)
{
  GPtrArray *copy = data;

  for (guint i = 0; i < self->requests->len; i++)
    {
      ForgeE2bStandinRequest *request = g_ptr_array_index (self->requests, i);
      ForgeE2bStandinRequest *dup = g_new0 (ForgeE2bStandinRequest, 1);

      dup->method = g_strdup (request->method);
      dup->path = g_strdup (request->path);
      dup->query = g_strdup (request->query);
      dup->body = g_bytes_ref (request->body);
      dup->headers = soup_message_headers_ref (request->headers);
      dup->envd = request->envd;
      g_ptr_array_add (copy, dup);
    }
}

GPtrArray *
forge_e2b_standin_dup_requests (ForgeE2bStandin *self)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) forge_e2b_standin_request_free);

  g_return_val_if_fail (FORGE_IS_E2B_STANDIN (self), copy);
  run_on_thread (self, dup_requests_on_thread, copy);
  return copy;
}

static void
dup_ids_on_thread (ForgeE2bStandin *self,
                   gpointer         data)
{
  GStrvBuilder *builder = data;
  GHashTableIter iter;
  Sandbox *sb;

  g_hash_table_iter_init (&iter, self->sandboxes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &sb))
    if (sb->state != STATE_DEAD)
      g_strv_builder_add (builder, sb->id);
}

char **
forge_e2b_standin_dup_sandbox_ids (ForgeE2bStandin *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (FORGE_IS_E2B_STANDIN (self), NULL);
  run_on_thread (self, dup_ids_on_thread, builder);
  return g_strv_builder_end (builder);
}

/* }}} */
