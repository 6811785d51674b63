/* fuzz-run-journal.c
 *
 * A run journal as the engine reads it back after a crash: the input is
 * the file. A journal that loads can be asked anything the engine and
 * the Runs view ask (its steps, their stored outputs and errors, the
 * framework the detect step stored, the event's ref), changed as a run
 * changes it, saved, and loaded again; one that does not load fails with
 * an error. Never a critical or a crash.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "forge-framework.h"
#include "forge-repo-spec.h"
#include "forge-run-journal.h"
#include "forge-step-info.h"
#include "fuzz-common.h"

static char *runs_dir;
static char *journal_path;

static void
check_step (ForgeRunJournal *journal,
            const char      *step_id)
{
  g_autoptr(JsonNode) output = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log_tail = NULL;
  guint attempt = 0;
  gint64 duration_ms = 0;

  forge_run_journal_get_step_failures (journal, step_id);
  if (!forge_run_journal_lookup_step (journal, step_id, &output, &error, &log_tail, &attempt, &duration_ms))
    return;

  g_assert ((output != NULL) != (error != NULL));
  if (error != NULL)
    g_assert (error->message != NULL);

  /* The clone-and-preview workflow reads its detect step's output back
   * as a framework; any stored output may be one. */
  if (output != NULL && JSON_NODE_HOLDS_OBJECT (output))
    {
      g_autoptr(GError) framework_error = NULL;
      g_autoptr(ForgeFramework) framework = forge_framework_new_from_json (output, &framework_error);

      if (framework != NULL)
        {
          g_auto(GStrv) dev = forge_framework_dup_dev_argv (framework, "127.0.0.1", 4000);
          g_auto(GStrv) install = forge_framework_dup_install_argv (framework);
          g_auto(GStrv) env = forge_framework_dup_dev_env (framework, "127.0.0.1", 4000);

          g_assert (dev != NULL && dev[0] != NULL);
          g_assert (forge_framework_needs_install (framework) == (install != NULL));
          g_assert (env != NULL && env[0] != NULL);
        }
      else
        g_assert (framework_error != NULL);
    }
}

static void
check_info (ForgeRunInfo *info)
{
  GListModel *steps = forge_run_info_get_steps (info);
  JsonNode *data = forge_run_info_get_event_data (info);

  g_assert (forge_run_info_get_run_id (info) != NULL);
  forge_run_info_get_error_message (info);
  forge_run_info_get_error_log_tail (info);

  for (guint i = 0; i < g_list_model_get_n_items (steps); i++)
    {
      g_autoptr(ForgeStepInfo) step = g_list_model_get_item (steps, i);

      g_assert (forge_step_info_get_step_id (step) != NULL);
      if (forge_step_info_get_state (step) == FORGE_STEP_STATE_ERROR)
        g_assert (forge_step_info_get_error_message (step) != NULL);
      g_assert (forge_run_info_lookup_step (info, forge_step_info_get_step_id (step)) != NULL);
    }

  /* What the workflow reads of its event before anything else. */
  if (data != NULL && JSON_NODE_HOLDS_OBJECT (data))
    {
      JsonNode *ref = json_object_get_member (json_node_get_object (data), "git_ref");

      if (ref != NULL && JSON_NODE_HOLDS_VALUE (ref) && json_node_get_value_type (ref) == G_TYPE_STRING)
        forge_git_ref_is_valid (json_node_get_string (ref));
    }
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(ForgeRunJournal) journal = NULL;
  g_autoptr(ForgeRunJournal) again = NULL;
  g_autoptr(ForgeRunInfo) info = NULL;
  g_autoptr(ForgeRunInfo) info_again = NULL;
  g_autoptr(JsonNode) event_data = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) step_error = NULL;
  GListModel *steps;
  guint n_steps;
  const char *scratch = fuzz_setup ();

  if (runs_dir == NULL)
    {
      runs_dir = g_build_filename (scratch, "runs", NULL);
      journal_path = g_build_filename (runs_dir, "3f2b8c1e-8d7a-4c53-9e0f-1a2b3c4d5e6f.json", NULL);
    }
  if (!fuzz_json_single_value ((const char *) data, size))
    return 0;

  fuzz_empty_dir (runs_dir);
  fuzz_write_file (journal_path, data, size);

  journal = forge_run_journal_load (journal_path, &error);
  if (journal == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }

  g_assert (forge_run_journal_get_run_id (journal) != NULL);
  g_assert (forge_run_journal_get_function_id (journal) != NULL);
  forge_run_journal_get_status (journal);
  forge_run_journal_get_created_at (journal);
  forge_run_journal_get_updated_at (journal);
  forge_run_journal_get_attempts (journal);
  event_data = forge_run_journal_dup_event_data (journal);

  info = forge_run_journal_dup_info (journal);
  check_info (info);
  steps = forge_run_info_get_steps (info);
  n_steps = g_list_model_get_n_items (steps);
  for (guint i = 0; i < n_steps; i++)
    {
      g_autoptr(ForgeStepInfo) step = g_list_model_get_item (steps, i);

      check_step (journal, forge_step_info_get_step_id (step));
    }
  check_step (journal, "detect-framework");

  /* A resumed run goes on writing to it: it must still save, and load. */
  forge_run_journal_add_attempt (journal);
  forge_run_journal_set_status (journal, FORGE_RUN_STATUS_RUNNING);
  forge_run_journal_clear_failures (journal);
  step_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "fuzz");
  forge_run_journal_fail_step (journal, "fuzz-failed", 1, 0, 1, step_error, "tail", TRUE);
  forge_run_journal_complete_step (journal, "fuzz-completed", 1, 0, 1, event_data);
  forge_run_journal_set_result (journal, NULL, "failed", NULL);
  if (!forge_run_journal_save (journal, &error))
    g_error ("Cannot save a loaded journal: %s", error->message);

  again = forge_run_journal_load (journal_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_run_journal_get_run_id (again), ==, forge_run_journal_get_run_id (journal));
  info_again = forge_run_journal_dup_info (again);
  check_info (info_again);

  return 0;
}
