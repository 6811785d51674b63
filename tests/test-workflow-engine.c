/* test-workflow-engine.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "forge-util.h"
#include "forge-workflow-engine.h"

typedef struct
{
  GMainLoop *loop;
  GPtrArray *events;      /* "step-id:state" strings, in delivery order */
  char      *status;
  char      *error;
  JsonNode  *output;
  guint      finished;
  guint      expected_runs;
  GThread   *main_thread;
  gboolean   emitted_off_main_thread;
} Recorder;

static void
recorder_init (Recorder *recorder,
               guint     expected_runs)
{
  memset (recorder, 0, sizeof *recorder);
  recorder->loop = g_main_loop_new (NULL, FALSE);
  recorder->events = g_ptr_array_new_with_free_func (g_free);
  recorder->expected_runs = expected_runs;
  recorder->main_thread = g_thread_self ();
}

static void
recorder_clear (Recorder *recorder)
{
  g_main_loop_unref (recorder->loop);
  g_ptr_array_unref (recorder->events);
  g_free (recorder->status);
  g_free (recorder->error);
  g_clear_pointer (&recorder->output, json_node_unref);
}

static void
on_step (ForgeWorkflowEngine *engine,
         const char          *run_id,
         const char          *step_id,
         const char          *state,
         guint                attempt,
         gint64               duration_ms,
         const char          *error_message,
         Recorder            *recorder)
{
  if (g_thread_self () != recorder->main_thread)
    recorder->emitted_off_main_thread = TRUE;
  g_ptr_array_add (recorder->events, g_strdup_printf ("%s:%s", step_id, state));
}

static void
on_log (ForgeWorkflowEngine *engine,
        const char          *run_id,
        const char          *stream,
        const char          *line,
        Recorder            *recorder)
{
  g_ptr_array_add (recorder->events, g_strdup_printf ("log:%s:%s", stream, line));
}

static void
on_finished (ForgeWorkflowEngine *engine,
             const char          *run_id,
             const char          *status,
             JsonNode            *output,
             const char          *error_message,
             Recorder            *recorder)
{
  g_free (recorder->status);
  recorder->status = g_strdup (status);
  g_free (recorder->error);
  recorder->error = g_strdup (error_message);
  g_clear_pointer (&recorder->output, json_node_unref);
  recorder->output = output ? json_node_copy (output) : NULL;

  if (++recorder->finished == recorder->expected_runs)
    g_main_loop_quit (recorder->loop);
}

static gboolean
fail_on_timeout (gpointer user_data)
{
  g_error ("Timed out waiting for the workflow");
  return G_SOURCE_REMOVE;
}

static void
run_until_finished (Recorder *recorder)
{
  guint timeout = g_timeout_add_seconds (20, fail_on_timeout, NULL);

  g_main_loop_run (recorder->loop);
  g_source_remove (timeout);
}

static JsonNode *
step_number (ForgeStepContext  *ctx,
             gpointer           user_data,
             GError           **error)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  forge_step_context_log (ctx, "test", "working");
  json_node_set_int (node, GPOINTER_TO_INT (user_data));
  return node;
}

static JsonNode *
step_fail (ForgeStepContext  *ctx,
           gpointer           user_data,
           GError           **error)
{
  g_set_error_literal (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE, "step two broke");
  return NULL;
}

static int steps_after_failure;

static JsonNode *
three_steps (ForgeStepContext  *ctx,
             JsonNode          *event_data,
             gpointer           user_data,
             GError           **error)
{
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;
  g_autoptr(JsonNode) c = NULL;
  g_autoptr(JsonNode) again = NULL;
  gboolean fail = json_object_get_boolean_member (json_node_get_object (event_data), "fail");
  JsonNode *sum;

  if (!(a = forge_step_run (ctx, "one", step_number, GINT_TO_POINTER (1), error)))
    return NULL;
  if (!(b = forge_step_run (ctx, "two", fail ? step_fail : step_number, GINT_TO_POINTER (2), error)))
    return NULL;
  steps_after_failure++;
  if (!(c = forge_step_run (ctx, "three", step_number, GINT_TO_POINTER (3), error)))
    return NULL;
  if (!(again = forge_step_run (ctx, "one", step_number, GINT_TO_POINTER (10), error)))
    return NULL;

  sum = json_node_new (JSON_NODE_VALUE);
  json_node_set_int (sum, json_node_get_int (a) + json_node_get_int (b) + json_node_get_int (c) + json_node_get_int (again));
  return sum;
}

static JsonNode *
make_event (gboolean fail)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_boolean_member (object, "fail", fail);
  json_node_take_object (node, object);
  return node;
}

static void
test_steps_in_order (void)
{
  g_autoptr(ForgeWorkflowEngine) engine = forge_workflow_engine_new ();
  g_autoptr(JsonNode) event = make_event (FALSE);
  g_autofree char *run_id = NULL;
  const char *expected[] = {
    "one:start", "log:test:working", "one:complete",
    "two:start", "log:test:working", "two:complete",
    "three:start", "log:test:working", "three:complete",
    "one:1:start", "log:test:working", "one:1:complete",
  };
  Recorder recorder;

  recorder_init (&recorder, 1);
  forge_workflow_engine_register (engine, "three-steps", "test/go", three_steps, NULL, NULL);
  g_signal_connect (engine, "step", G_CALLBACK (on_step), &recorder);
  g_signal_connect (engine, "log", G_CALLBACK (on_log), &recorder);
  g_signal_connect (engine, "run-finished", G_CALLBACK (on_finished), &recorder);

  g_assert_null (forge_workflow_engine_send (engine, "test/other", event));
  run_id = forge_workflow_engine_send (engine, "test/go", event);
  g_assert_nonnull (run_id);
  run_until_finished (&recorder);

  g_assert_cmpstr (recorder.status, ==, "completed");
  g_assert_cmpint (json_node_get_int (recorder.output), ==, 16);
  g_assert_false (recorder.emitted_off_main_thread);
  g_assert_cmpuint (recorder.events->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (g_ptr_array_index (recorder.events, i), ==, expected[i]);

  recorder_clear (&recorder);
}

static void
test_failing_step_stops_run (void)
{
  g_autoptr(ForgeWorkflowEngine) engine = forge_workflow_engine_new ();
  g_autoptr(JsonNode) event = make_event (TRUE);
  g_autofree char *run_id = NULL;
  Recorder recorder;

  recorder_init (&recorder, 1);
  steps_after_failure = 0;
  forge_workflow_engine_register (engine, "three-steps", "test/go", three_steps, NULL, NULL);
  g_signal_connect (engine, "step", G_CALLBACK (on_step), &recorder);
  g_signal_connect (engine, "run-finished", G_CALLBACK (on_finished), &recorder);

  run_id = forge_workflow_engine_send (engine, "test/go", event);
  run_until_finished (&recorder);

  g_assert_cmpstr (recorder.status, ==, "failed");
  g_assert_cmpstr (recorder.error, ==, "step two broke");
  g_assert_cmpint (steps_after_failure, ==, 0);
  g_assert_cmpuint (recorder.events->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (recorder.events, 3), ==, "two:error");

  recorder_clear (&recorder);
}

static JsonNode *
step_wait_for_cancel (ForgeStepContext  *ctx,
                      gpointer           user_data,
                      GError           **error)
{
  GCancellable *cancellable = forge_step_context_get_cancellable (ctx);

  g_atomic_int_set ((int *) user_data, 1);
  while (!g_cancellable_is_cancelled (cancellable))
    g_usleep (1000);

  g_cancellable_set_error_if_cancelled (cancellable, error);
  return NULL;
}

static int cancel_started;

static JsonNode *
cancellable_function (ForgeStepContext  *ctx,
                      JsonNode          *event_data,
                      gpointer           user_data,
                      GError           **error)
{
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) second = NULL;

  if (!(first = forge_step_run (ctx, "wait", step_wait_for_cancel, &cancel_started, error)))
    return NULL;
  second = forge_step_run (ctx, "never", step_number, NULL, error);
  g_assert_null (second);
  return NULL;
}

static gboolean
cancel_when_started (gpointer user_data)
{
  ForgeWorkflowEngine *engine = g_object_get_data (user_data, "engine");

  if (!g_atomic_int_get (&cancel_started))
    return G_SOURCE_CONTINUE;

  g_assert_true (forge_workflow_engine_cancel_run (engine, g_object_get_data (user_data, "run-id")));
  return G_SOURCE_REMOVE;
}

static void
test_cancel (void)
{
  g_autoptr(ForgeWorkflowEngine) engine = forge_workflow_engine_new ();
  g_autoptr(JsonNode) event = make_event (FALSE);
  g_autoptr(GObject) holder = g_object_new (G_TYPE_OBJECT, NULL);
  Recorder recorder;
  char *run_id;

  recorder_init (&recorder, 1);
  cancel_started = 0;
  forge_workflow_engine_register (engine, "cancellable", "test/cancel", cancellable_function, NULL, NULL);
  g_signal_connect (engine, "step", G_CALLBACK (on_step), &recorder);
  g_signal_connect (engine, "run-finished", G_CALLBACK (on_finished), &recorder);

  run_id = forge_workflow_engine_send (engine, "test/cancel", event);
  g_object_set_data_full (holder, "run-id", run_id, g_free);
  g_object_set_data (holder, "engine", engine);
  g_timeout_add (5, cancel_when_started, holder);
  run_until_finished (&recorder);

  g_assert_cmpstr (recorder.status, ==, "cancelled");
  g_assert_cmpuint (forge_workflow_engine_get_n_active (engine), ==, 0);
  for (guint i = 0; i < recorder.events->len; i++)
    g_assert_false (g_str_has_prefix (g_ptr_array_index (recorder.events, i), "never"));

  recorder_clear (&recorder);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *state_home = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  /* Engines made with forge_workflow_engine_new() journal under the
   * state directory: keep them away from the user's. */
  state_home = g_dir_make_tmp ("forge-workflow-XXXXXX", NULL);
  g_assert_nonnull (state_home);
  g_setenv ("XDG_STATE_HOME", state_home, TRUE);

  g_test_add_func ("/forge/workflow/steps-in-order", test_steps_in_order);
  g_test_add_func ("/forge/workflow/failing-step-stops-run", test_failing_step_stops_run);
  g_test_add_func ("/forge/workflow/cancel", test_cancel);

  ret = g_test_run ();

  g_assert_true (forge_remove_tree (state_home, NULL));
  return ret;
}
