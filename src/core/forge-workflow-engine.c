/* forge-workflow-engine.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "forge-step-context-private.h"
#include "forge-util.h"
#include "forge-workflow-engine.h"

G_DEFINE_QUARK (forge-workflow-error-quark, forge_workflow_error)

typedef struct
{
  char              *id;
  char              *event_name;
  ForgeWorkflowFunc  func;
  gpointer           user_data;
  GDestroyNotify     destroy;
  guint              concurrency;
  guint              active;
  GQueue             pending;     /* Run *, waiting for a slot */
} Function;

typedef struct
{
  char         *id;
  Function     *function;
  JsonNode     *event_data;
  GCancellable *cancellable;
} Run;

struct _ForgeWorkflowEngine
{
  GObject       parent_instance;
  GMainContext *context;
  GPtrArray    *functions;
  GHashTable   *runs;             /* run id → Run *, queued or running */
};

enum {
  RUN_STARTED,
  STEP,
  PROGRESS,
  LOG,
  RUN_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ForgeWorkflowEngine, forge_workflow_engine, G_TYPE_OBJECT)

static void
function_free (Function *function)
{
  if (function->destroy != NULL)
    function->destroy (function->user_data);
  g_queue_clear (&function->pending);
  g_free (function->id);
  g_free (function->event_name);
  g_free (function);
}

static void
run_free (Run *run)
{
  g_free (run->id);
  g_clear_pointer (&run->event_data, json_node_unref);
  g_clear_object (&run->cancellable);
  g_free (run);
}

/* Events cross from worker threads to the engine's context in order: all
 * go through one idle source each, at the same priority. */
typedef struct
{
  ForgeWorkflowEngine *engine;
  guint                signal_id;
  char                *strings[4];
  guint                attempt;
  gint64               duration_ms;
  double               fraction;
  JsonNode            *node;
} Emission;

static void
emission_free (gpointer data)
{
  Emission *emission = data;

  g_object_unref (emission->engine);
  for (guint i = 0; i < G_N_ELEMENTS (emission->strings); i++)
    g_free (emission->strings[i]);
  g_clear_pointer (&emission->node, json_node_unref);
  g_free (emission);
}

static gboolean
emit_on_context (gpointer data)
{
  Emission *emission = data;
  ForgeWorkflowEngine *self = emission->engine;
  char **s = emission->strings;

  if (emission->signal_id == signals[STEP])
    g_signal_emit (self, signals[STEP], 0, s[0], s[1], s[2], emission->attempt, emission->duration_ms, s[3]);
  else if (emission->signal_id == signals[LOG])
    g_signal_emit (self, signals[LOG], 0, s[0], s[1], s[2]);
  else if (emission->signal_id == signals[PROGRESS])
    g_signal_emit (self, signals[PROGRESS], 0, s[0], s[1], emission->fraction, s[2]);

  return G_SOURCE_REMOVE;
}

static void
queue_emission (ForgeWorkflowEngine *self,
                Emission            *emission)
{
  emission->engine = g_object_ref (self);
  forge_dispatch_on_context (self->context, G_PRIORITY_DEFAULT, emit_on_context, emission, emission_free);
}

void
_forge_workflow_engine_emit_step (ForgeWorkflowEngine *engine,
                                  const char          *run_id,
                                  const char          *step_id,
                                  const char          *state,
                                  guint                attempt,
                                  gint64               duration_ms,
                                  const char          *error_message)
{
  Emission *emission = g_new0 (Emission, 1);

  emission->signal_id = signals[STEP];
  emission->strings[0] = g_strdup (run_id);
  emission->strings[1] = g_strdup (step_id);
  emission->strings[2] = g_strdup (state);
  emission->strings[3] = g_strdup (error_message);
  emission->attempt = attempt;
  emission->duration_ms = duration_ms;
  queue_emission (engine, emission);
}

void
_forge_workflow_engine_emit_log (ForgeWorkflowEngine *engine,
                                 const char          *run_id,
                                 const char          *stream,
                                 const char          *line)
{
  Emission *emission = g_new0 (Emission, 1);

  emission->signal_id = signals[LOG];
  emission->strings[0] = g_strdup (run_id);
  emission->strings[1] = g_strdup (stream);
  emission->strings[2] = g_strdup (line);
  queue_emission (engine, emission);
}

void
_forge_workflow_engine_emit_progress (ForgeWorkflowEngine *engine,
                                      const char          *run_id,
                                      const char          *step_id,
                                      double               fraction,
                                      const char          *text)
{
  Emission *emission = g_new0 (Emission, 1);

  emission->signal_id = signals[PROGRESS];
  emission->strings[0] = g_strdup (run_id);
  emission->strings[1] = g_strdup (step_id);
  emission->strings[2] = g_strdup (text);
  emission->fraction = fraction;
  queue_emission (engine, emission);
}

static void start_run (ForgeWorkflowEngine *self, Run *run);

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  ForgeWorkflowEngine *self = source_object;
  Run *run = task_data;
  g_autoptr(ForgeStepContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *output;

  ctx = _forge_step_context_new (self, run->id, run->function->id, run->event_data, run->cancellable);
  output = run->function->func (ctx, run->event_data, run->function->user_data, &error);

  if (output == NULL && error == NULL)
    output = json_node_new (JSON_NODE_NULL);

  if (error != NULL)
    {
      g_clear_pointer (&output, json_node_unref);
      g_task_return_error (task, g_steal_pointer (&error));
    }
  else
    g_task_return_pointer (task, output, (GDestroyNotify) json_node_unref);
}

static void
run_finished_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ForgeWorkflowEngine *self = FORGE_WORKFLOW_ENGINE (object);
  Run *run = user_data;
  Function *function = run->function;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) output = NULL;
  const char *status = "completed";
  g_autofree char *run_id = g_strdup (run->id);

  output = g_task_propagate_pointer (G_TASK (result), &error);
  if (error != NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_error_matches (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_CANCELLED) ||
          g_cancellable_is_cancelled (run->cancellable))
        status = "cancelled";
      else
        status = "failed";
    }

  function->active--;
  g_hash_table_remove (self->runs, run_id);

  g_signal_emit (self, signals[RUN_FINISHED], 0, run_id, status, output, error ? error->message : NULL);

  if (function->active < function->concurrency && !g_queue_is_empty (&function->pending))
    start_run (self, g_queue_pop_head (&function->pending));
}

static void
start_run (ForgeWorkflowEngine *self,
           Run                 *run)
{
  g_autoptr(GTask) task = NULL;

  run->function->active++;

  task = g_task_new (self, NULL, run_finished_cb, run);
  g_task_set_source_tag (task, start_run);
  g_task_set_task_data (task, run, NULL);
  g_task_set_name (task, run->function->id);

  g_signal_emit (self, signals[RUN_STARTED], 0, run->id, run->function->id, run->event_data);
  g_task_run_in_thread (task, run_thread);
}

static void
forge_workflow_engine_dispose (GObject *object)
{
  ForgeWorkflowEngine *self = FORGE_WORKFLOW_ENGINE (object);

  forge_workflow_engine_cancel_all (self);

  G_OBJECT_CLASS (forge_workflow_engine_parent_class)->dispose (object);
}

static void
forge_workflow_engine_finalize (GObject *object)
{
  ForgeWorkflowEngine *self = FORGE_WORKFLOW_ENGINE (object);

  g_clear_pointer (&self->runs, g_hash_table_unref);
  g_clear_pointer (&self->functions, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (forge_workflow_engine_parent_class)->finalize (object);
}

static void
forge_workflow_engine_class_init (ForgeWorkflowEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = forge_workflow_engine_dispose;
  object_class->finalize = forge_workflow_engine_finalize;

  signals[RUN_STARTED] =
    g_signal_new ("run-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_STRING, JSON_TYPE_NODE);
  signals[STEP] =
    g_signal_new ("step", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 6,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_INT64, G_TYPE_STRING);
  signals[PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_DOUBLE, G_TYPE_STRING);
  signals[LOG] =
    g_signal_new ("log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  signals[RUN_FINISHED] =
    g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_STRING, JSON_TYPE_NODE, G_TYPE_STRING);
}

static void
forge_workflow_engine_init (ForgeWorkflowEngine *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->functions = g_ptr_array_new_with_free_func ((GDestroyNotify) function_free);
  /* Runs are owned by their GTask while running; queued ones by the table. */
  self->runs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) run_free);
}

ForgeWorkflowEngine *
forge_workflow_engine_new (void)
{
  return g_object_new (FORGE_TYPE_WORKFLOW_ENGINE, NULL);
}

void
forge_workflow_engine_register (ForgeWorkflowEngine *self,
                                const char          *function_id,
                                const char          *event_name,
                                ForgeWorkflowFunc    func,
                                gpointer             user_data,
                                GDestroyNotify       destroy)
{
  Function *function;

  g_return_if_fail (FORGE_IS_WORKFLOW_ENGINE (self));
  g_return_if_fail (function_id != NULL);
  g_return_if_fail (event_name != NULL);
  g_return_if_fail (func != NULL);

  function = g_new0 (Function, 1);
  function->id = g_strdup (function_id);
  function->event_name = g_strdup (event_name);
  function->func = func;
  function->user_data = user_data;
  function->destroy = destroy;
  function->concurrency = 5;
  g_queue_init (&function->pending);

  g_ptr_array_add (self->functions, function);
}

char *
forge_workflow_engine_send (ForgeWorkflowEngine *self,
                            const char          *event_name,
                            JsonNode            *data)
{
  char *first_run_id = NULL;

  g_return_val_if_fail (FORGE_IS_WORKFLOW_ENGINE (self), NULL);
  g_return_val_if_fail (event_name != NULL, NULL);

  for (guint i = 0; i < self->functions->len; i++)
    {
      Function *function = g_ptr_array_index (self->functions, i);
      Run *run;

      if (!g_str_equal (function->event_name, event_name))
        continue;

      run = g_new0 (Run, 1);
      run->id = g_uuid_string_random ();
      run->function = function;
      run->event_data = data ? json_node_copy (data) : json_node_new (JSON_NODE_NULL);
      run->cancellable = g_cancellable_new ();

      /* The table keeps queued runs alive; a running run is stolen from it
       * by its task, which frees it once finished. */
      g_hash_table_insert (self->runs, run->id, run);

      if (first_run_id == NULL)
        first_run_id = g_strdup (run->id);

      if (function->active < function->concurrency)
        start_run (self, run);
      else
        g_queue_push_tail (&function->pending, run);
    }

  return first_run_id;
}

gboolean
forge_workflow_engine_cancel_run (ForgeWorkflowEngine *self,
                                  const char          *run_id)
{
  Run *run;

  g_return_val_if_fail (FORGE_IS_WORKFLOW_ENGINE (self), FALSE);

  run = g_hash_table_lookup (self->runs, run_id);
  if (run == NULL)
    return FALSE;

  g_cancellable_cancel (run->cancellable);
  return TRUE;
}

void
forge_workflow_engine_cancel_all (ForgeWorkflowEngine *self)
{
  GHashTableIter iter;
  Run *run;

  g_return_if_fail (FORGE_IS_WORKFLOW_ENGINE (self));

  g_hash_table_iter_init (&iter, self->runs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &run))
    g_cancellable_cancel (run->cancellable);
}

guint
forge_workflow_engine_get_n_active (ForgeWorkflowEngine *self)
{
  g_return_val_if_fail (FORGE_IS_WORKFLOW_ENGINE (self), 0);
  return g_hash_table_size (self->runs);
}
