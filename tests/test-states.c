/* test-states.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "forge-clone-and-preview.h"
#include "forge-run-journal.h"
#include "forge-run-status.h"
#include "forge-sandbox-state.h"
#include "forge-step-state.h"
#include "forge-util.h"

/* The strings are a contract: journals on disk and the headless JSON
 * output use them. They are written out here, not derived, so that a
 * change to them fails this test. */

static void
test_run_status (void)
{
  static const struct { ForgeRunStatus status; const char *string; } cases[] = {
    { FORGE_RUN_STATUS_QUEUED, "queued" },
    { FORGE_RUN_STATUS_RUNNING, "running" },
    { FORGE_RUN_STATUS_COMPLETED, "completed" },
    { FORGE_RUN_STATUS_FAILED, "failed" },
    { FORGE_RUN_STATUS_CANCELLED, "cancelled" },
  };
  static const char *unknown[] = { NULL, "", "Completed", "complete", "done", "queued ", "gave-up" };
  g_autoptr(GEnumClass) klass = g_type_class_ref (FORGE_TYPE_RUN_STATUS);
  ForgeRunStatus status;

  g_assert_true (G_TYPE_IS_ENUM (FORGE_TYPE_RUN_STATUS));
  g_assert_cmpstr (g_type_name (FORGE_TYPE_RUN_STATUS), ==, "ForgeRunStatus");
  g_assert_cmpuint (klass->n_values, ==, G_N_ELEMENTS (cases));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_cmpstr (forge_run_status_to_string (cases[i].status), ==, cases[i].string);
      status = -1;
      g_assert_true (forge_run_status_from_string (cases[i].string, &status));
      g_assert_cmpint (status, ==, cases[i].status);
      /* GValue and GSettings users see the same words. */
      g_assert_cmpstr (g_enum_get_value (klass, cases[i].status)->value_nick, ==, cases[i].string);
    }

  for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      status = FORGE_RUN_STATUS_COMPLETED;
      g_assert_false (forge_run_status_from_string (unknown[i], &status));
      g_assert_cmpint (status, ==, FORGE_RUN_STATUS_FAILED);
    }

  g_assert_false (forge_run_status_is_finished (FORGE_RUN_STATUS_QUEUED));
  g_assert_false (forge_run_status_is_finished (FORGE_RUN_STATUS_RUNNING));
  g_assert_true (forge_run_status_is_finished (FORGE_RUN_STATUS_COMPLETED));
  g_assert_true (forge_run_status_is_finished (FORGE_RUN_STATUS_FAILED));
  g_assert_true (forge_run_status_is_finished (FORGE_RUN_STATUS_CANCELLED));
}

static void
test_step_state (void)
{
  static const struct { ForgeStepState state; const char *string; } cases[] = {
    { FORGE_STEP_STATE_START, "start" },
    { FORGE_STEP_STATE_COMPLETE, "complete" },
    { FORGE_STEP_STATE_ERROR, "error" },
    { FORGE_STEP_STATE_MEMOIZED, "memoized" },
  };
  static const char *unknown[] = { NULL, "", "Start", "completed", "failed", "retrying" };
  g_autoptr(GEnumClass) klass = g_type_class_ref (FORGE_TYPE_STEP_STATE);
  ForgeStepState state;

  g_assert_true (G_TYPE_IS_ENUM (FORGE_TYPE_STEP_STATE));
  g_assert_cmpstr (g_type_name (FORGE_TYPE_STEP_STATE), ==, "ForgeStepState");
  g_assert_cmpuint (klass->n_values, ==, G_N_ELEMENTS (cases));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_cmpstr (forge_step_state_to_string (cases[i].state), ==, cases[i].string);
      state = -1;
      g_assert_true (forge_step_state_from_string (cases[i].string, &state));
      g_assert_cmpint (state, ==, cases[i].state);
      g_assert_cmpstr (g_enum_get_value (klass, cases[i].state)->value_nick, ==, cases[i].string);
    }

  for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      state = FORGE_STEP_STATE_COMPLETE;
      g_assert_false (forge_step_state_from_string (unknown[i], &state));
      g_assert_cmpint (state, ==, FORGE_STEP_STATE_ERROR);
    }
}

static void
test_sandbox_state (void)
{
  static const struct { ForgeSandboxState state; const char *string; } cases[] = {
    { FORGE_SANDBOX_STATE_ALIVE, "alive" },
    { FORGE_SANDBOX_STATE_EXPIRED, "expired" },
    { FORGE_SANDBOX_STATE_DIED, "died" },
    { FORGE_SANDBOX_STATE_RESTARTING, "restarting" },
    { FORGE_SANDBOX_STATE_RESTORED, "restored" },
    { FORGE_SANDBOX_STATE_GAVE_UP, "gave-up" },
  };
  /* "idle" and "stopped" are forge_sandbox_manager_get_state() words,
   * never a sandbox-state. */
  static const char *unknown[] = { NULL, "", "gave_up", "Alive", "idle", "stopped" };
  g_autoptr(GEnumClass) klass = g_type_class_ref (FORGE_TYPE_SANDBOX_STATE);
  ForgeSandboxState state;

  g_assert_true (G_TYPE_IS_ENUM (FORGE_TYPE_SANDBOX_STATE));
  g_assert_cmpstr (g_type_name (FORGE_TYPE_SANDBOX_STATE), ==, "ForgeSandboxState");
  g_assert_cmpuint (klass->n_values, ==, G_N_ELEMENTS (cases));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_cmpstr (forge_sandbox_state_to_string (cases[i].state), ==, cases[i].string);
      state = -1;
      g_assert_true (forge_sandbox_state_from_string (cases[i].string, &state));
      g_assert_cmpint (state, ==, cases[i].state);
      g_assert_cmpstr (g_enum_get_value (klass, cases[i].state)->value_nick, ==, cases[i].string);
    }

  for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      state = FORGE_SANDBOX_STATE_ALIVE;
      g_assert_false (forge_sandbox_state_from_string (unknown[i], &state));
      g_assert_cmpint (state, ==, FORGE_SANDBOX_STATE_DIED);
    }
}

/* The signals are declared with the enum types, so that a handler taking
 * a string fails loudly instead of reading an integer as a pointer. */
static void
test_signal_types (void)
{
  g_autoptr(GTypeClass) engine_class = g_type_class_ref (FORGE_TYPE_WORKFLOW_ENGINE);
  g_autoptr(GTypeClass) manager_class = g_type_class_ref (FORGE_TYPE_SANDBOX_MANAGER);
  GSignalQuery query;

  g_signal_query (g_signal_lookup ("step", FORGE_TYPE_WORKFLOW_ENGINE), &query);
  g_assert_cmpuint (query.n_params, ==, 6);
  g_assert_true (query.param_types[2] == FORGE_TYPE_STEP_STATE);

  g_signal_query (g_signal_lookup ("run-status", FORGE_TYPE_WORKFLOW_ENGINE), &query);
  g_assert_cmpuint (query.n_params, ==, 2);
  g_assert_true (query.param_types[1] == FORGE_TYPE_RUN_STATUS);

  g_signal_query (g_signal_lookup ("run-finished", FORGE_TYPE_WORKFLOW_ENGINE), &query);
  g_assert_cmpuint (query.n_params, ==, 4);
  g_assert_true (query.param_types[1] == FORGE_TYPE_RUN_STATUS);

  g_signal_query (g_signal_lookup ("sandbox-state", FORGE_TYPE_SANDBOX_MANAGER), &query);
  g_assert_cmpuint (query.n_params, ==, 4);
  g_assert_true (query.param_types[1] == FORGE_TYPE_SANDBOX_STATE);
}

/* A journal written before the enums existed: strings on disk, read
 * back as the enum, and written back as the same strings. */
static void
test_journal_keeps_strings (void)
{
  static const char *statuses[] = { "queued", "running", "completed", "failed", "cancelled" };
  g_autofree char *dir = g_dir_make_tmp ("forge-states-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "0b6e8f4c-61a2-4b83-9a5e-2f1d7c3e9a10.json", NULL);

  g_assert_nonnull (dir);

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autofree char *old = g_strdup_printf (
        "{\"version\":1,\"run_id\":\"0b6e8f4c-61a2-4b83-9a5e-2f1d7c3e9a10\","
        "\"function_id\":\"clone-and-preview-repository\","
        "\"event\":{\"name\":\"github/clone-and-preview\",\"id\":\"e\",\"ts\":1,\"data\":null},"
        "\"status\":\"%s\",\"attempts\":1,\"stack\":[\"clone-repository\"],"
        "\"steps\":{\"clone-repository\":{\"status\":\"completed\",\"attempt\":1,\"output\":null}},"
        "\"created_at\":1,\"updated_at\":1}", statuses[i]);
      g_autoptr(ForgeRunJournal) journal = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      ForgeRunStatus status;

      g_assert_true (g_file_set_contents (path, old, -1, &error));
      g_assert_no_error (error);
      journal = forge_run_journal_load (path, &error);
      g_assert_no_error (error);
      g_assert_nonnull (journal);

      g_assert_true (forge_run_status_from_string (statuses[i], &status));
      g_assert_cmpint (forge_run_journal_get_status (journal), ==, status);

      forge_run_journal_set_status (journal, FORGE_RUN_STATUS_CANCELLED);
      g_assert_true (forge_run_journal_save (journal, &error));
      g_assert_no_error (error);
      g_assert_true (json_parser_load_from_file (parser, path, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "status"),
                       ==, "cancelled");
    }

  /* A status no version wrote is not a journal. */
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(JsonGenerator) generator = json_generator_new ();
    g_autoptr(GError) error = NULL;
    g_autoptr(ForgeRunJournal) journal = NULL;

    g_assert_true (json_parser_load_from_file (parser, path, &error));
    json_object_set_string_member (json_node_get_object (json_parser_get_root (parser)), "status", "exploded");
    json_generator_set_root (generator, json_parser_get_root (parser));
    g_assert_true (json_generator_to_file (generator, path, &error));
    g_assert_no_error (error);
    journal = forge_run_journal_load (path, &error);
    g_assert_null (journal);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  }

  g_assert_true (forge_remove_tree (dir, NULL));
}

/* A stacked step whose status this version does not know (another
 * version's, or a damaged one) is forgotten by a retry as a failed one
 * is; the journal saved after that must load again (found by fuzzing:
 * the stack still named the step, and the run was lost). */
static void
test_journal_retry_of_unknown_status (void)
{
  g_autofree char *dir = g_dir_make_tmp ("forge-states-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "0b6e8f4c-61a2-4b83-9a5e-2f1d7c3e9a10.json", NULL);
  const char *old =
    "{\"version\":1,\"run_id\":\"0b6e8f4c-61a2-4b83-9a5e-2f1d7c3e9a10\","
    "\"function_id\":\"clone-and-preview-repository\","
    "\"event\":{\"name\":\"github/clone-and-preview\",\"id\":\"e\",\"ts\":1,\"data\":null},"
    "\"status\":\"failed\",\"attempts\":1,\"stack\":[\"clone-repository\",\"detect-framework\"],"
    "\"steps\":{\"clone-repository\":{\"status\":\"completed\",\"attempt\":1,\"output\":null},"
    "\"detect-framework\":{\"status\":\"skipped\",\"attempt\":1,\"output\":null}},"
    "\"created_at\":1,\"updated_at\":1}";
  g_autoptr(ForgeRunJournal) journal = NULL;
  g_autoptr(ForgeRunJournal) reloaded = NULL;
  g_autoptr(JsonNode) output = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, old, -1, &error));
  journal = forge_run_journal_load (path, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (forge_run_journal_clear_failures (journal), ==, 1);
  g_assert_true (forge_run_journal_save (journal, &error));
  g_assert_no_error (error);

  reloaded = forge_run_journal_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reloaded);
  g_assert_true (forge_run_journal_lookup_step (reloaded, "clone-repository", &output, NULL, NULL, NULL, NULL));
  g_clear_pointer (&output, json_node_unref);
  g_assert_false (forge_run_journal_lookup_step (reloaded, "detect-framework", &output, NULL, NULL, NULL, NULL));

  g_assert_true (forge_remove_tree (dir, NULL));
}

/* Members of the wrong type where a string or a number belongs:
 * json-glib's getters were critical about them as the journal was loaded
 * and read (found by fuzzing). They read as missing. */
static void
test_journal_damaged_members (void)
{
  g_autofree char *dir = g_dir_make_tmp ("forge-states-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "0b6e8f4c-61a2-4b83-9a5e-2f1d7c3e9a10.json", NULL);
  const char *damaged =
    "{\"version\":1,\"run_id\":\"0b6e8f4c-61a2-4b83-9a5e-2f1d7c3e9a10\","
    "\"function_id\":\"clone-and-preview-repository\","
    "\"event\":{\"name\":\"github/clone-and-preview\",\"id\":\"e\",\"ts\":1,\"data\":null},"
    "\"status\":\"failed\",\"attempts\":1,\"stack\":[],"
    "\"error\":\"summary\\ntail\",\"error_log_tail\":{},"
    "\"steps\":{\"install-dependencies\":{\"status\":\"failed\",\"attempt\":2,\"duration_ms\":[],"
    "\"error\":{\"domain\":[],\"code\":{},\"message\":{},\"log_tail\":[\"x\"]}}},"
    "\"created_at\":1,\"updated_at\":1}";
  g_autoptr(ForgeRunJournal) journal = NULL;
  g_autoptr(ForgeRunInfo) info = NULL;
  g_autoptr(JsonNode) output = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) step_error = NULL;
  g_autofree char *log_tail = NULL;
  gint64 duration_ms = -1;
  guint attempt = 0;

  g_assert_true (g_file_set_contents (path, damaged, -1, &error));
  journal = forge_run_journal_load (path, &error);
  g_assert_no_error (error);

  g_assert_true (forge_run_journal_lookup_step (journal, "install-dependencies", &output, &step_error,
                                                &log_tail, &attempt, &duration_ms));
  g_assert_null (output);
  g_assert_error (step_error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (step_error->message, ==, "The step failed");
  g_assert_null (log_tail);
  g_assert_cmpuint (attempt, ==, 2);
  g_assert_cmpint (duration_ms, ==, 0);

  info = forge_run_journal_dup_info (journal);
  g_assert_cmpstr (forge_run_info_get_error_message (info), ==, "summary");
  g_assert_cmpstr (forge_run_info_get_error_log_tail (info), ==, "tail");

  g_assert_true (forge_remove_tree (dir, NULL));
}

static void
test_step_ids_and_titles (void)
{
  /* The ids are in journals (memoization finds steps by id) and in the
   * headless output. */
  static const char *expected[] = {
    "get-github-integration", "clone-repository", "detect-framework",
    "start-sandbox", "install-dependencies", "start-preview-server", "update-project",
  };
  const char * const *ids = forge_clone_and_preview_get_step_ids ();

  g_assert_cmpuint (g_strv_length ((char **) ids), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const char *title = forge_clone_and_preview_step_title (ids[i]);

      g_assert_cmpstr (ids[i], ==, expected[i]);
      g_assert_nonnull (title);
      g_assert_cmpstr (title, !=, ids[i]);
    }

  g_assert_cmpstr (forge_clone_and_preview_step_title (FORGE_STEP_CLONE_REPOSITORY), ==, "Clone repository");
  /* A repeated step is the same step to the reader. */
  g_assert_cmpstr (forge_clone_and_preview_step_title ("start-preview-server:1"), ==,
                   forge_clone_and_preview_step_title (FORGE_STEP_START_PREVIEW_SERVER));
  /* Only whole ids match. */
  g_assert_cmpstr (forge_clone_and_preview_step_title ("clone-repository-again"), ==, "clone-repository-again");
  g_assert_cmpstr (forge_clone_and_preview_step_title ("clone"), ==, "clone");
  g_assert_cmpstr (forge_clone_and_preview_step_title ("something-else"), ==, "something-else");
}

int
main (int   argc,
      char *argv[])
{
  /* Titles in English whatever the machine's locale. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/forge/states/run-status", test_run_status);
  g_test_add_func ("/forge/states/step-state", test_step_state);
  g_test_add_func ("/forge/states/sandbox-state", test_sandbox_state);
  g_test_add_func ("/forge/states/signal-types", test_signal_types);
  g_test_add_func ("/forge/states/journal-keeps-strings", test_journal_keeps_strings);
  g_test_add_func ("/forge/states/journal-retry-of-unknown-status", test_journal_retry_of_unknown_status);
  g_test_add_func ("/forge/states/journal-damaged-members", test_journal_damaged_members);
  g_test_add_func ("/forge/states/step-ids-and-titles", test_step_ids_and_titles);

  return g_test_run ();
}
