/* forge-sandbox-process.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-sandbox"

#include "config.h"

#include "forge-sandbox-process-private.h"
#include "forge-util.h"

struct _ForgeSandboxProcess
{
  GObject                      parent_instance;

  GMutex                       mutex;
  GCond                        cond;

  GMainContext                *main_context;
  ForgeSandboxProcessKillFunc  kill_func;
  gpointer                     kill_data;
  GDestroyNotify               kill_data_destroy;

  GPid                         pid;
  guint64                      inner_pid;   /* the sandbox's own, 0 when unknown */
  int                          exit_code;   /* 128+N for signal N */
  guint                        exited : 1;
};

G_DEFINE_FINAL_TYPE (ForgeSandboxProcess, forge_sandbox_process, G_TYPE_OBJECT)

enum {
  EXITED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
forge_sandbox_process_finalize (GObject *object)
{
  ForgeSandboxProcess *self = (ForgeSandboxProcess *)object;

  if (self->kill_data_destroy != NULL)
    g_clear_pointer (&self->kill_data, self->kill_data_destroy);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (forge_sandbox_process_parent_class)->finalize (object);
}

static void
forge_sandbox_process_class_init (ForgeSandboxProcessClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = forge_sandbox_process_finalize;

  /**
   * ForgeSandboxProcess::exited:
   * @exit_code: its exit code, 128+N when signal N ended it (as a shell
   *   says it)
   *
   * Emitted once, on the sandbox's main context.
   */
  signals[EXITED] =
    g_signal_new ("exited",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  g_cclosure_marshal_VOID__INT,
                  G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
forge_sandbox_process_init (ForgeSandboxProcess *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
}

ForgeSandboxProcess *
forge_sandbox_process_new (GMainContext                *main_context,
                           ForgeSandboxProcessKillFunc  kill_func,
                           gpointer                     kill_data,
                           GDestroyNotify               kill_data_destroy)
{
  ForgeSandboxProcess *self;

  self = g_object_new (FORGE_TYPE_SANDBOX_PROCESS, NULL);
  self->main_context = main_context ? g_main_context_ref (main_context)
                                    : g_main_context_ref (g_main_context_default ());
  self->kill_func = kill_func;
  self->kill_data = kill_data;
  self->kill_data_destroy = kill_data_destroy;

  return self;
}

void
forge_sandbox_process_set_pid (ForgeSandboxProcess *self,
                               GPid                 pid)
{
  g_return_if_fail (FORGE_IS_SANDBOX_PROCESS (self));

  g_mutex_lock (&self->mutex);
  self->pid = pid;
  g_mutex_unlock (&self->mutex);
}

GPid
forge_sandbox_process_get_pid (ForgeSandboxProcess *self)
{
  GPid pid;

  g_return_val_if_fail (FORGE_IS_SANDBOX_PROCESS (self), 0);

  g_mutex_lock (&self->mutex);
  pid = self->pid;
  g_mutex_unlock (&self->mutex);

  return pid;
}

void
forge_sandbox_process_set_inner_pid (ForgeSandboxProcess *self,
                                     guint64              inner_pid)
{
  g_return_if_fail (FORGE_IS_SANDBOX_PROCESS (self));

  g_mutex_lock (&self->mutex);
  self->inner_pid = inner_pid;
  g_mutex_unlock (&self->mutex);
}

guint64
forge_sandbox_process_get_inner_pid (ForgeSandboxProcess *self)
{
  guint64 inner_pid;

  g_return_val_if_fail (FORGE_IS_SANDBOX_PROCESS (self), 0);

  g_mutex_lock (&self->mutex);
  inner_pid = self->inner_pid;
  g_mutex_unlock (&self->mutex);

  return inner_pid;
}

static gboolean
emit_exited_cb (gpointer data)
{
  ForgeSandboxProcess *self = data;
  int exit_code;

  g_mutex_lock (&self->mutex);
  exit_code = self->exit_code;
  g_mutex_unlock (&self->mutex);

  g_signal_emit (self, signals[EXITED], 0, exit_code);

  return G_SOURCE_REMOVE;
}

void
forge_sandbox_process_exited (ForgeSandboxProcess *self,
                              int                  wait_status)
{
  g_autoptr(GSource) source = NULL;

  g_return_if_fail (FORGE_IS_SANDBOX_PROCESS (self));

  g_mutex_lock (&self->mutex);
  if (self->exited)
    {
      g_mutex_unlock (&self->mutex);
      g_critical ("Sandbox process reported its exit twice");
      return;
    }
  self->exited = TRUE;
  self->exit_code = forge_exit_code_from_wait_status (wait_status);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  /* Always through a source, never g_main_context_invoke(): that would run
   * the handlers right here when nobody owns the context, i.e. on the
   * backend's reader thread. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_name (source, "[forge] sandbox process exited");
  g_source_set_callback (source, emit_exited_cb, g_object_ref (self), g_object_unref);
  g_source_attach (source, self->main_context);
}

gboolean
forge_sandbox_process_is_running (ForgeSandboxProcess *self)
{
  gboolean running;

  g_return_val_if_fail (FORGE_IS_SANDBOX_PROCESS (self), FALSE);

  g_mutex_lock (&self->mutex);
  running = !self->exited;
  g_mutex_unlock (&self->mutex);

  return running;
}

int
forge_sandbox_process_get_exit_code (ForgeSandboxProcess *self)
{
  int exit_code;

  g_return_val_if_fail (FORGE_IS_SANDBOX_PROCESS (self), 0);

  g_mutex_lock (&self->mutex);
  exit_code = self->exit_code;
  g_mutex_unlock (&self->mutex);

  return exit_code;
}

static void
wake_waiters_cb (GCancellable        *cancellable,
                 ForgeSandboxProcess *self)
{
  g_mutex_lock (&self->mutex);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

gboolean
forge_sandbox_process_wait (ForgeSandboxProcess *self,
                            int                  timeout_ms,
                            GCancellable        *cancellable)
{
  gint64 deadline = 0;
  gulong handler_id = 0;
  gboolean exited;

  g_return_val_if_fail (FORGE_IS_SANDBOX_PROCESS (self), FALSE);
  g_return_val_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable), FALSE);

  if (timeout_ms >= 0)
    deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;

  /* Connected outside the lock: g_cancellable_connect() runs the callback
   * right away when it is already cancelled. */
  if (cancellable != NULL)
    handler_id = g_cancellable_connect (cancellable,
                                        G_CALLBACK (wake_waiters_cb),
                                        self, NULL);

  g_mutex_lock (&self->mutex);
  while (!self->exited &&
         !g_cancellable_is_cancelled (cancellable))
    {
      if (timeout_ms < 0)
        g_cond_wait (&self->cond, &self->mutex);
      else if (!g_cond_wait_until (&self->cond, &self->mutex, deadline))
        break;
    }
  exited = self->exited;
  g_mutex_unlock (&self->mutex);

  /* Must not hold the lock: it waits for a callback running elsewhere. */
  g_cancellable_disconnect (cancellable, handler_id);

  return exited;
}

void
forge_sandbox_process_kill (ForgeSandboxProcess *self)
{
  gboolean exited;

  g_return_if_fail (FORGE_IS_SANDBOX_PROCESS (self));

  g_mutex_lock (&self->mutex);
  exited = self->exited;
  g_mutex_unlock (&self->mutex);

  if (!exited && self->kill_func != NULL)
    self->kill_func (self, self->kill_data);
}
