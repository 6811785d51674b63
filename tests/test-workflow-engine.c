/* test-workflow-engine.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utime.h>
#include <glib/gstdio.h>

#include "forge-sandbox-manager.h"
#include "forge-util.h"
#include "forge-workflow-engine-private.h"

typedef struct
{
  GMainLoop      *loop;
  GPtrArray      *events;      /* "step-id:state" strings, in delivery order */
  ForgeRunStatus  status;
  char           *error;
  JsonNode       *output;
  guint           finished;
  guint           expected_runs;
  GThread        *main_thread;
  gboolean        emitted_off_main_thread;
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
  g_free (recorder->error);
  g_clear_pointer (&recorder->output, json_node_unref);
}

static void
on_step (ForgeWorkflowEngine *engine,
         const char          *run_id,
         const char          *step_id,
         ForgeStepState       state,
         guint                attempt,
         gint64               duration_ms,
         const char          *error_message,
         Recorder            *recorder)
{
  if (g_thread_self () != recorder->main_thread)
    recorder->emitted_off_main_thread = TRUE;
  g_ptr_array_add (recorder->events, g_strdup_printf ("%s:%s", step_id, forge_step_state_to_string (state)));
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
             ForgeRunStatus       status,
             JsonNode            *output,
             const char          *error_message,
             Recorder            *recorder)
{
  recorder->status = status;
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

  g_assert_cmpint (recorder.status, ==, FORGE_RUN_STATUS_COMPLETED);
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

  g_assert_cmpint (recorder.status, ==, FORGE_RUN_STATUS_FAILED);
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

  g_assert_cmpint (recorder.status, ==, FORGE_RUN_STATUS_CANCELLED);
  g_assert_cmpuint (forge_workflow_engine_get_n_active (engine), ==, 0);
  for (guint i = 0; i < recorder.events->len; i++)
    g_assert_false (g_str_has_prefix (g_ptr_array_index (recorder.events, i), "never"));

  recorder_clear (&recorder);
}

/* Durable engine tests: each uses its own runs directory. */

typedef struct
{
  char                *dir;
  ForgeWorkflowEngine *engine;
  GMainLoop           *loop;
  GPtrArray           *events;     /* "step-id:state:attempt" */
  GHashTable          *statuses;   /* run id → final ForgeRunStatus */
  GPtrArray           *finished;   /* run ids, in finishing order */
  GArray              *run_statuses; /* ForgeRunStatus of every run-status, in order */
  guint                expected;
  guint                journal_errors;
  char                *last_journal_error;
} Fixture;

static void
fixture_on_step (ForgeWorkflowEngine *engine,
                 const char          *run_id,
                 const char          *step_id,
                 ForgeStepState       state,
                 guint                attempt,
                 gint64               duration_ms,
                 const char          *error_message,
                 Fixture             *fixture)
{
  g_ptr_array_add (fixture->events, g_strdup_printf ("%s:%s:%u", step_id, forge_step_state_to_string (state), attempt));
}

static void
fixture_on_finished (ForgeWorkflowEngine *engine,
                     const char          *run_id,
                     ForgeRunStatus       status,
                     JsonNode            *output,
                     const char          *error_message,
                     Fixture             *fixture)
{
  g_assert_false (g_hash_table_contains (fixture->statuses, run_id));
  g_hash_table_insert (fixture->statuses, g_strdup (run_id), GINT_TO_POINTER (status));
  g_ptr_array_add (fixture->finished, g_strdup (run_id));

  if (fixture->finished->len == fixture->expected)
    g_main_loop_quit (fixture->loop);
}

static void
fixture_on_run_status (ForgeWorkflowEngine *engine,
                       const char          *run_id,
                       ForgeRunStatus       status,
                       Fixture             *fixture)
{
  g_array_append_val (fixture->run_statuses, status);
}

static void
fixture_on_journal_error (ForgeWorkflowEngine *engine,
                          const char          *path,
                          const char          *message,
                          Fixture             *fixture)
{
  g_assert_nonnull (path);
  g_assert_nonnull (message);
  fixture->journal_errors++;
  g_free (fixture->last_journal_error);
  fixture->last_journal_error = g_strdup (message);
}

static void
fixture_connect (Fixture             *fixture,
                 ForgeWorkflowEngine *engine)
{
  g_clear_object (&fixture->engine);
  fixture->engine = engine;
  forge_workflow_engine_set_backoff (engine, 10, 200);
  g_signal_connect (engine, "step", G_CALLBACK (fixture_on_step), fixture);
  g_signal_connect (engine, "run-finished", G_CALLBACK (fixture_on_finished), fixture);
  g_signal_connect (engine, "journal-error", G_CALLBACK (fixture_on_journal_error), fixture);
  g_signal_connect (engine, "run-status", G_CALLBACK (fixture_on_run_status), fixture);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = g_dir_make_tmp ("forge-runs-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
  fixture->loop = g_main_loop_new (NULL, FALSE);
  fixture->events = g_ptr_array_new_with_free_func (g_free);
  fixture->statuses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fixture->finished = g_ptr_array_new_with_free_func (g_free);
  fixture->run_statuses = g_array_new (FALSE, FALSE, sizeof (ForgeRunStatus));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->engine != NULL)
    g_assert_cmpuint (forge_workflow_engine_get_n_active (fixture->engine), ==, 0);
  g_clear_object (&fixture->engine);
  g_assert_true (forge_remove_tree (fixture->dir, NULL));
  g_free (fixture->dir);
  g_main_loop_unref (fixture->loop);
  g_ptr_array_unref (fixture->events);
  g_hash_table_unref (fixture->statuses);
  g_ptr_array_unref (fixture->finished);
  g_array_unref (fixture->run_statuses);
  g_free (fixture->last_journal_error);
}

static void
fixture_wait (Fixture *fixture,
              guint    expected)
{
  guint timeout;

  fixture->expected = expected;
  if (fixture->finished->len >= expected)
    return;

  timeout = g_timeout_add_seconds (30, fail_on_timeout, NULL);
  g_main_loop_run (fixture->loop);
  g_source_remove (timeout);
}

/* The status run_id finished with; it must have finished. */
static ForgeRunStatus
fixture_status (Fixture    *fixture,
                const char *run_id)
{
  gpointer status;

  g_assert_true (g_hash_table_lookup_extended (fixture->statuses, run_id, NULL, &status));
  return GPOINTER_TO_INT (status);
}

static void
assert_events (Fixture     *fixture,
               const char **expected,
               guint        n_expected)
{
  for (guint i = 0; i < MIN (n_expected, fixture->events->len); i++)
    g_assert_cmpstr (g_ptr_array_index (fixture->events, i), ==, expected[i]);
  g_assert_cmpuint (fixture->events->len, ==, n_expected);
}

static JsonObject *
read_journal (Fixture    *fixture,
              const char *run_id)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *name = g_strconcat (run_id, ".json", NULL);
  g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
  g_autoptr(GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_node_dup_object (json_parser_get_root (parser));
}

static void
assert_run_at (GListModel *runs,
               guint       position,
               const char *run_id)
{
  g_autoptr(ForgeRunInfo) info = g_list_model_get_item (runs, position);

  g_assert_nonnull (info);
  g_assert_cmpstr (forge_run_info_get_run_id (info), ==, run_id);
}

static JsonNode *
object_with_string (const char *key,
                    const char *value)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, key, value);
  json_node_take_object (node, object);
  return node;
}

static JsonNode *
int_node (gint64 value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_int (node, value);
  return node;
}

/* Memoization: step 2 fails once */

static int memo_body_calls;
static int memo_counts[3];

static JsonNode *
memo_step (ForgeStepContext  *ctx,
           gpointer           user_data,
           GError           **error)
{
  int index = GPOINTER_TO_INT (user_data);
  int calls = g_atomic_int_add (&memo_counts[index], 1) + 1;

  if (index == 1 && calls == 1)
    {
      g_set_error_literal (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_FAILED, "flaky");
      return NULL;
    }

  return int_node ((index + 1) * 10);
}

static JsonNode *
memo_function (ForgeStepContext  *ctx,
               JsonNode          *event_data,
               gpointer           user_data,
               GError           **error)
{
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;
  g_autoptr(JsonNode) c = NULL;

  g_atomic_int_inc (&memo_body_calls);

  if (!(a = forge_step_run (ctx, "one", memo_step, GINT_TO_POINTER (0), error)))
    return NULL;
  if (!(b = forge_step_run (ctx, "two", memo_step, GINT_TO_POINTER (1), error)))
    {
      g_assert_true (forge_step_context_will_retry (ctx));
      return NULL;
    }
  if (!(c = forge_step_run (ctx, "three", memo_step, GINT_TO_POINTER (2), error)))
    return NULL;

  return int_node (json_node_get_int (a) + json_node_get_int (b) + json_node_get_int (c));
}

static void
test_memoized_retry (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(JsonNode) event = object_with_string ("project_id", "p1");
  g_autoptr(JsonObject) journal = NULL;
  g_autofree char *run_id = NULL;
  JsonObject *steps;
  JsonArray *stack;
  const char *expected[] = {
    "one:start:1", "one:complete:1",
    "two:start:1", "two:error:1",
    "one:memoized:1",
    "two:start:2", "two:complete:2",
    "three:start:1", "three:complete:1",
  };

  memo_body_calls = 0;
  memset (memo_counts, 0, sizeof memo_counts);
  fixture_connect (fixture, forge_workflow_engine_new_for_directory (fixture->dir));
  forge_workflow_engine_register (fixture->engine, "memo", "test/memo", memo_function, NULL, NULL);

  run_id = forge_workflow_engine_send (fixture->engine, "test/memo", event);
  fixture_wait (fixture, 1);

  g_assert_cmpint (fixture_status (fixture, run_id), ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_cmpint (memo_counts[0], ==, 1);
  g_assert_cmpint (memo_counts[1], ==, 2);
  g_assert_cmpint (memo_counts[2], ==, 1);
  /* Code outside steps runs again on every invocation. */
  g_assert_cmpint (memo_body_calls, ==, 2);
  assert_events (fixture, expected, G_N_ELEMENTS (expected));

  /* The run stays "running" while it waits for its retry. */
  g_assert_cmpuint (fixture->run_statuses->len, ==, 4);
  g_assert_cmpint (g_array_index (fixture->run_statuses, ForgeRunStatus, 0), ==, FORGE_RUN_STATUS_QUEUED);
  g_assert_cmpint (g_array_index (fixture->run_statuses, ForgeRunStatus, 1), ==, FORGE_RUN_STATUS_RUNNING);
  g_assert_cmpint (g_array_index (fixture->run_statuses, ForgeRunStatus, 2), ==, FORGE_RUN_STATUS_RUNNING);
  g_assert_cmpint (g_array_index (fixture->run_statuses, ForgeRunStatus, 3), ==, FORGE_RUN_STATUS_COMPLETED);

  journal = read_journal (fixture, run_id);
  g_assert_cmpstr (json_object_get_string_member (journal, "status"), ==, "completed");
  g_assert_cmpstr (json_object_get_string_member (journal, "function_id"), ==, "memo");
  g_assert_cmpint (json_object_get_int_member (journal, "attempts"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (journal, "output"), ==, 60);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (journal, "event"), "name"), ==, "test/memo");
  g_assert_true (json_object_has_member (json_object_get_object_member (journal, "event"), "id"));
  g_assert_true (json_object_has_member (json_object_get_object_member (journal, "event"), "ts"));
  stack = json_object_get_array_member (journal, "stack");
  g_assert_cmpuint (json_array_get_length (stack), ==, 3);
  g_assert_cmpstr (json_array_get_string_element (stack, 0), ==, "one");
  g_assert_cmpstr (json_array_get_string_element (stack, 1), ==, "two");
  g_assert_cmpstr (json_array_get_string_element (stack, 2), ==, "three");
  steps = json_object_get_object_member (journal, "steps");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (steps, "two"), "attempt"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (steps, "two"), "output"), ==, 20);
}

/* Retries */

static int retry_calls;
static gint64 retry_started[8];

static JsonNode *
always_fail_step (ForgeStepContext  *ctx,
                  gpointer           user_data,
                  GError           **error)
{
  int call = g_atomic_int_add (&retry_calls, 1);

  if (call < (int) G_N_ELEMENTS (retry_started))
    retry_started[call] = g_get_monotonic_time ();

  g_set_error_literal (error, FORGE_WORKFLOW_ERROR,
                       GPOINTER_TO_INT (user_data) ? FORGE_WORKFLOW_ERROR_NON_RETRIABLE : FORGE_WORKFLOW_ERROR_FAILED,
                       "always broken");
  return NULL;
}

static JsonNode *
always_fail_function (ForgeStepContext  *ctx,
                      JsonNode          *event_data,
                      gpointer           user_data,
                      GError           **error)
{
  g_autoptr(JsonNode) result = NULL;

  result = forge_step_run (ctx, "fail", always_fail_step, user_data, error);
  /* A body that ignores the error does not get to run more steps. */
  g_assert_null (forge_step_run (ctx, "after", step_number, NULL, NULL));
  return NULL;
}

static void
test_retry_count_and_backoff (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(JsonNode) event = object_with_string ("project_id", "p1");
  g_autofree char *run_id = NULL;
  const char *expected[] = {
    "fail:start:1", "fail:error:1",
    "fail:start:2", "fail:error:2",
    "fail:start:3", "fail:error:3",
  };
  const guint base_ms = 40;

  retry_calls = 0;
  fixture_connect (fixture, forge_workflow_engine_new_for_directory (fixture->dir));
  forge_workflow_engine_set_backoff (fixture->engine, base_ms, 10000);
  forge_workflow_engine_register (fixture->engine, "fails", "test/fail", always_fail_function, GINT_TO_POINTER (FALSE), NULL);
  forge_workflow_engine_set_function_options (fixture->engine, "fails", 2, 5);

  run_id = forge_workflow_engine_send (fixture->engine, "test/fail", event);
  fixture_wait (fixture, 1);

  g_assert_cmpint (fixture_status (fixture, run_id), ==, FORGE_RUN_STATUS_FAILED);
  g_assert_cmpint (retry_calls, ==, 3);
  assert_events (fixture, expected, G_N_ELEMENTS (expected));

  /* Only lower bounds: the schedule doubles from base_ms. */
  g_assert_cmpint (retry_started[1] - retry_started[0], >=, base_ms * 1000);
  g_assert_cmpint (retry_started[2] - retry_started[1], >=, 2 * base_ms * 1000);
}

static void
test_non_retriable_stops_at_once (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(JsonNode) event = object_with_string ("project_id", "p1");
  g_autoptr(JsonObject) journal = NULL;
  g_autofree char *run_id = NULL;
  const char *expected[] = { "fail:start:1", "fail:error:1" };
  JsonObject *step;

  retry_calls = 0;
  fixture_connect (fixture, forge_workflow_engine_new_for_directory (fixture->dir));
  forge_workflow_engine_register (fixture->engine, "fails", "test/fail", always_fail_function, GINT_TO_POINTER (TRUE), NULL);

  run_id = forge_workflow_engine_send (fixture->engine, "test/fail", event);
  fixture_wait (fixture, 1);

  g_assert_cmpint (fixture_status (fixture, run_id), ==, FORGE_RUN_STATUS_FAILED);
  g_assert_cmpint (retry_calls, ==, 1);
  assert_events (fixture, expected, G_N_ELEMENTS (expected));

  journal = read_journal (fixture, run_id);
  g_assert_cmpstr (json_object_get_string_member (journal, "status"), ==, "failed");
  g_assert_cmpstr (json_object_get_string_member (journal, "error"), ==, "always broken");
  step = json_object_get_object_member (json_object_get_object_member (journal, "steps"), "fail");
  g_assert_cmpstr (json_object_get_string_member (step, "status"), ==, "failed");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (step, "error"), "message"), ==, "always broken");
}

/* A body failing outside its steps is retried too */

static int outside_calls;

static JsonNode *
fails_outside_steps (ForgeStepContext  *ctx,
                     JsonNode          *event_data,
                     gpointer           user_data,
                     GError           **error)
{
  g_autoptr(JsonNode) a = NULL;

  if (!(a = forge_step_run (ctx, "one", memo_step, GINT_TO_POINTER (0), error)))
    return NULL;

  if (g_atomic_int_add (&outside_calls, 1) == 0)
    {
      g_set_error_literal (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_FAILED, "glitch between steps");
      return NULL;
    }

  return json_node_ref (a);
}

static void
test_body_failure_retried (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(JsonNode) event = object_with_string ("project_id", "p1");
  g_autofree char *run_id = NULL;
  const char *expected[] = { "one:start:1", "one:complete:1", "one:memoized:1" };

  outside_calls = 0;
  memset (memo_counts, 0, sizeof memo_counts);
  fixture_connect (fixture, forge_workflow_engine_new_for_directory (fixture->dir));
  forge_workflow_engine_register (fixture->engine, "outside", "test/outside", fails_outside_steps, NULL, NULL);

  run_id = forge_workflow_engine_send (fixture->engine, "test/outside", event);
  fixture_wait (fixture, 1);

  g_assert_cmpint (fixture_status (fixture, run_id), ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_cmpint (outside_calls, ==, 2);
  g_assert_cmpint (memo_counts[0], ==, 1);
  assert_events (fixture, expected, G_N_ELEMENTS (expected));
}

/* A run waiting for its retry holds no slot and can be cancelled */

static JsonNode *
fail_unless_second (ForgeStepContext  *ctx,
                    gpointer           user_data,
                    GError           **error)
{
  JsonObject *data = json_node_get_object (forge_step_context_get_event_data (ctx));

  if (g_str_equal (json_object_get_string_member (data, "project_id"), "second"))
    return int_node (2);

  g_set_error_literal (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_FAILED, "try again later");
  return NULL;
}

static JsonNode *
backoff_function (ForgeStepContext  *ctx,
                  JsonNode          *event_data,
                  gpointer           user_data,
                  GError           **error)
{
  return forge_step_run (ctx, "maybe", fail_unless_second, NULL, error);
}

static void
test_backoff_frees_slot_and_cancels (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(JsonNode) first_event = object_with_string ("project_id", "first");
  g_autoptr(JsonNode) second_event = object_with_string ("project_id", "second");
  g_autoptr(JsonObject) journal = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  const char *expected[] = { "maybe:start:1", "maybe:error:1", "maybe:start:1", "maybe:complete:1" };

  fixture_connect (fixture, forge_workflow_engine_new_for_directory (fixture->dir));
  /* Far longer than the test's timeout. */
  forge_workflow_engine_set_backoff (fixture->engine, 600 * 1000, 600 * 1000);
  forge_workflow_engine_register (fixture->engine, "backoff", "test/backoff", backoff_function, NULL, NULL);
  forge_workflow_engine_set_function_options (fixture->engine, "backoff", 4, 1);

  first = forge_workflow_engine_send (fixture->engine, "test/backoff", first_event);
  second = forge_workflow_engine_send (fixture->engine, "test/backoff", second_event);

  /* With one slot, the second run can only finish if the first one gave
   * its slot up while it waits for its retry. */
  fixture_wait (fixture, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->finished, 0), ==, second);
  g_assert_cmpint (fixture_status (fixture, second), ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_cmpuint (forge_workflow_engine_get_n_active (fixture->engine), ==, 1);

  g_assert_true (forge_workflow_engine_cancel_run (fixture->engine, first));
  g_assert_cmpint (fixture_status (fixture, first), ==, FORGE_RUN_STATUS_CANCELLED);
  g_assert_cmpuint (forge_workflow_engine_get_n_active (fixture->engine), ==, 0);
  assert_events (fixture, expected, G_N_ELEMENTS (expected));

  journal = read_journal (fixture, first);
  g_assert_cmpstr (json_object_get_string_member (journal, "status"), ==, "cancelled");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_object_get_object_member (journal, "steps"), "maybe"), "status"), ==, "retrying");
}

/* Concurrency */

static int in_flight;
static int max_in_flight;

static JsonNode *
busy_step (ForgeStepContext  *ctx,
           gpointer           user_data,
           GError           **error)
{
  int now = g_atomic_int_add (&in_flight, 1) + 1;
  int seen;

  while ((seen = g_atomic_int_get (&max_in_flight)) < now &&
         !g_atomic_int_compare_and_exchange (&max_in_flight, seen, now))
    ;

  g_usleep (5 * 1000);
  g_atomic_int_add (&in_flight, -1);
  return int_node (1);
}

static JsonNode *
busy_function (ForgeStepContext  *ctx,
               JsonNode          *event_data,
               gpointer           user_data,
               GError           **error)
{
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;

  if (!(a = forge_step_run (ctx, "first", busy_step, NULL, error)) ||
      !(b = forge_step_run (ctx, "second", busy_step, NULL, error)))
    return NULL;

  return int_node (2);
}

static void
test_concurrency_limit (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) run_ids = g_ptr_array_new_with_free_func (g_free);

  in_flight = 0;
  max_in_flight = 0;
  fixture_connect (fixture, forge_workflow_engine_new_for_directory (fixture->dir));
  forge_workflow_engine_register (fixture->engine, "busy", "test/busy", busy_function, NULL, NULL);
  forge_workflow_engine_set_function_options (fixture->engine, "busy", 4, 5);

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *project = g_strdup_printf ("p%u", i);
      g_autoptr(JsonNode) event = object_with_string ("project_id", project);

      g_ptr_array_add (run_ids, forge_workflow_engine_send (fixture->engine, "test/busy", event));
    }
  g_assert_cmpuint (forge_workflow_engine_get_n_active (fixture->engine), ==, 20);

  fixture_wait (fixture, 20);

  for (guint i = 0; i < run_ids->len; i++)
    g_assert_cmpint (fixture_status (fixture, g_ptr_array_index (run_ids, i)), ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_cmpint (max_in_flight, >=, 1);
  g_assert_cmpint (max_in_flight, <=, 5);
  g_assert_cmpint (in_flight, ==, 0);
}

/* Resume after SIGKILL */

static JsonNode *
resumed_count_step (ForgeStepContext  *ctx,
                    gpointer           user_data,
                    GError           **error)
{
  g_error ("The count step completed before the crash; it must be memoized");
  return NULL;
}

static JsonNode *
resumed_block_step (ForgeStepContext  *ctx,
                    gpointer           user_data,
                    GError           **error)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, "unblocked");
  return node;
}

static JsonNode *
resumed_crash_function (ForgeStepContext  *ctx,
                        JsonNode          *event_data,
                        gpointer           user_data,
                        GError           **error)
{
  g_autoptr(JsonNode) counted = NULL;
  g_autoptr(JsonNode) blocked = NULL;
  g_autoptr(JsonNode) finished = NULL;

  if (!(counted = forge_step_run (ctx, "count", resumed_count_step, NULL, error)) ||
      !(blocked = forge_step_run (ctx, "block", resumed_block_step, NULL, error)) ||
      !(finished = forge_step_run (ctx, "finish", step_number, GINT_TO_POINTER (3), error)))
    return NULL;

  g_assert_cmpstr (json_node_get_string (counted), ==, "counted");
  return json_node_ref (finished);
}

static void
test_resume_after_kill (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *helper = g_test_build_filename (G_TEST_BUILT, "workflow-crash-helper", NULL);
  g_autofree char *counter = g_build_filename (fixture->dir, "counter.txt", NULL);
  g_autofree char *marker = g_build_filename (fixture->dir, "started", NULL);
  g_autofree char *runs = g_build_filename (fixture->dir, "runs", NULL);
  g_autofree char *counted = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) listed = NULL;
  g_auto(GStrv) resumed = NULL;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  g_autoptr(ForgeRunInfo) summary = NULL;
  const char *expected[] = {
    "count:memoized:1",
    "block:start:1", "block:complete:1",
    "finish:start:1", "finish:complete:1",
  };

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, helper, runs, counter, marker, NULL);
  g_assert_no_error (error);

  while (!g_file_test (marker, G_FILE_TEST_EXISTS))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10 * 1000);
    }

  /* While the helper lives, its run is not up for grabs. */
  fixture_connect (fixture, forge_workflow_engine_new_for_directory (runs));
  forge_workflow_engine_register (fixture->engine, "crash-test", "test/crash", resumed_crash_function, NULL, NULL);
  resumed = forge_workflow_engine_resume (fixture->engine);
  g_assert_cmpuint (g_strv_length (resumed), ==, 0);
  g_clear_pointer (&resumed, g_strfreev);
  g_clear_object (&fixture->engine);

  g_subprocess_send_signal (process, SIGKILL);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (process));
  g_assert_cmpint (g_subprocess_get_term_sig (process), ==, SIGKILL);

  fixture_connect (fixture, forge_workflow_engine_new_for_directory (runs));
  forge_workflow_engine_register (fixture->engine, "crash-test", "test/crash", resumed_crash_function, NULL, NULL);

  {
    g_autofree char *found = forge_workflow_engine_find_unfinished_run (fixture->engine, "crash-test", "marker", marker);

    g_assert_nonnull (found);
    resumed = forge_workflow_engine_resume (fixture->engine);
    g_assert_cmpuint (g_strv_length (resumed), ==, 1);
    g_assert_cmpstr (resumed[0], ==, found);
  }
  fixture_wait (fixture, 1);

  g_assert_cmpint (fixture_status (fixture, resumed[0]), ==, FORGE_RUN_STATUS_COMPLETED);
  assert_events (fixture, expected, G_N_ELEMENTS (expected));

  g_file_get_contents (counter, &counted, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (counted, ==, "ran\n");

  listed = forge_workflow_engine_list_runs (fixture->engine, "marker", marker);
  g_assert_cmpuint (g_list_model_get_n_items (listed), ==, 1);
  summary = g_list_model_get_item (listed, 0);
  g_assert_cmpstr (forge_run_info_get_run_id (summary), ==, resumed[0]);
  g_assert_cmpint (forge_run_info_get_status (summary), ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_cmpuint (forge_run_info_get_attempts (summary), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (forge_run_info_get_steps (summary)), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(ForgeStepInfo) step = g_list_model_get_item (forge_run_info_get_steps (summary), i);

      g_assert_cmpint (forge_step_info_get_state (step), ==, FORGE_STEP_STATE_COMPLETE);
    }

  /* Nothing is left to resume. */
  g_strfreev (g_steal_pointer (&resumed));
  resumed = forge_workflow_engine_resume (fixture->engine);
  g_assert_cmpuint (g_strv_length (resumed), ==, 0);
}

/* Cancellation by a newer event for the same project */

static char *spawned_pid;

static JsonNode *
spawn_step (ForgeStepContext  *ctx,
            gpointer           user_data,
            GError           **error)
{
  JsonObject *data = json_node_get_object (forge_step_context_get_event_data (ctx));
  GCancellable *cancellable = forge_step_context_get_cancellable (ctx);
  g_autoptr(GSubprocess) child = NULL;

  if (!json_object_get_boolean_member (data, "spawn"))
    return int_node (0);

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, error, "sleep", "1000", NULL);
  if (child == NULL)
    return NULL;

  g_atomic_pointer_set (&spawned_pid, g_strdup (g_subprocess_get_identifier (child)));

  if (!g_subprocess_wait (child, cancellable, error))
    {
      /* What the step started dies with it. */
      g_subprocess_force_exit (child);
      g_subprocess_wait (child, NULL, NULL);
      return NULL;
    }

  return int_node (1);
}

static JsonNode *
spawn_function (ForgeStepContext  *ctx,
                JsonNode          *event_data,
                gpointer           user_data,
                GError           **error)
{
  g_autoptr(JsonNode) spawned = NULL;
  g_autoptr(JsonNode) after = NULL;

  if (!(spawned = forge_step_run (ctx, "spawn", spawn_step, NULL, error)) ||
      !(after = forge_step_run (ctx, "after", step_number, GINT_TO_POINTER (2), error)))
    return NULL;

  return json_node_ref (after);
}

static JsonNode *
spawn_event (const char *project_id,
             gboolean    spawn)
{
  JsonNode *node = object_with_string ("project_id", project_id);

  json_object_set_boolean_member (json_node_get_object (node), "spawn", spawn);
  return node;
}

static void
test_cancel_on_event (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(JsonNode) first_event = spawn_event ("p1", TRUE);
  g_autoptr(JsonNode) second_event = spawn_event ("p1", FALSE);
  g_autoptr(JsonNode) other_event = spawn_event ("p2", FALSE);
  g_autoptr(GListModel) listed = NULL;
  g_autoptr(JsonObject) journal = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *other = NULL;
  g_autofree char *pid = NULL;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  g_atomic_pointer_set (&spawned_pid, NULL);
  fixture_connect (fixture, forge_workflow_engine_new_for_directory (fixture->dir));
  forge_workflow_engine_register (fixture->engine, "spawner", "test/spawn", spawn_function, NULL, NULL);
  forge_workflow_engine_add_cancel_on (fixture->engine, "spawner", "test/spawn", "project_id");

  first = forge_workflow_engine_send (fixture->engine, "test/spawn", first_event);
  while (g_atomic_pointer_get (&spawned_pid) == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  pid = g_atomic_pointer_exchange (&spawned_pid, NULL);
  g_assert_cmpint (kill (atoi (pid), 0), ==, 0);

  /* Another project's event leaves the run alone. */
  other = forge_workflow_engine_send (fixture->engine, "test/spawn", other_event);
  fixture_wait (fixture, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->finished, 0), ==, other);
  g_assert_false (g_hash_table_contains (fixture->statuses, first));

  second = forge_workflow_engine_send (fixture->engine, "test/spawn", second_event);
  fixture_wait (fixture, 3);

  g_assert_cmpint (fixture_status (fixture, first), ==, FORGE_RUN_STATUS_CANCELLED);
  g_assert_cmpint (fixture_status (fixture, second), ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_cmpint (fixture_status (fixture, other), ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_cmpint (kill (atoi (pid), 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);

  journal = read_journal (fixture, first);
  g_assert_cmpstr (json_object_get_string_member (journal, "status"), ==, "cancelled");
  g_assert_false (json_object_has_member (json_object_get_object_member (journal, "steps"), "after"));

  listed = forge_workflow_engine_list_runs (fixture->engine, "project_id", "p1");
  g_assert_cmpuint (g_list_model_get_n_items (listed), ==, 2);
  assert_run_at (listed, 0, second);
  assert_run_at (listed, 1, first);
}

/* Unreadable journals */

/* @path was renamed to "@path.corrupt-…" with its bytes unchanged. */
static void
assert_kept_aside (const char *path,
                   const char *contents,
                   gssize      length)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *prefix = g_strconcat (base, ".corrupt-", NULL);
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  guint found = 0;

  g_assert_nonnull (listing);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *aside = NULL;
      g_autofree char *kept = NULL;
      gsize kept_length = 0;

      if (!g_str_has_prefix (name, prefix))
        continue;
      found++;
      aside = g_build_filename (dir, name, NULL);
      g_assert_true (g_file_get_contents (aside, &kept, &kept_length, NULL));
      g_assert_cmpmem (kept, kept_length, contents, length >= 0 ? (gsize) length : strlen (contents));
    }

  g_assert_cmpuint (found, ==, 1);
}

static void
test_corrupt_journals_skipped (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *truncated = g_build_filename (fixture->dir, "0b4e7c1a-3a5e-4d7f-9a62-2f1c3d4e5f60.json", NULL);
  g_autofree char *garbage = g_build_filename (fixture->dir, "garbage.json", NULL);
  g_autofree char *not_a_journal = g_build_filename (fixture->dir, "list.json", NULL);
  g_autoptr(JsonNode) event = object_with_string ("project_id", "p1");
  g_autoptr(GListModel) listed = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) resumed = NULL;
  g_autofree char *run_id = NULL;
  const char garbage_bytes[] = { 0x7f, 'E', 'L', 'F', 0x00, 0x01, (char) 0xff, '{', '[' };

  g_file_set_contents (truncated,
                       "{\"version\": 1, \"run_id\": \"0b4e7c1a-3a5e-4d7f-9a62-2f1c3d4e5f60\", \"function_id\": \"memo\", \"status\": \"runn",
                       -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (garbage, garbage_bytes, sizeof garbage_bytes, &error);
  g_assert_no_error (error);
  g_file_set_contents (not_a_journal, "[1, 2, 3]", -1, &error);
  g_assert_no_error (error);

  memo_body_calls = 0;
  memset (memo_counts, 0, sizeof memo_counts);
  fixture_connect (fixture, forge_workflow_engine_new_for_directory (fixture->dir));
  forge_workflow_engine_register (fixture->engine, "memo", "test/memo", memo_function, NULL, NULL);

  resumed = forge_workflow_engine_resume (fixture->engine);
  g_assert_cmpuint (g_strv_length (resumed), ==, 0);
  g_assert_cmpuint (fixture->journal_errors, ==, 3);

  listed = forge_workflow_engine_list_runs (fixture->engine, NULL, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (listed), ==, 0);
  g_clear_object (&listed);

  g_assert_null (forge_workflow_engine_find_unfinished_run (fixture->engine, "memo", "project_id", "p1"));
  g_assert_false (forge_workflow_engine_resume_run (fixture->engine, "0b4e7c1a-3a5e-4d7f-9a62-2f1c3d4e5f60", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (forge_workflow_engine_retry_run (fixture->engine, "../../etc/passwd", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* The engine still works, and reports each bad file once. */
  run_id = forge_workflow_engine_send (fixture->engine, "test/memo", event);
  fixture_wait (fixture, 1);
  g_assert_cmpint (fixture_status (fixture, run_id), ==, FORGE_RUN_STATUS_COMPLETED);

  listed = forge_workflow_engine_list_runs (fixture->engine, NULL, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (listed), ==, 1);
  g_assert_cmpuint (fixture->journal_errors, ==, 3);

  /* Each is kept aside as it was, where nothing reads it again. */
  g_assert_false (g_file_test (truncated, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (garbage, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (not_a_journal, G_FILE_TEST_EXISTS));
  assert_kept_aside (truncated, "{\"version\": 1, \"run_id\": \"0b4e7c1a-3a5e-4d7f-9a62-2f1c3d4e5f60\", \"function_id\": \"memo\", \"status\": \"runn",
                     -1);
  assert_kept_aside (garbage, garbage_bytes, sizeof garbage_bytes);
  assert_kept_aside (not_a_journal, "[1, 2, 3]", -1);
  g_assert_nonnull (strstr (fixture->last_journal_error, "kept as "));

  /* A new engine on the same folder finds nothing more to complain of. */
  g_clear_object (&listed);
  fixture_connect (fixture, forge_workflow_engine_new_for_directory (fixture->dir));
  listed = forge_workflow_engine_list_runs (fixture->engine, NULL, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (listed), ==, 1);
  g_assert_cmpuint (fixture->journal_errors, ==, 3);
}

/* Retrying a failed run */

static int flaky_should_fail;
static int flaky_counts[2];

static JsonNode *
flaky_step (ForgeStepContext  *ctx,
            gpointer           user_data,
            GError           **error)
{
  int index = GPOINTER_TO_INT (user_data);

  g_atomic_int_inc (&flaky_counts[index]);
  if (index == 1 && g_atomic_int_get (&flaky_should_fail))
    {
      g_set_error_literal (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE, "the server is down");
      return NULL;
    }

  return int_node (index + 1);
}

static JsonNode *
flaky_function (ForgeStepContext  *ctx,
                JsonNode          *event_data,
                gpointer           user_data,
                GError           **error)
{
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;

  if (!(a = forge_step_run (ctx, "one", flaky_step, GINT_TO_POINTER (0), error)) ||
      !(b = forge_step_run (ctx, "two", flaky_step, GINT_TO_POINTER (1), error)))
    return NULL;

  return int_node (json_node_get_int (a) + json_node_get_int (b));
}

static void
test_retry_failed_run (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(JsonNode) event = object_with_string ("project_id", "p1");
  g_autoptr(JsonObject) journal = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *run_id = NULL;
  const char *expected[] = {
    "one:start:1", "one:complete:1", "two:start:1", "two:error:1",
    "one:memoized:1", "two:start:1", "two:complete:1",
  };

  flaky_should_fail = 1;
  memset (flaky_counts, 0, sizeof flaky_counts);
  fixture_connect (fixture, forge_workflow_engine_new_for_directory (fixture->dir));
  forge_workflow_engine_register (fixture->engine, "flaky", "test/flaky", flaky_function, NULL, NULL);

  run_id = forge_workflow_engine_send (fixture->engine, "test/flaky", event);
  fixture_wait (fixture, 1);
  g_assert_cmpint (fixture_status (fixture, run_id), ==, FORGE_RUN_STATUS_FAILED);

  g_hash_table_remove_all (fixture->statuses);
  g_ptr_array_set_size (fixture->finished, 0);
  g_atomic_int_set (&flaky_should_fail, 0);

  g_assert_true (forge_workflow_engine_retry_run (fixture->engine, run_id, &error));
  g_assert_no_error (error);
  fixture_wait (fixture, 1);

  g_assert_cmpint (fixture_status (fixture, run_id), ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_cmpint (flaky_counts[0], ==, 1);
  g_assert_cmpint (flaky_counts[1], ==, 2);
  assert_events (fixture, expected, G_N_ELEMENTS (expected));

  journal = read_journal (fixture, run_id);
  g_assert_cmpstr (json_object_get_string_member (journal, "status"), ==, "completed");
  g_assert_false (json_object_has_member (journal, "error"));
  g_assert_cmpint (json_object_get_int_member (journal, "output"), ==, 3);

  /* A completed run is not retried. */
  g_assert_false (forge_workflow_engine_retry_run (fixture->engine, run_id, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

/* Pruning */

static char *
journal_text (const char *run_id,
              gint64      updated_at)
{
  return g_strdup_printf ("{\"version\": 1, \"run_id\": \"%s\", \"function_id\": \"memo\","
                          " \"event\": {\"name\": \"test/memo\", \"id\": \"e\", \"ts\": %" G_GINT64_FORMAT ", \"data\": {}},"
                          " \"status\": \"completed\", \"attempts\": 1, \"stack\": [], \"steps\": {},"
                          " \"created_at\": %" G_GINT64_FORMAT ", \"updated_at\": %" G_GINT64_FORMAT "}",
                          run_id, updated_at, updated_at, updated_at);
}

static void
test_prune_old_runs (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *old_id = "11111111-2222-4333-8444-555555555555";
  const char *recent_id = "66666666-7777-4888-9999-aaaaaaaaaaaa";
  gint64 now = g_get_real_time () / 1000;
  gint64 day = 24 * 60 * 60 * 1000;
  g_autofree char *old_text = journal_text (old_id, now - 31 * day);
  g_autofree char *recent_text = journal_text (recent_id, now - 29 * day);
  g_autofree char *old_path = g_strdup_printf ("%s/%s.json", fixture->dir, old_id);
  g_autofree char *recent_path = g_strdup_printf ("%s/%s.json", fixture->dir, recent_id);
  g_autofree char *old_corrupt = g_build_filename (fixture->dir, "old-corrupt.json", NULL);
  g_autoptr(GListModel) listed = NULL;
  g_autoptr(GError) error = NULL;
  struct utimbuf times;

  g_file_set_contents (old_path, old_text, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (recent_path, recent_text, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (old_corrupt, "{", -1, &error);
  g_assert_no_error (error);
  times.actime = times.modtime = time (NULL) - 40 * 24 * 60 * 60;
  g_assert_cmpint (g_utime (old_corrupt, &times), ==, 0);

  fixture_connect (fixture, forge_workflow_engine_new_for_directory (fixture->dir));

  g_assert_false (g_file_test (old_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (old_corrupt, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (recent_path, G_FILE_TEST_EXISTS));

  listed = forge_workflow_engine_list_runs (fixture->engine, NULL, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (listed), ==, 1);
  assert_run_at (listed, 0, recent_id);
}

/* Run infos: the typed view of the journals */

static void
count_items_changed (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     guint      *count)
{
  (*count)++;
}

static ForgeRunInfo *
dup_run_at (GListModel *runs,
            guint       position)
{
  ForgeRunInfo *info = g_list_model_get_item (runs, position);

  g_assert_nonnull (info);
  return info;
}

static void
test_run_list_is_live (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(JsonNode) event = object_with_string ("project_id", "p1");
  g_autoptr(JsonNode) other_event = object_with_string ("project_id", "p2");
  g_autoptr(GListModel) runs = NULL;
  g_autoptr(GListModel) all = NULL;
  g_autoptr(ForgeRunInfo) info = NULL;
  g_autoptr(ForgeRunInfo) dup = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *other = NULL;
  guint changes = 0;
  GListModel *steps;

  flaky_should_fail = 0;
  memset (flaky_counts, 0, sizeof flaky_counts);
  fixture_connect (fixture, forge_workflow_engine_new_for_directory (fixture->dir));
  forge_workflow_engine_register (fixture->engine, "flaky", "test/flaky", flaky_function, NULL, NULL);

  runs = forge_workflow_engine_list_runs (fixture->engine, "project_id", "p1");
  all = forge_workflow_engine_list_runs (fixture->engine, NULL, NULL);
  g_assert_true (g_type_is_a (g_list_model_get_item_type (runs), FORGE_TYPE_RUN_INFO));
  g_assert_cmpuint (g_list_model_get_n_items (runs), ==, 0);
  g_signal_connect (runs, "items-changed", G_CALLBACK (count_items_changed), &changes);

  /* A run joins the list as it is sent, before it finishes. */
  first = forge_workflow_engine_send (fixture->engine, "test/flaky", event);
  g_assert_cmpuint (g_list_model_get_n_items (runs), ==, 1);
  info = dup_run_at (runs, 0);
  g_assert_cmpstr (forge_run_info_get_run_id (info), ==, first);
  g_assert_false (forge_run_status_is_finished (forge_run_info_get_status (info)));
  g_assert_cmpint (forge_run_info_get_finished_at (info), ==, 0);
  g_clear_object (&info);

  fixture_wait (fixture, 1);
  g_assert_cmpint (fixture_status (fixture, first), ==, FORGE_RUN_STATUS_COMPLETED);

  /* Its item was replaced as it went on: now it is the finished run. */
  g_assert_cmpuint (changes, >, 1);
  g_assert_cmpuint (g_list_model_get_n_items (runs), ==, 1);
  info = dup_run_at (runs, 0);
  g_assert_cmpstr (forge_run_info_get_run_id (info), ==, first);
  g_assert_cmpstr (forge_run_info_get_function_id (info), ==, "flaky");
  g_assert_cmpint (forge_run_info_get_status (info), ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_cmpuint (forge_run_info_get_attempts (info), ==, 1);
  g_assert_cmpint (forge_run_info_get_created_at (info), >, 0);
  g_assert_cmpint (forge_run_info_get_finished_at (info), >=, forge_run_info_get_created_at (info));
  g_assert_null (forge_run_info_get_error_message (info));
  g_assert_null (forge_run_info_get_error_log_tail (info));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (forge_run_info_get_event_data (info)), "project_id"), ==, "p1");

  steps = forge_run_info_get_steps (info);
  g_assert_cmpuint (g_list_model_get_n_items (steps), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(ForgeStepInfo) step = g_list_model_get_item (steps, i);

      g_assert_cmpstr (forge_step_info_get_step_id (step), ==, i == 0 ? "one" : "two");
      g_assert_cmpint (forge_step_info_get_state (step), ==, FORGE_STEP_STATE_COMPLETE);
      g_assert_cmpuint (forge_step_info_get_attempt (step), ==, 1);
      g_assert_cmpint (forge_step_info_get_duration_ms (step), >=, 0);
      g_assert_false (forge_step_info_get_will_retry (step));
      g_assert_null (forge_step_info_get_error_message (step));
    }
  {
    g_autoptr(ForgeStepInfo) second_step = g_list_model_get_item (steps, 1);

    g_assert_true (forge_run_info_lookup_step (info, "two") == second_step);
  }
  g_assert_null (forge_run_info_lookup_step (info, "three"));

  dup = forge_workflow_engine_dup_run_info (fixture->engine, first);
  g_assert_nonnull (dup);
  g_assert_cmpint (forge_run_info_get_status (dup), ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_null (forge_workflow_engine_dup_run_info (fixture->engine, "../../etc/passwd"));
  g_assert_null (forge_workflow_engine_dup_run_info (fixture->engine, "11111111-2222-4333-8444-555555555555"));

  /* Another project's run stays out of this list, not out of the other. */
  other = forge_workflow_engine_send (fixture->engine, "test/flaky", other_event);
  second = forge_workflow_engine_send (fixture->engine, "test/flaky", event);
  fixture_wait (fixture, 3);
  g_assert_cmpuint (g_list_model_get_n_items (runs), ==, 2);
  assert_run_at (runs, 0, second);
  assert_run_at (runs, 1, first);
  g_assert_cmpuint (g_list_model_get_n_items (all), ==, 3);
  assert_run_at (all, 0, second);
  assert_run_at (all, 1, other);
  assert_run_at (all, 2, first);
}

static JsonNode *
step_fail_with_log (ForgeStepContext  *ctx,
                    gpointer           user_data,
                    GError           **error)
{
  JsonObject *data = json_node_get_object (forge_step_context_get_event_data (ctx));

  /* The old way: the tail in the message. The engine splits it. */
  if (json_object_get_boolean_member_with_default (data, "in_message", FALSE))
    g_set_error_literal (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                         "The server exited with status 3.\nnpm ERR! missing script\nnpm ERR! see the log");
  else
    forge_step_context_fail_with_log (ctx, error, "npm ERR! missing script\nnpm ERR! see the log",
                                      FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                                      "The server exited with status %d.", 3);
  return NULL;
}

static JsonNode *
fail_with_log_function (ForgeStepContext  *ctx,
                        JsonNode          *event_data,
                        gpointer           user_data,
                        GError           **error)
{
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;

  if (!(a = forge_step_run (ctx, "one", step_number, GINT_TO_POINTER (1), error)) ||
      !(b = forge_step_run (ctx, "serve", step_fail_with_log, NULL, error)))
    return NULL;

  return json_node_ref (b);
}

static void
on_step_error_message (ForgeWorkflowEngine *engine,
                       const char          *run_id,
                       const char          *step_id,
                       ForgeStepState       state,
                       guint                attempt,
                       gint64               duration_ms,
                       const char          *error_message,
                       char               **message)
{
  if (state == FORGE_STEP_STATE_ERROR)
    {
      g_free (*message);
      *message = g_strdup (error_message);
    }
}

static void
on_finished_error (ForgeWorkflowEngine *engine,
                   const char          *run_id,
                   ForgeRunStatus       status,
                   JsonNode            *output,
                   const char          *error_message,
                   char               **message)
{
  g_free (*message);
  *message = g_strdup (error_message);
}

static void
assert_failed_with_log (ForgeRunInfo *info)
{
  ForgeStepInfo *step;

  g_assert_nonnull (info);
  g_assert_cmpint (forge_run_info_get_status (info), ==, FORGE_RUN_STATUS_FAILED);
  g_assert_cmpstr (forge_run_info_get_error_message (info), ==, "The server exited with status 3.");
  g_assert_cmpstr (forge_run_info_get_error_log_tail (info), ==, "npm ERR! missing script\nnpm ERR! see the log");
  g_assert_cmpint (forge_run_info_get_finished_at (info), >, 0);

  g_assert_cmpuint (g_list_model_get_n_items (forge_run_info_get_steps (info)), ==, 2);
  step = forge_run_info_lookup_step (info, "serve");
  g_assert_nonnull (step);
  g_assert_cmpint (forge_step_info_get_state (step), ==, FORGE_STEP_STATE_ERROR);
  g_assert_false (forge_step_info_get_will_retry (step));
  g_assert_cmpuint (forge_step_info_get_attempt (step), ==, 1);
  g_assert_cmpstr (forge_step_info_get_error_message (step), ==, "The server exited with status 3.");
  g_assert_cmpstr (forge_step_info_get_error_log_tail (step), ==, "npm ERR! missing script\nnpm ERR! see the log");

  step = forge_run_info_lookup_step (info, "one");
  g_assert_nonnull (step);
  g_assert_cmpint (forge_step_info_get_state (step), ==, FORGE_STEP_STATE_COMPLETE);
  g_assert_null (forge_step_info_get_error_log_tail (step));
}

static void
test_error_log_tail_kept_apart (Fixture       *fixture,
                                gconstpointer  data)
{
  gboolean in_message = GPOINTER_TO_INT (data);
  g_autoptr(JsonNode) event = object_with_string ("project_id", "p1");
  g_autoptr(GListModel) runs = NULL;
  g_autoptr(ForgeRunInfo) info = NULL;
  g_autoptr(ForgeRunInfo) listed = NULL;
  g_autoptr(JsonObject) journal = NULL;
  g_autofree char *run_id = NULL;
  g_autofree char *step_message = NULL;
  g_autofree char *run_message = NULL;
  JsonObject *step_error;

  json_object_set_boolean_member (json_node_get_object (event), "in_message", in_message);
  fixture_connect (fixture, forge_workflow_engine_new_for_directory (fixture->dir));
  forge_workflow_engine_register (fixture->engine, "serve", "test/serve", fail_with_log_function, NULL, NULL);
  g_signal_connect (fixture->engine, "step", G_CALLBACK (on_step_error_message), &step_message);
  g_signal_connect (fixture->engine, "run-finished", G_CALLBACK (on_finished_error), &run_message);

  run_id = forge_workflow_engine_send (fixture->engine, "test/serve", event);
  fixture_wait (fixture, 1);

  /* The signals carry one line; the tail is in the run info. */
  g_assert_cmpint (fixture_status (fixture, run_id), ==, FORGE_RUN_STATUS_FAILED);
  g_assert_cmpstr (step_message, ==, "The server exited with status 3.");
  g_assert_cmpstr (run_message, ==, "The server exited with status 3.");
  info = forge_workflow_engine_dup_run_info (fixture->engine, run_id);
  assert_failed_with_log (info);
  g_clear_object (&info);

  /* On disk, the message and its tail sit side by side. */
  journal = read_journal (fixture, run_id);
  g_assert_cmpstr (json_object_get_string_member (journal, "error"), ==, "The server exited with status 3.");
  g_assert_cmpstr (json_object_get_string_member (journal, "error_log_tail"), ==, "npm ERR! missing script\nnpm ERR! see the log");
  step_error = json_object_get_object_member (json_object_get_object_member (json_object_get_object_member (journal, "steps"), "serve"), "error");
  g_assert_cmpstr (json_object_get_string_member (step_error, "message"), ==, "The server exited with status 3.");
  g_assert_cmpstr (json_object_get_string_member (step_error, "log_tail"), ==, "npm ERR! missing script\nnpm ERR! see the log");

  /* A new engine reads it all back from the journal. */
  fixture_connect (fixture, forge_workflow_engine_new_for_directory (fixture->dir));
  info = forge_workflow_engine_dup_run_info (fixture->engine, run_id);
  assert_failed_with_log (info);
  runs = forge_workflow_engine_list_runs (fixture->engine, NULL, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (runs), ==, 1);
  listed = dup_run_at (runs, 0);
  assert_failed_with_log (listed);
}

/* Journals from before the log tail had its own place: "summary\ntail". */
static void
test_old_journal_error_splits (Fixture       *fixture,
                               gconstpointer  data)
{
  const char *run_id = "0b4e7c1a-3a5e-4d7f-9a62-2f1c3d4e5f61";
  gint64 now = g_get_real_time () / 1000;
  g_autofree char *path = g_strdup_printf ("%s/%s.json", fixture->dir, run_id);
  g_autofree char *text = g_strdup_printf (
    "{\"version\": 1, \"run_id\": \"%s\", \"function_id\": \"serve\","
    " \"event\": {\"name\": \"test/serve\", \"id\": \"e\", \"ts\": %" G_GINT64_FORMAT ", \"data\": {\"project_id\": \"p1\"}},"
    " \"status\": \"failed\", \"attempts\": 1, \"stack\": [\"one\"],"
    " \"steps\": {\"one\": {\"status\": \"completed\", \"attempt\": 1, \"started_at\": %" G_GINT64_FORMAT ", \"duration_ms\": 5, \"output\": 1},"
    "             \"serve\": {\"status\": \"failed\", \"attempt\": 1, \"started_at\": %" G_GINT64_FORMAT ", \"duration_ms\": 7,"
    "                       \"error\": {\"domain\": \"forge-workflow-error-quark\", \"code\": 1,"
    "                                   \"message\": \"The server exited with status 3.\\nnpm ERR! missing script\\nnpm ERR! see the log\"}}},"
    " \"error\": \"The server exited with status 3.\\nnpm ERR! missing script\\nnpm ERR! see the log\","
    " \"created_at\": %" G_GINT64_FORMAT ", \"updated_at\": %" G_GINT64_FORMAT "}",
    run_id, now, now, now, now, now);
  g_autoptr(ForgeRunInfo) info = NULL;
  g_autoptr(GListModel) runs = NULL;
  g_autoptr(ForgeRunInfo) listed = NULL;
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);

  fixture_connect (fixture, forge_workflow_engine_new_for_directory (fixture->dir));
  info = forge_workflow_engine_dup_run_info (fixture->engine, run_id);
  assert_failed_with_log (info);
  g_assert_cmpint (forge_step_info_get_duration_ms (forge_run_info_lookup_step (info, "serve")), ==, 7);
  g_assert_cmpint (forge_run_info_get_finished_at (info), ==, now);

  runs = forge_workflow_engine_list_runs (fixture->engine, "project_id", "p1");
  g_assert_cmpuint (g_list_model_get_n_items (runs), ==, 1);
  listed = dup_run_at (runs, 0);
  assert_failed_with_log (listed);
  g_assert_cmpuint (fixture->journal_errors, ==, 0);
}

/* A server printing thousands of lines must not wake the main loop once
 * per line: they arrive in a few batches, in order, long lines cut. */
#define FLOOD_LINES 10000
#define LONG_LINE_BYTES (64 * 1024)

static JsonNode *
step_flood (ForgeStepContext  *ctx,
            gpointer           user_data,
            GError           **error)
{
  g_autofree char *long_line = g_strnfill (LONG_LINE_BYTES, 'x');

  for (guint i = 0; i < FLOOD_LINES; i++)
    {
      char line[32];

      g_snprintf (line, sizeof line, "line %u", i);
      forge_step_context_log (ctx, "server", line);
    }
  /* A multi-byte character straddling the cut must not be split. */
  memcpy (long_line + FORGE_LOG_LINE_MAX - 1, "é", 2);
  forge_step_context_log (ctx, "server", long_line);

  return json_node_new (JSON_NODE_NULL);
}

static JsonNode *
flood_body (ForgeStepContext  *ctx,
            JsonNode          *event_data,
            gpointer           user_data,
            GError           **error)
{
  return forge_step_run (ctx, "flood", step_flood, NULL, error);
}

static void
test_log_flood_is_batched (void)
{
  g_autoptr(ForgeWorkflowEngine) engine = forge_workflow_engine_new ();
  g_autoptr(JsonNode) event = make_event (FALSE);
  g_autofree char *run_id = NULL;
  const char *long_line;
  guint n_lines = 0;
  guint n_batches;
  Recorder recorder;

  recorder_init (&recorder, 1);
  forge_workflow_engine_register (engine, "flood", "test/flood", flood_body, NULL, NULL);
  g_signal_connect (engine, "log", G_CALLBACK (on_log), &recorder);
  g_signal_connect (engine, "step", G_CALLBACK (on_step), &recorder);
  g_signal_connect (engine, "run-finished", G_CALLBACK (on_finished), &recorder);

  run_id = forge_workflow_engine_send (engine, "test/flood", event);
  g_assert_nonnull (run_id);
  run_until_finished (&recorder);
  g_assert_cmpint (recorder.status, ==, FORGE_RUN_STATUS_COMPLETED);

  /* Every line, in order, between the step's start and its end. */
  g_assert_cmpstr (g_ptr_array_index (recorder.events, 0), ==, "flood:start");
  for (guint i = 0; i < recorder.events->len; i++)
    {
      const char *entry = g_ptr_array_index (recorder.events, i);

      if (!g_str_has_prefix (entry, "log:server:line "))
        continue;
      {
        g_autofree char *expected = g_strdup_printf ("log:server:line %u", n_lines);
        g_assert_cmpstr (entry, ==, expected);
      }
      g_assert_cmpuint (i, ==, n_lines + 1);
      n_lines++;
    }
  g_assert_cmpuint (n_lines, ==, FLOOD_LINES);
  g_assert_cmpuint (recorder.events->len, ==, FLOOD_LINES + 3);
  g_assert_cmpstr (g_ptr_array_index (recorder.events, recorder.events->len - 1), ==, "flood:complete");

  /* The 64 KiB line, cut before the character that would cross 4 KiB. */
  long_line = g_ptr_array_index (recorder.events, FLOOD_LINES + 1);
  g_assert_true (g_str_has_prefix (long_line, "log:server:"));
  long_line += strlen ("log:server:");
  g_assert_cmpuint (strlen (long_line), <=, FORGE_LOG_LINE_MAX + strlen ("…"));
  g_assert_true (g_str_has_suffix (long_line, "…"));
  g_assert_true (g_utf8_validate (long_line, -1, NULL));
  {
    g_autofree char *xs = g_strnfill (FORGE_LOG_LINE_MAX - 1, 'x');
    g_autofree char *expected = g_strconcat (xs, "…", NULL);
    g_assert_cmpstr (long_line, ==, expected);
  }

  /* Far fewer main loop dispatches than lines. */
  n_batches = _forge_workflow_engine_get_n_event_batches (engine);
  g_test_message ("%u lines arrived in %u batches", FLOOD_LINES + 1, n_batches);
  g_assert_cmpuint (n_batches, >=, 1);
  g_assert_cmpuint (n_batches, <, FLOOD_LINES / 100);

  recorder_clear (&recorder);
}

/* Progress reports from a command's output: a flood reaches the main
 * loop thinned out, the latest one always, and a report the step makes
 * just after another arrives while the step still runs. */
#define PROGRESS_FLOOD 1000

typedef struct
{
  GMutex     mutex;
  GCond      cond;
  gboolean   second_seen;
  GPtrArray *events;
} ProgressFlood;

static void
on_progress (ForgeWorkflowEngine *engine,
             const char          *run_id,
             const char          *step_id,
             double               fraction,
             const char          *text,
             ProgressFlood       *flood)
{
  g_ptr_array_add (flood->events, g_strdup_printf ("progress:%s:%s:%.2f", step_id, text, fraction));

  g_mutex_lock (&flood->mutex);
  if (g_str_equal (text, "second"))
    flood->second_seen = TRUE;
  g_cond_broadcast (&flood->cond);
  g_mutex_unlock (&flood->mutex);
}

static void
on_progress_step (ForgeWorkflowEngine *engine,
                  const char          *run_id,
                  const char          *step_id,
                  ForgeStepState       state,
                  guint                attempt,
                  gint64               duration_ms,
                  const char          *error_message,
                  ProgressFlood       *flood)
{
  g_ptr_array_add (flood->events, g_strdup_printf ("%s:%s", step_id, forge_step_state_to_string (state)));
}

static JsonNode *
step_progress_flood (ForgeStepContext  *ctx,
                     gpointer           user_data,
                     GError           **error)
{
  ProgressFlood *flood = user_data;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  gboolean seen;

  forge_step_context_progress_latest (ctx, -1, "first");
  forge_step_context_progress_latest (ctx, 0.5, "second");

  /* Nothing more comes: only the timer can deliver "second" now. */
  g_mutex_lock (&flood->mutex);
  while (!flood->second_seen)
    if (!g_cond_wait_until (&flood->cond, &flood->mutex, deadline))
      break;
  seen = flood->second_seen;
  g_mutex_unlock (&flood->mutex);
  if (!seen)
    {
      g_set_error_literal (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                           "the pending report never arrived while the step ran");
      return NULL;
    }

  for (guint i = 0; i < PROGRESS_FLOOD; i++)
    {
      char text[32];

      g_snprintf (text, sizeof text, "n %u", i);
      forge_step_context_progress_latest (ctx, (double) i / PROGRESS_FLOOD, text);
    }

  return json_node_new (JSON_NODE_NULL);
}

static JsonNode *
progress_flood_body (ForgeStepContext  *ctx,
                     JsonNode          *event_data,
                     gpointer           user_data,
                     GError           **error)
{
  g_autoptr(JsonNode) output = forge_step_run (ctx, "install", step_progress_flood, user_data, error);

  /* After its step: dropped, it would be shown under no step. */
  forge_step_context_progress_latest (ctx, -1, "late");
  return output != NULL ? json_node_new (JSON_NODE_NULL) : NULL;
}

static void
test_progress_flood_is_thinned (void)
{
  g_autoptr(ForgeWorkflowEngine) engine = forge_workflow_engine_new ();
  g_autoptr(JsonNode) event = make_event (FALSE);
  g_autofree char *run_id = NULL;
  ProgressFlood flood = { 0 };
  Recorder recorder;
  guint n_progress;
  g_autofree char *last_expected = g_strdup_printf ("progress:install:n %u:%.2f",
                                                    PROGRESS_FLOOD - 1, (double) (PROGRESS_FLOOD - 1) / PROGRESS_FLOOD);

  g_mutex_init (&flood.mutex);
  g_cond_init (&flood.cond);
  flood.events = g_ptr_array_new_with_free_func (g_free);
  recorder_init (&recorder, 1);
  forge_workflow_engine_register (engine, "progress", "test/progress", progress_flood_body, &flood, NULL);
  g_signal_connect (engine, "progress", G_CALLBACK (on_progress), &flood);
  g_signal_connect (engine, "step", G_CALLBACK (on_progress_step), &flood);
  g_signal_connect (engine, "run-finished", G_CALLBACK (on_finished), &recorder);

  run_id = forge_workflow_engine_send (engine, "test/progress", event);
  g_assert_nonnull (run_id);
  run_until_finished (&recorder);
  g_assert_cmpstr (recorder.error, ==, NULL);
  g_assert_cmpint (recorder.status, ==, FORGE_RUN_STATUS_COMPLETED);

  g_assert_cmpstr (g_ptr_array_index (flood.events, 0), ==, "install:start");
  g_assert_cmpstr (g_ptr_array_index (flood.events, 1), ==, "progress:install:first:-1.00");
  g_assert_cmpstr (g_ptr_array_index (flood.events, 2), ==, "progress:install:second:0.50");
  /* The latest report, just before the step's end; nothing after it. */
  g_assert_cmpstr (g_ptr_array_index (flood.events, flood.events->len - 2), ==, last_expected);
  g_assert_cmpstr (g_ptr_array_index (flood.events, flood.events->len - 1), ==, "install:complete");

  n_progress = flood.events->len - 2;
  g_test_message ("%u reports reached the main loop as %u", PROGRESS_FLOOD + 2, n_progress);
  g_assert_cmpuint (n_progress, <, PROGRESS_FLOOD / 2);

  g_ptr_array_unref (flood.events);
  g_cond_clear (&flood.cond);
  g_mutex_clear (&flood.mutex);
  recorder_clear (&recorder);
}

static gpointer
manager_flood_thread (gpointer data)
{
  ForgeSandboxManager *manager = data;
  g_autofree char *long_line = g_strnfill (LONG_LINE_BYTES, 'y');

  for (guint i = 0; i < FLOOD_LINES; i++)
    {
      char line[32];

      g_snprintf (line, sizeof line, "line %u", i);
      forge_sandbox_manager_log (manager, "p", "server", line);
    }
  forge_sandbox_manager_log (manager, "p", "server", long_line);

  return NULL;
}

static void
on_server_log (ForgeSandboxManager *manager,
               const char          *project_id,
               const char          *stream,
               const char          *line,
               GPtrArray           *lines)
{
  g_ptr_array_add (lines, g_strdup (line));
}

/* The same for what a running server prints through the manager. */
static void
test_server_log_flood (void)
{
  g_autoptr(ForgeSandboxManager) manager = forge_sandbox_manager_new ();
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  guint timeout = g_timeout_add_seconds (20, fail_on_timeout, NULL);
  GThread *thread;
  const char *last;

  g_signal_connect (manager, "server-log", G_CALLBACK (on_server_log), lines);
  thread = g_thread_new ("flood", manager_flood_thread, manager);
  while (lines->len < FLOOD_LINES + 1)
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  g_source_remove (timeout);

  for (guint i = 0; i < FLOOD_LINES; i++)
    {
      g_autofree char *expected = g_strdup_printf ("line %u", i);
      g_assert_cmpstr (g_ptr_array_index (lines, i), ==, expected);
    }
  last = g_ptr_array_index (lines, FLOOD_LINES);
  g_assert_cmpuint (strlen (last), ==, FORGE_LOG_LINE_MAX + strlen ("…"));
  g_assert_true (g_str_has_suffix (last, "…"));
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
  g_test_add_func ("/forge/workflow/log-flood-is-batched", test_log_flood_is_batched);
  g_test_add_func ("/forge/workflow/server-log-flood", test_server_log_flood);
  g_test_add_func ("/forge/workflow/progress-flood-is-thinned", test_progress_flood_is_thinned);
  g_test_add_func ("/forge/workflow/failing-step-stops-run", test_failing_step_stops_run);
  g_test_add_func ("/forge/workflow/cancel", test_cancel);
#define ADD(path, func) g_test_add ("/forge/workflow/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("memoized-retry", test_memoized_retry);
  ADD ("retry-count-and-backoff", test_retry_count_and_backoff);
  ADD ("non-retriable-stops-at-once", test_non_retriable_stops_at_once);
  ADD ("body-failure-retried", test_body_failure_retried);
  ADD ("backoff-frees-slot-and-cancels", test_backoff_frees_slot_and_cancels);
  ADD ("concurrency-limit", test_concurrency_limit);
  ADD ("resume-after-kill", test_resume_after_kill);
  ADD ("cancel-on-event", test_cancel_on_event);
  ADD ("corrupt-journals-skipped", test_corrupt_journals_skipped);
  ADD ("retry-failed-run", test_retry_failed_run);
  ADD ("prune-old-runs", test_prune_old_runs);
  ADD ("run-list-is-live", test_run_list_is_live);
  ADD ("old-journal-error-splits", test_old_journal_error_splits);
#undef ADD
  g_test_add ("/forge/workflow/error-log-tail-kept-apart", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_error_log_tail_kept_apart, fixture_tear_down);
  g_test_add ("/forge/workflow/error-log-tail-split-from-message", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_error_log_tail_kept_apart, fixture_tear_down);

  ret = g_test_run ();

  g_assert_true (forge_remove_tree (state_home, NULL));
  return ret;
}
