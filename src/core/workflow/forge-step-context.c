/* forge-step-context.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-workflow"

#include "config.h"

#include "forge-step-context-private.h"
#include "forge-workflow-engine.h"

struct _ForgeStepContext
{
  GObject              parent_instance;

  ForgeWorkflowEngine *engine;   /* owns the runs, outlives them */
  /* Something a step started (a command's reader thread) can keep this
   * object longer than the invocation and the engine: once the engine
   * closed it, log lines and progress go nowhere. */
  GMutex               emit_mutex;
  gboolean             closed;
  GMainContext        *main_context; /* the engine's: events arrive there */
  char                *run_id;
  char                *function_id;
  JsonNode            *event_data;
  GCancellable        *cancellable;

  ForgeRunJournal     *journal;
  guint                max_attempts;

  GMutex               mutex;
  char                *current_step;
  GHashTable          *step_counts;  /* step id → times used in this run */
  char                *pending_log_tail; /* from fail_with_log(), for the running step */

  /* forge_step_context_progress_latest(): the latest report not yet
   * emitted and the timer that emits it. Taken before emit_mutex and
   * mutex. */
  GMutex               progress_mutex;
  gint64               progress_last;     /* monotonic µs of the last one emitted */
  gboolean             progress_pending;
  char                *pending_step;
  double               pending_fraction;
  char                *pending_text;
  GSource             *progress_source;

  /* Set when a step ends the invocation: either it will be retried or it
   * failed for good. Later steps of the invocation then do not run. */
  GError              *stop_error;
  char                *stop_log_tail;
  guint                retry_failures;
  gboolean             will_retry;
  gboolean             step_failed;
};

G_DEFINE_FINAL_TYPE (ForgeStepContext, forge_step_context, G_TYPE_OBJECT)

static void finish_step_progress (ForgeStepContext *ctx);

static void
forge_step_context_finalize (GObject *object)
{
  ForgeStepContext *self = FORGE_STEP_CONTEXT (object);

  g_clear_pointer (&self->run_id, g_free);
  g_clear_pointer (&self->function_id, g_free);
  g_clear_pointer (&self->event_data, json_node_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->journal);
  g_clear_error (&self->stop_error);
  g_clear_pointer (&self->stop_log_tail, g_free);
  g_clear_pointer (&self->pending_log_tail, g_free);
  g_clear_pointer (&self->current_step, g_free);
  g_clear_pointer (&self->step_counts, g_hash_table_unref);
  g_clear_pointer (&self->pending_step, g_free);
  g_clear_pointer (&self->pending_text, g_free);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_mutex_clear (&self->mutex);
  g_mutex_clear (&self->emit_mutex);
  g_mutex_clear (&self->progress_mutex);

  G_OBJECT_CLASS (forge_step_context_parent_class)->finalize (object);
}

static void
forge_step_context_class_init (ForgeStepContextClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = forge_step_context_finalize;
}

static void
forge_step_context_init (ForgeStepContext *self)
{
  g_mutex_init (&self->mutex);
  g_mutex_init (&self->emit_mutex);
  g_mutex_init (&self->progress_mutex);
  self->step_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

ForgeStepContext *
_forge_step_context_new (ForgeWorkflowEngine *engine,
                         const char          *run_id,
                         const char          *function_id,
                         JsonNode            *event_data,
                         GCancellable        *cancellable,
                         ForgeRunJournal     *journal,
                         guint                max_attempts)
{
  ForgeStepContext *self = g_object_new (FORGE_TYPE_STEP_CONTEXT, NULL);

  self->engine = engine;
  self->main_context = g_main_context_ref (_forge_workflow_engine_get_context (engine));
  self->run_id = g_strdup (run_id);
  self->function_id = g_strdup (function_id);
  self->event_data = event_data ? json_node_ref (event_data) : json_node_new (JSON_NODE_NULL);
  self->cancellable = cancellable ? g_object_ref (cancellable) : g_cancellable_new ();
  self->journal = journal ? g_object_ref (journal) : NULL;
  self->max_attempts = MAX (max_attempts, 1);

  return self;
}

void
_forge_step_context_close (ForgeStepContext *ctx)
{
  g_return_if_fail (FORGE_IS_STEP_CONTEXT (ctx));

  g_mutex_lock (&ctx->emit_mutex);
  ctx->closed = TRUE;
  g_mutex_unlock (&ctx->emit_mutex);

  /* Its timer holds it: the pending report goes nowhere now. */
  g_mutex_lock (&ctx->progress_mutex);
  if (ctx->progress_source != NULL)
    {
      g_source_destroy (ctx->progress_source);
      g_clear_pointer (&ctx->progress_source, g_source_unref);
    }
  ctx->progress_pending = FALSE;
  g_mutex_unlock (&ctx->progress_mutex);
}

gboolean
_forge_step_context_get_retry (ForgeStepContext *ctx,
                               guint            *failures)
{
  g_return_val_if_fail (FORGE_IS_STEP_CONTEXT (ctx), FALSE);

  if (failures != NULL)
    *failures = ctx->retry_failures;
  return ctx->will_retry;
}

gboolean
_forge_step_context_step_failed (ForgeStepContext *ctx)
{
  g_return_val_if_fail (FORGE_IS_STEP_CONTEXT (ctx), FALSE);
  return ctx->step_failed;
}

char *
_forge_step_context_dup_error_log_tail (ForgeStepContext *ctx)
{
  g_return_val_if_fail (FORGE_IS_STEP_CONTEXT (ctx), NULL);
  return ctx->step_failed ? g_strdup (ctx->stop_log_tail) : NULL;
}

gboolean
forge_step_context_will_retry (ForgeStepContext *ctx)
{
  g_return_val_if_fail (FORGE_IS_STEP_CONTEXT (ctx), FALSE);
  return ctx->will_retry;
}

static gboolean
is_cancellation (ForgeStepContext *ctx,
                 const GError     *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
         g_error_matches (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_CANCELLED) ||
         g_cancellable_is_cancelled (ctx->cancellable);
}

static void
save_journal (ForgeStepContext *ctx)
{
  g_autoptr(GError) error = NULL;

  /* Not fatal for the run: it loses durability, not correctness. */
  if (!forge_run_journal_save (ctx->journal, &error))
    g_message ("Could not write the journal of run %s: %s", ctx->run_id, error->message);
}

/* Inngest's rule: a step id used again in the same run gets ":1", ":2"… */
static char *
unique_step_id (ForgeStepContext *self,
                const char       *step_id)
{
  guint count;

  g_mutex_lock (&self->mutex);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->step_counts, step_id));
  g_hash_table_replace (self->step_counts, g_strdup (step_id), GUINT_TO_POINTER (count + 1));
  g_mutex_unlock (&self->mutex);

  if (count == 0)
    return g_strdup (step_id);

  return g_strdup_printf ("%s:%u", step_id, count);
}

static void
set_current_step (ForgeStepContext *self,
                  const char       *step_id)
{
  g_mutex_lock (&self->mutex);
  g_free (self->current_step);
  self->current_step = g_strdup (step_id);
  g_mutex_unlock (&self->mutex);
}

static char *
steal_pending_log_tail (ForgeStepContext *self)
{
  char *log_tail;

  g_mutex_lock (&self->mutex);
  log_tail = g_steal_pointer (&self->pending_log_tail);
  g_mutex_unlock (&self->mutex);

  return log_tail;
}

/* Whatever the step put in its message, the message stays one line: the
 * rest joins the log tail. */
static char *
split_error (GError     *error,
             const char *log_tail)
{
  g_autofree char *summary = NULL;
  char *tail = NULL;

  forge_workflow_split_message (error->message, log_tail, &summary, &tail);
  g_free (error->message);
  error->message = g_steal_pointer (&summary);

  return tail;
}

JsonNode *
forge_step_run (ForgeStepContext  *ctx,
                const char        *step_id,
                ForgeStepFunc      func,
                gpointer           user_data,
                GError           **error)
{
  g_autofree char *id = NULL;
  g_autofree char *log_tail = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *output = NULL;
  gint64 started;
  gint64 started_real;
  gint64 duration_ms;
  guint attempt;

  g_return_val_if_fail (FORGE_IS_STEP_CONTEXT (ctx), NULL);
  g_return_val_if_fail (step_id != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  if (ctx->stop_error != NULL)
    {
      g_propagate_error (error, g_error_copy (ctx->stop_error));
      return NULL;
    }

  id = unique_step_id (ctx, step_id);

  if (ctx->journal != NULL)
    {
      guint stored_attempt = 1;
      gint64 stored_duration = 0;
      g_autofree char *stored_log_tail = NULL;

      if (forge_run_journal_lookup_step (ctx->journal, id, &output, &local_error, &stored_log_tail, &stored_attempt, &stored_duration))
        {
          _forge_workflow_engine_emit_step (ctx->engine, ctx->run_id, id, FORGE_STEP_STATE_MEMOIZED, stored_attempt, stored_duration,
                                            local_error ? local_error->message : NULL);
          if (local_error != NULL)
            {
              ctx->step_failed = TRUE;
              ctx->stop_error = g_error_copy (local_error);
              ctx->stop_log_tail = g_steal_pointer (&stored_log_tail);
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          return output;
        }
    }

  /* Memoized steps return even after cancellation (they cost nothing);
   * new work does not start. */
  if (g_cancellable_set_error_if_cancelled (ctx->cancellable, error))
    return NULL;

  attempt = (ctx->journal ? forge_run_journal_get_step_failures (ctx->journal, id) : 0) + 1;
  set_current_step (ctx, id);
  g_free (steal_pending_log_tail (ctx));

  _forge_workflow_engine_emit_step (ctx->engine, ctx->run_id, id, FORGE_STEP_STATE_START, attempt, 0, NULL);
  started = g_get_monotonic_time ();
  started_real = g_get_real_time () / 1000;

  output = func (ctx, user_data, &local_error);

  duration_ms = (g_get_monotonic_time () - started) / 1000;
  finish_step_progress (ctx);
  set_current_step (ctx, NULL);
  log_tail = steal_pending_log_tail (ctx);

  if (output == NULL && local_error == NULL)
    output = json_node_new (JSON_NODE_NULL);

  if (local_error != NULL)
    {
      g_autofree char *error_log_tail = split_error (local_error, log_tail);

      g_clear_pointer (&output, json_node_unref);

      if (!is_cancellation (ctx, local_error))
        {
          gboolean final = attempt >= ctx->max_attempts ||
                           g_error_matches (local_error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE);

          if (ctx->journal != NULL)
            {
              forge_run_journal_fail_step (ctx->journal, id, attempt, started_real, duration_ms, local_error, error_log_tail, final);
              save_journal (ctx);
            }

          if (final)
            {
              ctx->step_failed = TRUE;
              ctx->stop_log_tail = g_steal_pointer (&error_log_tail);
            }
          else
            {
              ctx->will_retry = TRUE;
              ctx->retry_failures = attempt;
            }
          ctx->stop_error = g_error_copy (local_error);
        }

      _forge_workflow_engine_emit_step (ctx->engine, ctx->run_id, id, FORGE_STEP_STATE_ERROR, attempt, duration_ms, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  /* On disk before the next step can start. */
  if (ctx->journal != NULL)
    {
      forge_run_journal_complete_step (ctx->journal, id, attempt, started_real, duration_ms, output);
      save_journal (ctx);
    }

  _forge_workflow_engine_emit_step (ctx->engine, ctx->run_id, id, FORGE_STEP_STATE_COMPLETE, attempt, duration_ms, NULL);
  return output;
}

const char *
forge_step_context_get_run_id (ForgeStepContext *ctx)
{
  g_return_val_if_fail (FORGE_IS_STEP_CONTEXT (ctx), NULL);
  return ctx->run_id;
}

const char *
forge_step_context_get_function_id (ForgeStepContext *ctx)
{
  g_return_val_if_fail (FORGE_IS_STEP_CONTEXT (ctx), NULL);
  return ctx->function_id;
}

JsonNode *
forge_step_context_get_event_data (ForgeStepContext *ctx)
{
  g_return_val_if_fail (FORGE_IS_STEP_CONTEXT (ctx), NULL);
  return ctx->event_data;
}

GCancellable *
forge_step_context_get_cancellable (ForgeStepContext *ctx)
{
  g_return_val_if_fail (FORGE_IS_STEP_CONTEXT (ctx), NULL);
  return ctx->cancellable;
}


void
forge_step_context_log (ForgeStepContext *ctx,
                        const char       *stream,
                        const char       *line)
{
  g_return_if_fail (FORGE_IS_STEP_CONTEXT (ctx));

  g_mutex_lock (&ctx->emit_mutex);
  if (!ctx->closed)
    _forge_workflow_engine_emit_log (ctx->engine, ctx->run_id, stream, line);
  g_mutex_unlock (&ctx->emit_mutex);
}

void
forge_step_context_fail_with_log (ForgeStepContext  *ctx,
                                  GError           **error,
                                  const char        *log_tail,
                                  GQuark             domain,
                                  int                code,
                                  const char        *format,
                                  ...)
{
  g_autofree char *message = NULL;
  va_list args;

  g_return_if_fail (FORGE_IS_STEP_CONTEXT (ctx));
  g_return_if_fail (format != NULL);

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error_literal (error, domain, code, message);

  g_mutex_lock (&ctx->mutex);
  g_free (ctx->pending_log_tail);
  ctx->pending_log_tail = g_strdup (log_tail);
  g_mutex_unlock (&ctx->mutex);
}

/* A flood of reports (every line a command prints) would cost the main
 * loop a redraw each: at most this often, the latest one always. */
#define PROGRESS_INTERVAL_US (G_USEC_PER_SEC / 10)

static gboolean
step_is_current (ForgeStepContext *ctx,
                 const char       *step_id)
{
  gboolean current;

  g_mutex_lock (&ctx->mutex);
  current = step_id != NULL && g_strcmp0 (ctx->current_step, step_id) == 0;
  g_mutex_unlock (&ctx->mutex);

  return current;
}

/* With progress_mutex held, so that a report the timer takes is queued
 * before the step's end, never after it. */
static void
emit_progress_locked (ForgeStepContext *ctx,
                      const char       *step_id,
                      double            fraction,
                      const char       *text)
{
  ctx->progress_last = g_get_monotonic_time ();

  g_mutex_lock (&ctx->emit_mutex);
  if (!ctx->closed)
    _forge_workflow_engine_emit_progress (ctx->engine, ctx->run_id, step_id, fraction, text);
  g_mutex_unlock (&ctx->emit_mutex);
}

/* The pending report, if its step still runs: a step that ended shows
 * its result, not what it was doing. */
static void
flush_progress_locked (ForgeStepContext *ctx)
{
  g_autofree char *step_id = g_steal_pointer (&ctx->pending_step);
  g_autofree char *text = g_steal_pointer (&ctx->pending_text);

  if (!ctx->progress_pending)
    return;

  ctx->progress_pending = FALSE;
  if (step_is_current (ctx, step_id))
    emit_progress_locked (ctx, step_id, ctx->pending_fraction, text);
}

static gboolean
progress_timeout_cb (gpointer user_data)
{
  ForgeStepContext *ctx = user_data;

  g_mutex_lock (&ctx->progress_mutex);
  /* Unless the step ended or the run closed meanwhile. */
  if (ctx->progress_source != NULL && ctx->progress_source == g_main_current_source ())
    {
      g_clear_pointer (&ctx->progress_source, g_source_unref);
      flush_progress_locked (ctx);
    }
  g_mutex_unlock (&ctx->progress_mutex);

  return G_SOURCE_REMOVE;
}

/* At the end of a step, before its step event: what it last reported
 * leaves first. */
static void
finish_step_progress (ForgeStepContext *ctx)
{
  g_mutex_lock (&ctx->progress_mutex);
  if (ctx->progress_source != NULL)
    {
      g_source_destroy (ctx->progress_source);
      g_clear_pointer (&ctx->progress_source, g_source_unref);
    }
  flush_progress_locked (ctx);
  g_mutex_unlock (&ctx->progress_mutex);
}

void
forge_step_context_progress_latest (ForgeStepContext *ctx,
                                    double            fraction,
                                    const char       *text)
{
  g_autofree char *step = NULL;
  gint64 now;
  gint64 wait_us;

  g_return_if_fail (FORGE_IS_STEP_CONTEXT (ctx));

  g_mutex_lock (&ctx->mutex);
  step = g_strdup (ctx->current_step);
  g_mutex_unlock (&ctx->mutex);

  /* A command's last lines can come after its step returned. */
  if (step == NULL)
    return;

  g_mutex_lock (&ctx->progress_mutex);
  now = g_get_monotonic_time ();
  wait_us = ctx->progress_last + PROGRESS_INTERVAL_US - now;

  if (!ctx->progress_pending && wait_us <= 0)
    {
      emit_progress_locked (ctx, step, fraction, text);
      g_mutex_unlock (&ctx->progress_mutex);
      return;
    }

  g_free (ctx->pending_step);
  ctx->pending_step = g_steal_pointer (&step);
  g_free (ctx->pending_text);
  ctx->pending_text = g_strdup (text);
  ctx->pending_fraction = fraction;
  ctx->progress_pending = TRUE;

  g_mutex_lock (&ctx->emit_mutex);
  /* The timer delivers it even when the command says nothing more for a
   * while (npm, between its last warning and its summary). */
  if (ctx->progress_source == NULL && !ctx->closed)
    {
      ctx->progress_source = g_timeout_source_new ((guint) MAX (wait_us, 0) / 1000 + 1);
      g_source_set_static_name (ctx->progress_source, "[forge] step progress");
      g_source_set_callback (ctx->progress_source, progress_timeout_cb, g_object_ref (ctx), g_object_unref);
      g_source_attach (ctx->progress_source, ctx->main_context);
    }
  g_mutex_unlock (&ctx->emit_mutex);
  g_mutex_unlock (&ctx->progress_mutex);
}

void
forge_step_context_progress (ForgeStepContext *ctx,
                             double            fraction,
                             const char       *text)
{
  g_autofree char *step = NULL;

  g_return_if_fail (FORGE_IS_STEP_CONTEXT (ctx));

  g_mutex_lock (&ctx->mutex);
  step = g_strdup (ctx->current_step);
  g_mutex_unlock (&ctx->mutex);

  g_mutex_lock (&ctx->emit_mutex);
  if (!ctx->closed)
    _forge_workflow_engine_emit_progress (ctx->engine, ctx->run_id, step, fraction, text);
  g_mutex_unlock (&ctx->emit_mutex);
}
