/* forge-e2b-envd.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "forge-sandbox-process.h"

G_BEGIN_DECLS

/* Errors of envd, the daemon inside an E2B sandbox. Messages are one
 * line and never hold the access token (it is scrubbed from whatever the
 * other side sends back, too). Cancelling gives G_IO_ERROR_CANCELLED. */
#define FORGE_ENVD_ERROR (forge_envd_error_quark ())

typedef enum
{
  FORGE_ENVD_ERROR_FAILED,
  FORGE_ENVD_ERROR_GONE,            /* the sandbox disappeared (502 "not found", refused) */
  FORGE_ENVD_ERROR_NOT_FOUND,       /* no such file or process */
  FORGE_ENVD_ERROR_UNAUTHORIZED,    /* the access token was refused */
  FORGE_ENVD_ERROR_PROTOCOL,        /* envd said something we cannot read */
  FORGE_ENVD_ERROR_PROCESS_FAILED,  /* the command could not be started or its stream failed */
  FORGE_ENVD_ERROR_DISK_FULL,
  FORGE_ENVD_ERROR_TOO_LARGE,       /* a download above its bound */
} ForgeEnvdError;

/* How often envd is asked to send a keepalive on an event stream. A
 * stream silent for three intervals is taken for a lost connection. */
#define FORGE_ENVD_KEEPALIVE_INTERVAL_S 30

typedef enum
{
  FORGE_ENVD_EVENT_STARTED,   /* pid */
  FORGE_ENVD_EVENT_LINE,      /* stream, line */
  FORGE_ENVD_EVENT_EXITED,    /* exit_code, status */
  FORGE_ENVD_EVENT_CLOSED,    /* error; always the last event, exactly once */
} ForgeEnvdEventType;

typedef struct
{
  ForgeEnvdEventType   type;
  guint32              pid;
  ForgeSandboxStream   stream;
  /* Valid UTF-8 without its newline, cut to FORGE_LOG_LINE_MAX bytes. */
  const char          *line;
  /* 128+N when signal N ended it, as run_sync() reports it. */
  int                  exit_code;
  /* envd's own words ("exit status 3", "signal: killed"), or NULL. */
  const char          *status;
  /* NULL when the stream ended cleanly after EXITED. */
  const GError        *error;
} ForgeEnvdEvent;

/* Called from the calling thread or the stream's reader thread, never
 * two at once for one process. */
typedef void (*ForgeEnvdEventFunc) (const ForgeEnvdEvent *event,
                                    gpointer              user_data);

/* A process started by forge_e2b_envd_start_process() or followed by
 * forge_e2b_envd_connect_process(), whose events a thread of its own
 * reads. Thread-safe. */
typedef struct _ForgeEnvdProcess ForgeEnvdProcess;

#define FORGE_TYPE_ENVD_PROCESS (forge_envd_process_get_type ())
GType             forge_envd_process_get_type    (void) G_GNUC_CONST;
ForgeEnvdProcess *forge_envd_process_ref         (ForgeEnvdProcess *self);
void              forge_envd_process_unref       (ForgeEnvdProcess *self);
/* The pid inside the sandbox (for forge_e2b_envd_send_signal()). */
guint32           forge_envd_process_get_pid     (ForgeEnvdProcess *self);
/* Stops reading its events (CLOSED comes with G_IO_ERROR_CANCELLED);
 * the process itself goes on: dropping the stream does not stop it. */
void              forge_envd_process_disconnect  (ForgeEnvdProcess *self);
/* Blocks until CLOSED was delivered (and @destroy called) or @timeout_ms passed (< 0: no
 * limit). TRUE when it was. Not from the event callback. */
gboolean          forge_envd_process_wait_closed (ForgeEnvdProcess *self,
                                                  int               timeout_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ForgeEnvdProcess, forge_envd_process_unref)

typedef void (*ForgeEnvdProgressFunc) (guint64   bytes_done,
                                       gint64    bytes_total,   /* -1 when unknown */
                                       gpointer  user_data);

#define FORGE_TYPE_E2B_ENVD (forge_e2b_envd_get_type ())

G_DECLARE_FINAL_TYPE (ForgeE2bEnvd, forge_e2b_envd, FORGE, E2B_ENVD, GObject)

GQuark            forge_envd_error_quark        (void);

/* A client of the envd at @base_url ("https://49983-ID.DOMAIN", no
 * trailing path) authenticating with @access_token (NULL: none, for an
 * envd that wants none). All methods block and are safe to call from
 * any thread at the same time. */
ForgeE2bEnvd     *forge_e2b_envd_new            (const char            *base_url,
                                                 const char            *access_token);
const char       *forge_e2b_envd_get_base_url   (ForgeE2bEnvd          *self);

/* Starts `/bin/bash -l -c @command` in the sandbox. @env: KEY=VALUE
 * entries; @cwd: NULL for the user's home. @timeout_ms becomes
 * Connect-Timeout-Ms, after which envd KILLS the process: 0 for none
 * (dev servers). Blocks until envd reported the process started (the
 * STARTED event has then been delivered on this thread), then hands the
 * rest of the stream to a reader thread. On failure returns NULL, having
 * called no @func but @destroy. @destroy is called after CLOSED. */
ForgeEnvdProcess *forge_e2b_envd_start_process  (ForgeE2bEnvd          *self,
                                                 const char            *command,
                                                 const char * const    *env,
                                                 const char            *cwd,
                                                 guint                  timeout_ms,
                                                 ForgeEnvdEventFunc     func,
                                                 gpointer               user_data,
                                                 GDestroyNotify         destroy,
                                                 GError               **error);
/* Follows @pid, a process that still runs (started by another client,
 * or by this one before a pause), through process.Process/Connect: the
 * same events as forge_e2b_envd_start_process() from now on, STARTED
 * first (on this thread), then its output and its end on a reader
 * thread. Connect-Timeout-Ms is 0: only this stream would be bounded.
 * A pid that is not running: FORGE_ENVD_ERROR_NOT_FOUND. On failure
 * returns NULL, having called no @func but @destroy. Disconnecting
 * leaves the process running. */
ForgeEnvdProcess *forge_e2b_envd_connect_process (ForgeE2bEnvd        *self,
                                                  guint32              pid,
                                                  ForgeEnvdEventFunc   func,
                                                  gpointer             user_data,
                                                  GDestroyNotify       destroy,
                                                  GError             **error);
/* Runs `/bin/bash -l -c @command` on the calling thread until it exits,
 * with its lines to @line_func; TRUE with its exit code when it ran to
 * its end. Cancelling sends SIGKILL to it and fails with
 * G_IO_ERROR_CANCELLED. */
gboolean          forge_e2b_envd_run            (ForgeE2bEnvd          *self,
                                                 const char            *command,
                                                 const char * const    *env,
                                                 const char            *cwd,
                                                 guint                  timeout_ms,
                                                 ForgeSandboxLineFunc   line_func,
                                                 gpointer               user_data,
                                                 int                   *exit_code,
                                                 GCancellable          *cancellable,
                                                 GError               **error);
/* @signal_name: "SIGNAL_SIGTERM" or "SIGNAL_SIGKILL". A process that is
 * already gone: FORGE_ENVD_ERROR_NOT_FOUND. */
gboolean          forge_e2b_envd_send_signal    (ForgeE2bEnvd          *self,
                                                 guint32                pid,
                                                 const char            *signal_name,
                                                 GCancellable          *cancellable,
                                                 GError               **error);
/* Writes @contents to the absolute @path in the sandbox, creating its
 * folders and replacing what was there. */
gboolean          forge_e2b_envd_upload_bytes   (ForgeE2bEnvd          *self,
                                                 const char            *path,
                                                 GBytes                *contents,
                                                 ForgeEnvdProgressFunc  progress,
                                                 gpointer               progress_data,
                                                 GCancellable          *cancellable,
                                                 GError               **error);
/* The same from a stream of @length bytes (-1: unknown, sent chunked). */
gboolean          forge_e2b_envd_upload_stream  (ForgeE2bEnvd          *self,
                                                 const char            *path,
                                                 GInputStream          *stream,
                                                 gint64                 length,
                                                 ForgeEnvdProgressFunc  progress,
                                                 gpointer               progress_data,
                                                 GCancellable          *cancellable,
                                                 GError               **error);
/* The file at the absolute @path, refused above @max_size bytes. */
GBytes           *forge_e2b_envd_download_file  (ForgeE2bEnvd          *self,
                                                 const char            *path,
                                                 gsize                  max_size,
                                                 GCancellable          *cancellable,
                                                 GError               **error);

G_END_DECLS
