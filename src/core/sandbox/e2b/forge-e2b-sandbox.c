/* forge-e2b-sandbox.c
 *
 * A ForgeSandbox in an E2B cloud sandbox: commands through its envd
 * (Connect RPC), its life through the control plane (ForgeE2bApi).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-e2b"

#include "config.h"

#include <signal.h>
#include <sys/wait.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "forge-e2b-envd.h"
#include "forge-e2b-resources.h"
#include "forge-e2b-sandbox.h"
#include "forge-sandbox-process-private.h"
#include "forge-util.h"
#include "forge-workspace-archive.h"

/* How long a server gets to exit after SIGTERM before SIGKILL, as in
 * the local backend. */
#define GRACE_PERIOD_USEC (2 * G_TIME_SPAN_SECOND)
/* Where dev servers listen when E2B serves their port: the first
 * attempt gets the port most tools default to. */
#define FIRST_PORT 3000
/* What a login shell on the template has; our helpers go first. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define STATIC_SERVER_RESOURCE "/io/github/forgepreview/ForgePreview/e2b/forge-static-server.js"

struct _ForgeE2bSandbox
{
  GObject        parent_instance;

  GMutex         mutex;
  GMainContext  *main_context;
  ForgeE2bApi   *api;
  ForgeE2bEnvd  *envd;
  char          *id;
  char          *domain;
  GHashTable    *port_urls;         /* authority → port URL, under mutex */
  char          *synced_hash;       /* under mutex */
  GMutex         sync_mutex;        /* one upload at a time */
  GSource       *expiry_watch;      /* under mutex */
  guint          running : 1;       /* under mutex */
  /* Found paused (autoPause at its timeout): dead to this handle, but
   * kept for a reconnect to resume, and deleted by kill(). Under mutex. */
  guint          paused : 1;
  guint          helpers_uploaded : 1;   /* under sync_mutex */
};

static void forge_e2b_sandbox_iface_init (ForgeSandboxInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ForgeE2bSandbox, forge_e2b_sandbox, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (FORGE_TYPE_SANDBOX,
                                                      forge_e2b_sandbox_iface_init))

/* {{{ Death */

static void watch_expiry (ForgeE2bSandbox *self,
                          GDateTime       *end_at);

/* Marks it gone, once: "died" then comes from an idle source on its main
 * context, whichever thread found out. FALSE when it was gone already. */
static gboolean
mark_dead (ForgeE2bSandbox   *self,
           ForgeSandboxDeath  death)
{
  g_mutex_lock (&self->mutex);
  if (!self->running)
    {
      g_mutex_unlock (&self->mutex);
      return FALSE;
    }
  self->running = FALSE;
  if (self->expiry_watch != NULL)
    {
      g_source_destroy (self->expiry_watch);
      g_clear_pointer (&self->expiry_watch, g_source_unref);
    }
  g_mutex_unlock (&self->mutex);

  forge_sandbox_schedule_died (FORGE_SANDBOX (self), self->main_context, death);
  return TRUE;
}

static gboolean
is_running (ForgeE2bSandbox *self)
{
  gboolean running;

  g_mutex_lock (&self->mutex);
  running = self->running;
  g_mutex_unlock (&self->mutex);

  return running;
}

/* envd said the sandbox is not there, or its timeout passed: the API
 * says why. Gone from it (404) is the end of its life, whether its
 * timeout passed or someone killed it. A paused one (autoPause at its
 * timeout) has expired too, but is kept as it is: the restore that
 * follows when the preview is shown again reconnects to it (resuming
 * it, dev server and all) rather than starting over; kill() deletes it
 * when nobody will. Not resumed here, as its server would come back
 * without the manager watching it. */
static void
check_gone_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  ForgeE2bSandbox *self = source_object;
  g_autoptr(ForgeE2bSandboxDetail) detail = NULL;
  g_autoptr(GError) error = NULL;
  ForgeSandboxDeath death = FORGE_SANDBOX_DEATH_CRASHED;

  gboolean paused = FALSE;
  gboolean expiry_check = GPOINTER_TO_INT (task_data);

  detail = forge_e2b_api_get_sandbox_sync (self->api, self->id, NULL, &error);
  if (g_error_matches (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NOT_FOUND))
    death = FORGE_SANDBOX_DEATH_EXPIRED;
  else if (detail != NULL && detail->state == FORGE_E2B_SANDBOX_STATE_PAUSED)
    {
      death = FORGE_SANDBOX_DEATH_EXPIRED;
      paused = TRUE;
    }
  else if (expiry_check)
    {
      /* Still running (extended meanwhile by someone), or the API could
       * not say: look again at its new end. */
      if (detail != NULL && detail->end_at != NULL)
        watch_expiry (self, detail->end_at);
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (paused)
    {
      g_mutex_lock (&self->mutex);
      self->paused = self->running;
      g_mutex_unlock (&self->mutex);
    }

  if (mark_dead (self, death))
    {
      g_message ("E2B sandbox %s is gone (%s)", self->id,
                 paused ? "paused at its timeout; it can be resumed"
                 : death == FORGE_SANDBOX_DEATH_EXPIRED ? "expired or killed" : "envd lost");
      /* One that envd lost but the API still lists as running would run
       * until its timeout, unseen. */
      if (detail != NULL && !paused)
        forge_e2b_api_kill_sandbox_sync (self->api, self->id, NULL, NULL);
    }

  g_task_return_boolean (task, TRUE);
}

static void
check_gone_full (ForgeE2bSandbox *self,
                 gboolean         expiry_check)
{
  g_autoptr(GTask) task = NULL;

  if (!is_running (self))
    return;

  task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_source_tag (task, check_gone_full);
  g_task_set_task_data (task, GINT_TO_POINTER (expiry_check), NULL);
  g_task_run_in_thread (task, check_gone_thread);
}

static void
check_gone (ForgeE2bSandbox *self)
{
  check_gone_full (self, FALSE);
}

/* A hidden preview's sandbox is no longer extended, and E2B pauses it
 * at its end without telling anyone: nothing of it is in use then (no
 * stream needs to break, and in E2B they may not). Looking when its
 * time is up is how the handle learns that it expired, so that the
 * manager restores it (resuming it) when the preview is shown again,
 * and not only once a probe of its URL fails. */
#define EXPIRY_MARGIN_MS 1000

static gboolean
expiry_watch_cb (gpointer data)
{
  g_autoptr(ForgeE2bSandbox) self = g_weak_ref_get (data);

  if (self != NULL)
    {
      g_mutex_lock (&self->mutex);
      g_clear_pointer (&self->expiry_watch, g_source_unref);
      g_mutex_unlock (&self->mutex);
      check_gone_full (self, TRUE);
    }

  return G_SOURCE_REMOVE;
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* From any thread: look again once @end_at has passed. */
static void
watch_expiry (ForgeE2bSandbox *self,
              GDateTime       *end_at)
{
  gint64 delay_us = g_date_time_to_unix (end_at) * G_USEC_PER_SEC + g_date_time_get_microsecond (end_at)
                    - g_get_real_time ();
  GSource *source;
  GWeakRef *ref;

  if (!is_running (self))
    return;

  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  source = g_timeout_source_new ((guint) CLAMP (delay_us / 1000, 0, G_MAXINT / 2) + EXPIRY_MARGIN_MS);
  g_source_set_static_name (source, "[forge] e2b sandbox expiry");
  g_source_set_callback (source, expiry_watch_cb, ref, weak_ref_free);

  g_mutex_lock (&self->mutex);
  if (self->expiry_watch != NULL)
    {
      g_source_destroy (self->expiry_watch);
      g_source_unref (self->expiry_watch);
    }
  self->expiry_watch = g_source_ref (source);
  g_mutex_unlock (&self->mutex);

  g_source_attach (source, self->main_context);
  g_source_unref (source);
}

/* An envd error as the seam's: a vanished sandbox is NOT_RUNNING (and
 * dies), the rest keep their words. */
static void
propagate_envd_error (ForgeE2bSandbox  *self,
                      GError          **error,
                      GError           *local_error)
{
  if (g_error_matches (local_error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_GONE))
    {
      check_gone (self);
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_NOT_RUNNING,
                   _("The E2B sandbox has stopped: %s"), local_error->message);
      g_error_free (local_error);
      return;
    }

  g_propagate_error (error, local_error);
}

static gboolean
check_running (ForgeE2bSandbox  *self,
               GError          **error)
{
  if (is_running (self))
    return TRUE;

  g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_NOT_RUNNING,
                       _("The sandbox has stopped: start the preview again."));
  return FALSE;
}

/* }}} */

/* {{{ Commands */

/* `exec ARGV…` for bash -l -c, each word quoted. PATH is set again after
 * the login profile, which replaces the one in the environment. */
static char *
build_command (const char * const *argv,
               const char         *path)
{
  g_autoptr(GString) command = g_string_new ("PATH=");
  g_autofree char *quoted_path = g_shell_quote (path);

  g_string_append (command, quoted_path);
  g_string_append (command, " exec");
  for (guint i = 0; argv[i] != NULL; i++)
    {
      g_autofree char *word = g_shell_quote (argv[i]);

      g_string_append_c (command, ' ');
      g_string_append (command, word);
    }

  return g_string_free (g_steal_pointer (&command), FALSE);
}

/* @env with PATH led by our helpers; *path gets that PATH. */
static char **
build_env (const char * const  *env,
           char               **path)
{
  g_auto(GStrv) copy = g_strdupv ((char **) env);
  const char *given = g_environ_getenv (copy, "PATH");

  *path = g_strconcat (FORGE_E2B_HELPER_DIR ":", given != NULL ? given : DEFAULT_PATH, NULL);
  return g_environ_setenv (g_steal_pointer (&copy), "PATH", *path, TRUE);
}

static gboolean
forge_e2b_sandbox_run_sync (ForgeSandbox          *sandbox,
                            const char * const    *argv,
                            const char * const    *env,
                            const char            *cwd,
                            ForgeSandboxLineFunc   line_func,
                            gpointer               user_data,
                            int                   *exit_status,
                            GCancellable          *cancellable,
                            GError               **error)
{
  ForgeE2bSandbox *self = FORGE_E2B_SANDBOX (sandbox);
  g_autofree char *path = NULL;
  g_auto(GStrv) envs = build_env (env, &path);
  g_autofree char *command = build_command (argv, path);
  g_autoptr(GError) local_error = NULL;
  int code = 0;

  if (!check_running (self, error))
    return FALSE;

  /* No Connect-Timeout-Ms: an install may take long, and cancelling is
   * how it is stopped. */
  if (!forge_e2b_envd_run (self->envd, command, (const char * const *) envs,
                           cwd != NULL ? cwd : FORGE_SANDBOX_REPO_DIR, 0,
                           line_func, user_data, &code, cancellable, &local_error))
    {
      propagate_envd_error (self, error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (exit_status != NULL)
    *exit_status = code;
  return TRUE;
}

/* One background command: shared by the envd stream's callbacks, the
 * kill function and the grace-period thread. */
typedef struct
{
  GMutex                mutex;
  GCond                 cond;
  ForgeE2bSandbox      *sandbox;
  ForgeE2bEnvd         *envd;
  ForgeSandboxProcess  *process;     /* dropped once it exited */
  ForgeSandboxLineFunc  line_func;
  gpointer              user_data;
  GDestroyNotify        destroy;
  guint32               pid;
  int                   exit_code;
  guint                 got_exit : 1;
  guint                 closed : 1;
  guint                 terminating : 1;
} Spawned;

static void
spawned_clear (gpointer data)
{
  Spawned *spawned = data;

  g_clear_object (&spawned->process);
  g_clear_object (&spawned->envd);
  g_clear_object (&spawned->sandbox);
  g_mutex_clear (&spawned->mutex);
  g_cond_clear (&spawned->cond);
}

static Spawned *
spawned_ref (Spawned *spawned)
{
  return g_atomic_rc_box_acquire (spawned);
}

static void
spawned_unref (gpointer spawned)
{
  g_atomic_rc_box_release_full (spawned, spawned_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Spawned, spawned_unref)

/* An exit code as the wait status forge_sandbox_process_exited() takes. */
static int
wait_status_from_exit_code (int code)
{
  if (code > 128 && code < 128 + NSIG)
    return code - 128;
  return (code & 0xff) << 8;
}

static void
spawned_event (const ForgeEnvdEvent *event,
               gpointer              user_data)
{
  Spawned *spawned = user_data;
  g_autoptr(ForgeSandboxProcess) process = NULL;
  int code;

  switch (event->type)
    {
    case FORGE_ENVD_EVENT_STARTED:
      g_mutex_lock (&spawned->mutex);
      spawned->pid = event->pid;
      process = spawned->process != NULL ? g_object_ref (spawned->process) : NULL;
      g_mutex_unlock (&spawned->mutex);
      /* What another handle needs to take it over after a pause. */
      if (process != NULL)
        forge_sandbox_process_set_inner_pid (process, event->pid);
      break;

    case FORGE_ENVD_EVENT_LINE:
      if (spawned->line_func != NULL)
        spawned->line_func (event->stream, event->line, spawned->user_data);
      break;

    case FORGE_ENVD_EVENT_EXITED:
      g_mutex_lock (&spawned->mutex);
      spawned->exit_code = event->exit_code;
      spawned->got_exit = TRUE;
      g_mutex_unlock (&spawned->mutex);
      break;

    case FORGE_ENVD_EVENT_CLOSED:
      /* The stream is the only news of the process: once it ended, the
       * process is over for us. When the sandbox went with it, the
       * sandbox dies too (at once, not at the next heartbeat). */
      if (event->error != NULL)
        {
          g_debug ("The stream of process %u ended: %s", event->pid, event->error->message);
          if (g_error_matches (event->error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_GONE))
            check_gone (spawned->sandbox);
        }

      if (spawned->destroy != NULL)
        spawned->destroy (spawned->user_data);
      spawned->destroy = NULL;

      g_mutex_lock (&spawned->mutex);
      code = spawned->got_exit ? spawned->exit_code
             : event->error == NULL ? event->exit_code : 128 + SIGKILL;
      spawned->closed = TRUE;
      process = g_steal_pointer (&spawned->process);
      g_cond_broadcast (&spawned->cond);
      g_mutex_unlock (&spawned->mutex);

      if (process != NULL)
        forge_sandbox_process_exited (process, wait_status_from_exit_code (code));
      break;

    default:
      break;
    }
}

static gpointer
grace_period_thread (gpointer data)
{
  g_autoptr(Spawned) spawned = data;
  gint64 deadline = g_get_monotonic_time () + GRACE_PERIOD_USEC;
  g_autoptr(GError) error = NULL;
  gboolean closed;
  guint32 pid;

  g_mutex_lock (&spawned->mutex);
  pid = spawned->pid;
  g_mutex_unlock (&spawned->mutex);

  if (!forge_e2b_envd_send_signal (spawned->envd, pid, "SIGNAL_SIGTERM", NULL, &error))
    g_debug ("Could not send SIGTERM to process %u: %s", pid, error->message);
  g_clear_error (&error);

  g_mutex_lock (&spawned->mutex);
  while (!spawned->closed)
    if (!g_cond_wait_until (&spawned->cond, &spawned->mutex, deadline))
      break;
  closed = spawned->closed;
  g_mutex_unlock (&spawned->mutex);

  if (!closed &&
      !forge_e2b_envd_send_signal (spawned->envd, pid, "SIGNAL_SIGKILL", NULL, &error))
    g_debug ("Could not send SIGKILL to process %u: %s", pid, error->message);

  return NULL;
}

/* Never blocks: the signals go from a thread of their own. */
static void
spawned_kill (ForgeSandboxProcess *process,
              gpointer             user_data)
{
  Spawned *spawned = user_data;
  g_autoptr(GError) error = NULL;
  GThread *thread;

  g_mutex_lock (&spawned->mutex);
  if (spawned->closed || spawned->terminating)
    {
      g_mutex_unlock (&spawned->mutex);
      return;
    }
  spawned->terminating = TRUE;
  g_mutex_unlock (&spawned->mutex);

  thread = g_thread_try_new ("forge-e2b-kill", grace_period_thread, spawned_ref (spawned), &error);
  if (thread == NULL)
    {
      g_warning ("Could not stop a process in the E2B sandbox: %s", error->message);
      spawned_unref (spawned);
      return;
    }
  g_thread_unref (thread);
}

/* The state a spawned or attached process shares with its reader
 * thread, and the ForgeSandboxProcess the caller gets. Made before the
 * stream: its events may come from the reader thread before the call
 * that opens it returns. */
static Spawned *
spawned_new (ForgeE2bSandbox       *self,
             ForgeSandboxLineFunc   line_func,
             gpointer               user_data,
             GDestroyNotify         destroy)
{
  Spawned *spawned = g_atomic_rc_box_new0 (Spawned);

  g_mutex_init (&spawned->mutex);
  g_cond_init (&spawned->cond);
  spawned->sandbox = g_object_ref (self);
  spawned->envd = g_object_ref (self->envd);
  spawned->line_func = line_func;
  spawned->user_data = user_data;
  spawned->destroy = destroy;
  spawned->process = forge_sandbox_process_new (self->main_context, spawned_kill,
                                                spawned_ref (spawned), spawned_unref);
  return spawned;
}

/* The stream did not open: no event came, so the caller's data is ours
 * to release. Takes @local_error and @spawned. */
static void
spawned_failed (ForgeE2bSandbox  *self,
                Spawned          *spawned,
                GError           *local_error,
                int               code,
                GError          **error)
{
  if (spawned->destroy != NULL)
    spawned->destroy (spawned->user_data);
  spawned->destroy = NULL;
  g_clear_object (&spawned->process);
  spawned_unref (spawned);
  propagate_envd_error (self, error, local_error);
  if (error != NULL && *error != NULL && (*error)->domain == FORGE_ENVD_ERROR)
    {
      (*error)->domain = FORGE_SANDBOX_ERROR;
      (*error)->code = code;
    }
}

static ForgeSandboxProcess *
forge_e2b_sandbox_spawn (ForgeSandbox          *sandbox,
                         const char * const    *argv,
                         const char * const    *env,
                         const char            *cwd,
                         ForgeSandboxLineFunc   line_func,
                         gpointer               user_data,
                         GDestroyNotify         destroy,
                         GError               **error)
{
  ForgeE2bSandbox *self = FORGE_E2B_SANDBOX (sandbox);
  g_autofree char *path = NULL;
  g_auto(GStrv) envs = build_env (env, &path);
  g_autofree char *command = build_command (argv, path);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ForgeSandboxProcess) process = NULL;
  ForgeEnvdProcess *envd_process;
  Spawned *spawned;

  if (!check_running (self, error))
    {
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }

  spawned = spawned_new (self, line_func, user_data, destroy);
  process = g_object_ref (spawned->process);

  /* Connect-Timeout-Ms 0: any other value kills the server when it
   * elapses. */
  envd_process = forge_e2b_envd_start_process (self->envd, command, (const char * const *) envs,
                                               cwd != NULL ? cwd : FORGE_SANDBOX_REPO_DIR, 0,
                                               spawned_event, spawned_ref (spawned), spawned_unref,
                                               &local_error);
  if (envd_process == NULL)
    {
      spawned_failed (self, spawned, g_steal_pointer (&local_error), FORGE_SANDBOX_ERROR_SPAWN_FAILED, error);
      return NULL;
    }

  /* No set_pid(): that is a host pid, and this one is the sandbox's. */
  forge_envd_process_unref (envd_process);
  spawned_unref (spawned);

  return g_steal_pointer (&process);
}

/* The dev server of a sandbox resumed from a pause runs on, started by
 * the handle that expired: envd's process.Process/Connect follows it
 * again, so that its output, its exit and the sandbox's end reach this
 * handle as a spawned process's do. */
static ForgeSandboxProcess *
forge_e2b_sandbox_attach_process (ForgeSandbox          *sandbox,
                                  guint64                inner_pid,
                                  ForgeSandboxLineFunc   line_func,
                                  gpointer               user_data,
                                  GDestroyNotify         destroy,
                                  GError               **error)
{
  ForgeE2bSandbox *self = FORGE_E2B_SANDBOX (sandbox);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ForgeSandboxProcess) process = NULL;
  ForgeEnvdProcess *envd_process;
  Spawned *spawned;

  if (!check_running (self, error))
    {
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }
  if (inner_pid > G_MAXUINT32)
    {
      if (destroy != NULL)
        destroy (user_data);
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_FAILED,
                   "No process %" G_GUINT64_FORMAT " in an E2B sandbox", inner_pid);
      return NULL;
    }

  spawned = spawned_new (self, line_func, user_data, destroy);
  spawned->pid = (guint32) inner_pid;
  process = g_object_ref (spawned->process);
  forge_sandbox_process_set_inner_pid (process, inner_pid);

  envd_process = forge_e2b_envd_connect_process (self->envd, (guint32) inner_pid,
                                                 spawned_event, spawned_ref (spawned), spawned_unref,
                                                 &local_error);
  if (envd_process == NULL)
    {
      spawned_failed (self, spawned, g_steal_pointer (&local_error), FORGE_SANDBOX_ERROR_FAILED, error);
      return NULL;
    }

  forge_envd_process_unref (envd_process);
  spawned_unref (spawned);

  return g_steal_pointer (&process);
}

/* }}} */

/* {{{ Ports */

static gboolean
forge_e2b_sandbox_get_listen_address (ForgeSandbox  *sandbox,
                                      guint          attempt,
                                      char         **address,
                                      guint         *port,
                                      GError       **error)
{
  ForgeE2bSandbox *self = FORGE_E2B_SANDBOX (sandbox);
  ForgeE2bConfig *config = forge_e2b_api_get_config (self->api);

  /* In debug mode every sandbox's port N is localhost:N on this
   * computer (the stand-in listens there): one that is free here. */
  if (forge_e2b_config_is_debug (config))
    {
      *port = forge_pick_free_port (error);
      if (*port == 0)
        return FALSE;
    }
  else
    *port = FIRST_PORT + attempt - 1;

  /* E2B's proxy reaches the sandbox's own interface, not its loopback. */
  *address = g_strdup ("0.0.0.0");
  return TRUE;
}

static char *
forge_e2b_sandbox_expose_port (ForgeSandbox         *sandbox,
                               ForgeSandboxProcess  *process,
                               guint                 port,
                               GError              **error)
{
  ForgeE2bSandbox *self = FORGE_E2B_SANDBOX (sandbox);
  ForgeE2bConfig *config = forge_e2b_api_get_config (self->api);
  g_autofree char *url = forge_e2b_config_dup_port_url (config, port, self->id, self->domain);
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *host;
  int uri_port;
  char *authority;

  if (uri == NULL || (host = g_uri_get_host (uri)) == NULL || *host == '\0')
    {
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_FAILED,
                   _("E2B gave no usable address for port %u"), port);
      return NULL;
    }

  uri_port = g_uri_get_port (uri);
  if (uri_port <= 0)
    uri_port = g_str_equal (g_uri_get_scheme (uri), "https") ? 443 : 80;
  authority = strchr (host, ':') != NULL ? g_strdup_printf ("[%s]:%d", host, uri_port)
                                          : g_strdup_printf ("%s:%d", host, uri_port);

  g_mutex_lock (&self->mutex);
  g_hash_table_replace (self->port_urls, g_strdup (authority), g_steal_pointer (&url));
  g_mutex_unlock (&self->mutex);

  return authority;
}

/* E2B serves a port at its own URL (https, no port of its own): the
 * server's path and query on it. */
static char **
forge_e2b_sandbox_dup_preview_urls (ForgeSandbox *sandbox,
                                    const char   *authority,
                                    const char   *url)
{
  ForgeE2bSandbox *self = FORGE_E2B_SANDBOX (sandbox);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *base = NULL;
  g_autoptr(GUri) printed = NULL;
  g_autoptr(GUri) base_uri = NULL;

  g_mutex_lock (&self->mutex);
  base = g_strdup (g_hash_table_lookup (self->port_urls, authority));
  g_mutex_unlock (&self->mutex);

  if (base == NULL)
    {
      g_autofree char *moved = forge_sandbox_url_with_authority (url, authority);

      if (moved != NULL)
        g_strv_builder_add (builder, moved);
      return g_strv_builder_end (builder);
    }

  base_uri = g_uri_parse (base, G_URI_FLAGS_NONE, NULL);
  if (url != NULL)
    printed = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (base_uri != NULL && (url == NULL || printed != NULL))
    {
      const char *path = printed != NULL && *g_uri_get_path (printed) != '\0' ? g_uri_get_path (printed) : "/";
      g_autofree char *joined = g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (base_uri), NULL,
                                            g_uri_get_host (base_uri), g_uri_get_port (base_uri),
                                            path, printed != NULL ? g_uri_get_query (printed) : NULL,
                                            NULL);

      g_strv_builder_add (builder, joined);
    }

  return g_strv_builder_end (builder);
}

/* }}} */

/* {{{ Life */

static void
extend_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ForgeE2bSandbox *self = source_object;
  g_autoptr(ForgeE2bSandboxDetail) detail = NULL;
  g_autoptr(GError) error = NULL;
  gboolean extended = FALSE;

  detail = forge_e2b_api_extend_timeout_sync (self->api, self->id, GPOINTER_TO_UINT (task_data),
                                              &extended, NULL, &error);
  if (g_error_matches (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NOT_FOUND))
    mark_dead (self, FORGE_SANDBOX_DEATH_EXPIRED);
  else if (error != NULL)
    g_debug ("Could not extend E2B sandbox %s: %s", self->id, error->message);
  else
    g_debug ("E2B sandbox %s: %s", self->id, extended ? "extended" : "already lives long enough");

  if (detail != NULL && detail->state == FORGE_E2B_SANDBOX_STATE_PAUSED)
    check_gone (self);
  else if (detail != NULL && detail->end_at != NULL)
    watch_expiry (self, detail->end_at);

  g_task_return_boolean (task, TRUE);
}

/* Asynchronous, so that a heartbeat on the main thread never waits for
 * the network; the API never shortens the sandbox's life. */
static gboolean
forge_e2b_sandbox_set_timeout (ForgeSandbox  *sandbox,
                               guint          seconds,
                               GError       **error)
{
  ForgeE2bSandbox *self = FORGE_E2B_SANDBOX (sandbox);
  g_autoptr(GTask) task = NULL;

  if (!check_running (self, error))
    return FALSE;

  /* 0 is "no limit" to the seam; E2B has no such thing. */
  if (seconds == 0)
    seconds = 3600;

  task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_source_tag (task, forge_e2b_sandbox_set_timeout);
  g_task_set_task_data (task, GUINT_TO_POINTER (seconds), NULL);
  g_task_run_in_thread (task, extend_thread);

  return TRUE;
}

static gboolean
forge_e2b_sandbox_is_running (ForgeSandbox *sandbox)
{
  return is_running (FORGE_E2B_SANDBOX (sandbox));
}

static void
kill_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ForgeE2bSandbox *self = source_object;
  g_autoptr(GError) error = NULL;

  if (!forge_e2b_api_kill_sandbox_sync (self->api, self->id, NULL, &error) &&
      !g_error_matches (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NOT_FOUND))
    g_message ("Could not delete E2B sandbox %s (it ends at its timeout): %s",
               self->id, error->message);

  g_task_return_boolean (task, TRUE);
}

static void
forge_e2b_sandbox_kill (ForgeSandbox *sandbox)
{
  ForgeE2bSandbox *self = FORGE_E2B_SANDBOX (sandbox);
  g_autoptr(GTask) task = NULL;
  gboolean paused;

  g_mutex_lock (&self->mutex);
  paused = self->paused;
  self->paused = FALSE;
  g_mutex_unlock (&self->mutex);

  /* A paused one is dead to this handle already, but still costs
   * storage at E2B until it is deleted. */
  if (!mark_dead (self, FORGE_SANDBOX_DEATH_KILLED) && !paused)
    return;

  task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_source_tag (task, forge_e2b_sandbox_kill);
  g_task_run_in_thread (task, kill_thread);
}

static const char *
forge_e2b_sandbox_get_id (ForgeSandbox *sandbox)
{
  return FORGE_E2B_SANDBOX (sandbox)->id;
}

static gboolean
forge_e2b_sandbox_shares_host_network (ForgeSandbox *sandbox)
{
  return FALSE;
}

/* }}} */

/* {{{ The work tree */

const char *
forge_e2b_sandbox_get_static_server_script (void)
{
  static GBytes *script;
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      script = g_resource_lookup_data (forge_e2b_get_resource (), STATIC_SERVER_RESOURCE,
                                       G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_once_init_leave (&initialized, 1);
    }

  g_assert (script != NULL);
  return g_bytes_get_data (script, NULL);
}

typedef struct
{
  ForgeSandboxProgressFunc progress;
  gpointer                 user_data;
  guint64                  total;
} UploadProgress;

static void
upload_progress_cb (guint64  done,
                    gint64   total,
                    gpointer user_data)
{
  UploadProgress *upload = user_data;

  if (upload->progress != NULL)
    upload->progress (done, total > 0 ? (guint64) total : upload->total, upload->user_data);
}

/* What the desktop's helper dir gives local sandboxes, uploaded once. */
static gboolean
upload_helpers (ForgeE2bSandbox  *self,
                GCancellable     *cancellable,
                GError          **error)
{
  const char *script = forge_e2b_sandbox_get_static_server_script ();
  g_autoptr(GBytes) bytes = g_bytes_new_static (script, strlen (script));

  return forge_e2b_envd_upload_bytes (self->envd, FORGE_E2B_HELPER_DIR "/forge-static-server",
                                      bytes, NULL, NULL, cancellable, error);
}

static gboolean
run_checked (ForgeE2bSandbox  *self,
             const char       *command,
             GCancellable     *cancellable,
             GError          **error)
{
  int code = 0;

  if (!forge_e2b_envd_run (self->envd, command, NULL, FORGE_SANDBOX_HOME_DIR, 0,
                           NULL, NULL, &code, cancellable, error))
    return FALSE;

  if (code != 0)
    {
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_FAILED,
                   _("Could not unpack the project in the E2B sandbox (exit status %d)"), code);
      return FALSE;
    }

  return TRUE;
}

static gboolean
forge_e2b_sandbox_sync_workspace (ForgeSandbox              *sandbox,
                                  const char                *repo_dir,
                                  ForgeSandboxProgressFunc   progress,
                                  gpointer                   user_data,
                                  GCancellable              *cancellable,
                                  GError                   **error)
{
  ForgeE2bSandbox *self = FORGE_E2B_SANDBOX (sandbox);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GFileIOStream) tmp_stream = NULL;
  g_autoptr(GFile) tmp_file = NULL;
  g_autoptr(GOutputStream) output = NULL;
  g_autoptr(GFileInputStream) input = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *current = NULL;
  g_autoptr(GMutexLocker) locker = NULL;
  UploadProgress upload = { progress, user_data, 0 };
  gboolean helpers;
  gboolean ok = FALSE;

  if (!check_running (self, error))
    return FALSE;

  locker = g_mutex_locker_new (&self->sync_mutex);
  helpers = !self->helpers_uploaded;

  /* A temporary file rather than memory: a work tree may be hundreds of
   * MiB, and its size must be known for the upload's progress. */
  tmp_file = g_file_new_tmp ("forge-e2b-XXXXXX.tar.gz", &tmp_stream, error);
  if (tmp_file == NULL)
    return FALSE;
  output = g_object_ref (g_io_stream_get_output_stream (G_IO_STREAM (tmp_stream)));

  if (!forge_workspace_archive_write (repo_dir, output, FORGE_WORKSPACE_ARCHIVE_GZIP,
                                      FORGE_WORKSPACE_ARCHIVE_MAX_SIZE, NULL, NULL,
                                      &hash, NULL, cancellable, error) ||
      !g_output_stream_close (output, cancellable, error))
    goto out;

  g_mutex_lock (&self->mutex);
  current = g_strdup (self->synced_hash);
  g_mutex_unlock (&self->mutex);

  if (g_strcmp0 (current, hash) == 0 && !helpers)
    {
      g_debug ("E2B sandbox %s has this work tree already", self->id);
      ok = TRUE;
      goto out;
    }

  if (helpers && !upload_helpers (self, cancellable, &local_error))
    goto envd_failed;

  if (g_strcmp0 (current, hash) != 0)
    {
      info = g_file_query_info (tmp_file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                                cancellable, error);
      input = info != NULL ? g_file_read (tmp_file, cancellable, error) : NULL;
      if (input == NULL)
        goto out;
      upload.total = g_file_info_get_size (info);
      if (progress != NULL)
        progress (0, upload.total, user_data);

      if (!forge_e2b_envd_upload_stream (self->envd, FORGE_E2B_ARCHIVE_PATH, G_INPUT_STREAM (input),
                                         upload.total, upload_progress_cb, &upload,
                                         cancellable, &local_error) ||
          !run_checked (self,
                        "mkdir -p " FORGE_SANDBOX_REPO_DIR
                        " && tar -xzf " FORGE_E2B_ARCHIVE_PATH " -C " FORGE_SANDBOX_REPO_DIR
                        " && rm -f " FORGE_E2B_ARCHIVE_PATH,
                        cancellable, &local_error))
        goto envd_failed;
    }

  if (helpers && !run_checked (self, "chmod 755 " FORGE_E2B_HELPER_DIR "/forge-static-server",
                               cancellable, &local_error))
    goto envd_failed;

  self->helpers_uploaded = TRUE;
  g_mutex_lock (&self->mutex);
  g_free (self->synced_hash);
  self->synced_hash = g_strdup (hash);
  g_mutex_unlock (&self->mutex);
  ok = TRUE;
  goto out;

envd_failed:
  propagate_envd_error (self, error, g_steal_pointer (&local_error));

out:
  g_file_delete (tmp_file, NULL, NULL);
  return ok;
}

char *
forge_e2b_sandbox_dup_synced_hash (ForgeE2bSandbox *self)
{
  char *hash;

  g_return_val_if_fail (FORGE_IS_E2B_SANDBOX (self), NULL);

  g_mutex_lock (&self->mutex);
  hash = g_strdup (self->synced_hash);
  g_mutex_unlock (&self->mutex);

  return hash;
}

/* }}} */

static void
forge_e2b_sandbox_iface_init (ForgeSandboxInterface *iface)
{
  iface->get_id = forge_e2b_sandbox_get_id;
  iface->run_sync = forge_e2b_sandbox_run_sync;
  iface->spawn = forge_e2b_sandbox_spawn;
  iface->get_listen_address = forge_e2b_sandbox_get_listen_address;
  iface->expose_port = forge_e2b_sandbox_expose_port;
  iface->set_timeout = forge_e2b_sandbox_set_timeout;
  iface->is_running = forge_e2b_sandbox_is_running;
  iface->kill = forge_e2b_sandbox_kill;
  iface->shares_host_network = forge_e2b_sandbox_shares_host_network;
  iface->dup_preview_urls = forge_e2b_sandbox_dup_preview_urls;
  iface->sync_workspace = forge_e2b_sandbox_sync_workspace;
  iface->attach_process = forge_e2b_sandbox_attach_process;
}

static void
forge_e2b_sandbox_finalize (GObject *object)
{
  ForgeE2bSandbox *self = FORGE_E2B_SANDBOX (object);

  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_object (&self->api);
  g_clear_object (&self->envd);
  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->domain, g_free);
  g_clear_pointer (&self->port_urls, g_hash_table_unref);
  g_clear_pointer (&self->synced_hash, g_free);
  if (self->expiry_watch != NULL)
    {
      g_source_destroy (self->expiry_watch);
      g_clear_pointer (&self->expiry_watch, g_source_unref);
    }
  g_mutex_clear (&self->mutex);
  g_mutex_clear (&self->sync_mutex);

  G_OBJECT_CLASS (forge_e2b_sandbox_parent_class)->finalize (object);
}

static void
forge_e2b_sandbox_class_init (ForgeE2bSandboxClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = forge_e2b_sandbox_finalize;
}

static void
forge_e2b_sandbox_init (ForgeE2bSandbox *self)
{
  g_mutex_init (&self->mutex);
  g_mutex_init (&self->sync_mutex);
  self->main_context = g_main_context_ref_thread_default ();
  self->port_urls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->running = TRUE;
}

/* A sandbox dropped without kill() lives on until its timeout: the
 * manager kills the ones it let go of, and the start-up sweep the ones
 * a crash left. */
ForgeE2bSandbox *
forge_e2b_sandbox_new (ForgeE2bApi               *api,
                       const ForgeE2bSandboxInfo *info)
{
  ForgeE2bSandbox *self;
  g_autofree char *envd_url = NULL;

  g_return_val_if_fail (FORGE_IS_E2B_API (api), NULL);
  g_return_val_if_fail (info != NULL && info->sandbox_id != NULL, NULL);

  self = g_object_new (FORGE_TYPE_E2B_SANDBOX, NULL);
  self->api = g_object_ref (api);
  self->id = g_strdup (info->sandbox_id);
  self->domain = g_strdup (info->domain);
  envd_url = forge_e2b_config_dup_envd_url (forge_e2b_api_get_config (api), info->sandbox_id, info->domain);
  self->envd = forge_e2b_envd_new (envd_url, info->envd_access_token);

  return self;
}
