/* forge-test-harness.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "e2e-util.h"
#include "forge-test-harness.h"
#include "forge-util.h"

static void
on_step (ForgeWorkflowEngine *engine,
         const char          *run_id,
         const char          *step_id,
         ForgeStepState       state,
         guint                attempt,
         gint64               duration_ms,
         const char          *error_message,
         ForgeTestHarness    *harness)
{
  if (g_strcmp0 (run_id, harness->run_id) == 0)
    g_ptr_array_add (harness->steps, g_strdup_printf ("%s:%s", step_id, forge_step_state_to_string (state)));
}

static void
on_log (ForgeWorkflowEngine *engine,
        const char          *run_id,
        const char          *stream,
        const char          *line,
        ForgeTestHarness    *harness)
{
  if (g_strcmp0 (run_id, harness->run_id) == 0)
    g_ptr_array_add (harness->logs, g_strdup_printf ("%s: %s", stream, line));
}

static void
on_finished (ForgeWorkflowEngine *engine,
             const char          *run_id,
             ForgeRunStatus       status,
             JsonNode            *output,
             const char          *error_message,
             ForgeTestHarness    *harness)
{
  if (g_strcmp0 (run_id, harness->run_id) != 0)
    return;

  harness->status = status;
  g_free (harness->error);
  harness->error = g_strdup (error_message);
  g_clear_pointer (&harness->output, json_node_unref);
  harness->output = output ? json_node_copy (output) : NULL;
  g_main_loop_quit (harness->loop);
}

static void
on_state (ForgeSandboxManager *manager,
          const char          *project_id,
          ForgeSandboxState    state,
          const char          *url,
          gint64               restart_ms,
          ForgeTestHarness    *harness)
{
  g_array_append_val (harness->states, state);
  if (state == FORGE_SANDBOX_STATE_RESTORED)
    {
      g_free (harness->restored_url);
      harness->restored_url = g_strdup (url);
      harness->restart_ms = restart_ms;
    }
}

void
forge_test_harness_set_up (ForgeTestHarness *harness,
                           gconstpointer     data)
{
  harness->root = g_dir_make_tmp ("forge-test-XXXXXX", NULL);
  g_assert_nonnull (harness->root);
  forge_test_isolate_xdg (harness->root);

  harness->loop = g_main_loop_new (NULL, FALSE);
  harness->context = forge_context_new (NULL, NULL);
  harness->store = forge_context_get_store (harness->context);
  harness->manager = forge_context_get_manager (harness->context);
  harness->engine = forge_context_get_engine (harness->context);
  harness->workflow = forge_context_get_workflow (harness->context);
  harness->providers = forge_context_get_providers (harness->context);
  harness->fake = forge_fake_provider_new ();
  forge_sandbox_providers_add (harness->providers, FORGE_SANDBOX_PROVIDER (harness->fake));

  harness->steps = g_ptr_array_new_with_free_func (g_free);
  harness->logs = g_ptr_array_new_with_free_func (g_free);
  harness->states = g_array_new (FALSE, FALSE, sizeof (ForgeSandboxState));

  g_signal_connect (harness->engine, "step", G_CALLBACK (on_step), harness);
  g_signal_connect (harness->engine, "log", G_CALLBACK (on_log), harness);
  g_signal_connect (harness->engine, "run-finished", G_CALLBACK (on_finished), harness);
  g_signal_connect (harness->manager, "sandbox-state", G_CALLBACK (on_state), harness);
}

void
forge_test_harness_tear_down (ForgeTestHarness *harness,
                              gconstpointer     data)
{
  forge_sandbox_manager_stop_all (harness->manager);
  /* Restart runs may still be winding down, and start a sandbox as they go. */
  while (forge_workflow_engine_get_n_active (harness->engine) > 0)
    g_main_context_iteration (NULL, TRUE);
  forge_sandbox_manager_stop_all (harness->manager);

  /* Every sandbox process names the workspace under root on its command
   * line or runs in it: none may survive. */
  g_assert_true (forge_test_wait_no_processes (harness->root, 5000));

  forge_test_harness_reset_run (harness);
  g_signal_handlers_disconnect_by_data (harness->engine, harness);
  g_signal_handlers_disconnect_by_data (harness->manager, harness);
  g_clear_object (&harness->context);
  g_clear_object (&harness->fake);
  g_clear_pointer (&harness->loop, g_main_loop_unref);
  g_clear_pointer (&harness->steps, g_ptr_array_unref);
  g_clear_pointer (&harness->logs, g_ptr_array_unref);
  g_clear_pointer (&harness->states, g_array_unref);
  g_clear_pointer (&harness->restored_url, g_free);
  forge_remove_tree (harness->root, NULL);
  g_clear_pointer (&harness->root, g_free);
}

void
forge_test_harness_reset_run (ForgeTestHarness *harness)
{
  g_clear_pointer (&harness->run_id, g_free);
  harness->status = FORGE_RUN_STATUS_QUEUED;
  g_clear_pointer (&harness->error, g_free);
  g_clear_pointer (&harness->output, json_node_unref);
  g_ptr_array_set_size (harness->steps, 0);
  g_ptr_array_set_size (harness->logs, 0);
}

static gboolean
fail_on_timeout (gpointer user_data)
{
  g_error ("Timed out waiting for the clone-and-preview run of %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

char *
forge_test_harness_run (ForgeTestHarness *harness,
                        const char       *url,
                        const char       *backend,
                        guint             timeout_seconds)
{
  g_autoptr(GError) error = NULL;
  char *project_id = NULL;
  guint timeout;

  forge_test_harness_reset_run (harness);
  harness->run_id = forge_clone_and_preview_start (harness->engine, harness->store, url, backend,
                                                   &project_id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (harness->run_id);

  timeout = g_timeout_add_seconds (timeout_seconds, fail_on_timeout, (gpointer) url);
  g_main_loop_run (harness->loop);
  g_source_remove (timeout);

  return project_id;
}

const char *
forge_test_harness_output_string (ForgeTestHarness *harness,
                                  const char       *member)
{
  g_assert_nonnull (harness->output);
  return json_object_get_string_member_with_default (json_node_get_object (harness->output), member, NULL);
}

gboolean
forge_test_harness_logs_contain (ForgeTestHarness *harness,
                                 const char       *text)
{
  for (guint i = 0; i < harness->logs->len; i++)
    if (strstr (g_ptr_array_index (harness->logs, i), text) != NULL)
      return TRUE;
  return FALSE;
}

guint
forge_test_harness_count_state (ForgeTestHarness  *harness,
                                ForgeSandboxState  state)
{
  guint count = 0;

  for (guint i = 0; i < harness->states->len; i++)
    if (g_array_index (harness->states, ForgeSandboxState, i) == state)
      count++;
  return count;
}

void
forge_test_harness_wait_for_state (ForgeTestHarness  *harness,
                                   ForgeSandboxState  state,
                                   guint              seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (forge_test_harness_count_state (harness, state) == 0)
    {
      if (g_get_monotonic_time () > deadline)
        {
          for (guint i = 0; i < harness->states->len; i++)
            g_test_message ("state: %s",
                            forge_sandbox_state_to_string (g_array_index (harness->states, ForgeSandboxState, i)));
          g_error ("No “%s” within %u s", forge_sandbox_state_to_string (state), seconds);
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

void
forge_test_harness_run_for (guint milliseconds)
{
  gint64 until = g_get_monotonic_time () + (gint64) milliseconds * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}
