/* test-project-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "forge-clone-and-preview.h"
#include "forge-context.h"
#include "forge-project-store.h"
#include "forge-util.h"

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = g_dir_make_tmp ("forge-store-XXXXXX", NULL);
  fixture->path = g_build_filename (fixture->dir, "projects.json", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  forge_remove_tree (fixture->dir, NULL);
  g_free (fixture->path);
  g_free (fixture->dir);
}

static void
run_until_saved (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static void
test_round_trip (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(ForgeProjectStore) store = forge_project_store_new (fixture->path);
  g_autoptr(ForgeProjectStore) reloaded = forge_project_store_new (fixture->path);
  g_autoptr(JsonObject) changes = json_object_new ();
  g_autoptr(GError) error = NULL;
  ForgeProject *project, *again;
  g_autofree char *id = NULL;

  g_assert_true (forge_project_store_load (store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);

  project = forge_project_store_ensure (store, "https://github.com/octo/hello-world.git");
  id = g_strdup (forge_project_get_id (project));
  g_assert_cmpstr (forge_project_get_name (project), ==, "hello-world");
  g_assert_cmpint (forge_project_get_status (project), ==, FORGE_PROJECT_STATUS_GENERATING);
  g_assert_true (forge_project_store_ensure (store, "https://github.com/octo/hello-world.git") == project);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);

  json_object_set_string_member (changes, "status", "deployed");
  json_object_set_string_member (changes, "preview_url", "http://127.0.0.1:5173/");
  json_object_set_string_member (changes, "framework", "vite");
  json_object_set_string_member (changes, "package_manager", "npm");
  json_object_set_string_member (changes, "sandbox_id", "local-abc");
  forge_project_store_update (store, id, changes);
  forge_project_set_last_path (project, "/about?x=1");
  run_until_saved ();

  g_assert_true (forge_project_store_load (reloaded, &error));
  g_assert_no_error (error);
  again = forge_project_store_lookup (reloaded, id);
  g_assert_nonnull (again);
  g_assert_cmpint (forge_project_get_status (again), ==, FORGE_PROJECT_STATUS_DEPLOYED);
  g_assert_cmpstr (forge_project_get_preview_url (again), ==, "http://127.0.0.1:5173/");
  g_assert_cmpstr (forge_project_get_framework (again), ==, "vite");
  g_assert_cmpstr (forge_project_get_package_manager (again), ==, "npm");
  g_assert_cmpstr (forge_project_get_sandbox_id (again), ==, "local-abc");
  g_assert_cmpstr (forge_project_get_last_path (again), ==, "/about?x=1");
  g_assert_cmpint (forge_project_get_created (again), ==, forge_project_get_created (project));

  g_assert_true (forge_project_store_remove (reloaded, id));
  g_assert_null (forge_project_store_lookup (reloaded, id));
  run_until_saved ();

  g_assert_true (forge_project_store_load (store, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
}

static void
test_corrupt_file_is_kept (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(ForgeProjectStore) store = forge_project_store_new (fixture->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  gboolean found_aside = FALSE;

  g_assert_true (g_file_set_contents (fixture->path, "{\"projects\": [ {\"id\": ", -1, NULL));

  g_assert_false (forge_project_store_load (store, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);

  dir = g_dir_open (fixture->dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (g_str_has_prefix (name, "projects.json.corrupt-"))
        {
          g_autofree char *aside = g_build_filename (fixture->dir, name, NULL);
          g_autofree char *contents = NULL;

          g_assert_true (g_file_get_contents (aside, &contents, NULL, NULL));
          g_assert_cmpstr (contents, ==, "{\"projects\": [ {\"id\": ");
          found_aside = TRUE;
        }
    }
  g_assert_true (found_aside);

  /* And the store keeps working. */
  g_clear_error (&error);
  forge_project_store_ensure (store, "file:///tmp/x");
  g_assert_true (forge_project_store_save (store, &error));
  g_assert_no_error (error);
}

typedef struct
{
  ForgeProjectStore *store;
  char              *id;
  gboolean           done;
} ThreadData;

static gpointer
update_thread (gpointer user_data)
{
  ThreadData *data = user_data;
  g_autoptr(JsonObject) changes = json_object_new ();

  json_object_set_string_member (changes, "status", "failed");
  json_object_set_string_member (changes, "last_error", "The dev server exited");
  forge_project_store_update_from_thread (data->store, data->id, changes);
  g_atomic_int_set (&data->done, TRUE);
  /* The main thread may be back in poll() already: wake it to see done. */
  g_main_context_wakeup (NULL);

  return NULL;
}

static void
test_update_from_thread (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(ForgeProjectStore) store = forge_project_store_new (fixture->path);
  g_autoptr(ForgeProjectStore) reloaded = forge_project_store_new (fixture->path);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  ForgeProject *project = forge_project_store_ensure (store, "https://example.com/a/b.git");
  ThreadData thread_data = { store, g_strdup (forge_project_get_id (project)), FALSE };
  GThread *thread;

  /* The main loop must run for the worker's update to land. */
  g_main_context_acquire (NULL);
  thread = g_thread_new ("updater", update_thread, &thread_data);
  while (!g_atomic_int_get (&thread_data.done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  g_main_context_release (NULL);

  g_assert_cmpint (forge_project_get_status (project), ==, FORGE_PROJECT_STATUS_FAILED);
  g_assert_cmpstr (forge_project_get_last_error (project), ==, "The dev server exited");

  /* update_from_thread returns only once the change is on disk. */
  g_assert_true (forge_project_store_load (reloaded, NULL));
  g_assert_cmpstr (forge_project_get_last_error (forge_project_store_lookup (reloaded, thread_data.id)),
                   ==, "The dev server exited");
  g_free (thread_data.id);
}

/* The store warns about each entry it skips. g_test_expect_message()
 * does not see structured logging, and a warning is fatal in tests: this
 * writer keeps those warnings for the test to check instead. */
static GPtrArray *skipped_warnings;
/* And about each member it ignores. */
static GPtrArray *ignored_warnings;

static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
        (log_level & G_LOG_LEVEL_WARNING) && g_str_has_prefix (fields[i].value, "Skipping an entry"))
      {
        g_ptr_array_add (skipped_warnings, g_strdup (fields[i].value));
        return G_LOG_WRITER_HANDLED;
      }
    else if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
             (log_level & G_LOG_LEVEL_WARNING) && g_str_has_prefix (fields[i].value, "Ignoring the invalid"))
      {
        g_ptr_array_add (ignored_warnings, g_strdup (fields[i].value));
        return G_LOG_WRITER_HANDLED;
      }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* Project ids become folder names: workspaces, and what removing a
 * project deletes. An id from disk that is not a UUID must never get that
 * far. */
static const char invalid_ids_json[] =
  "{\"version\": 1, \"projects\": ["
  "  {\"id\": \"0b5c1e1a-2f7e-4b7c-9a3e-5d6f7a8b9c0d\", \"repo_url\": \"https://example.com/o/good.git\"},"
  "  {\"id\": \"../../x\", \"repo_url\": \"https://example.com/o/climb.git\"},"
  "  {\"id\": \"/tmp/x\", \"repo_url\": \"https://example.com/o/absolute.git\"},"
  "  {\"id\": {\"not\": \"a string\"}, \"repo_url\": \"https://example.com/o/object.git\"},"
  "  {\"id\": \"0b5c1e1a-2f7e-4b7c-9a3e-5d6f7a8b9c0d\", \"repo_url\": \"https://example.com/o/twin.git\"}"
  "]}";

static void
test_invalid_ids_not_loaded (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(ForgeProjectStore) store = forge_project_store_new (fixture->path);
  g_autoptr(ForgeProjectStore) reloaded = forge_project_store_new (fixture->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autofree char *saved = NULL;
  const char *name;
  gboolean found_aside = FALSE;

  g_assert_true (g_file_set_contents (fixture->path, invalid_ids_json, -1, NULL));

  /* Damaged, visibly: the valid project is kept, the others skipped,
   * each with a warning. */
  g_ptr_array_set_size (skipped_warnings, 0);
  g_assert_false (forge_project_store_load (store, &error));
  g_assert_cmpuint (skipped_warnings->len, ==, 4);
  g_assert_nonnull (strstr (g_ptr_array_index (skipped_warnings, 0), "../../x"));
  g_assert_nonnull (strstr (g_ptr_array_index (skipped_warnings, 1), "/tmp/x"));
  g_assert_nonnull (strstr (g_ptr_array_index (skipped_warnings, 2), "no id"));
  /* A second entry with the first one's id: it would share its workspace. */
  g_assert_nonnull (strstr (g_ptr_array_index (skipped_warnings, 3), "second project with the id"));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "damaged"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  g_assert_nonnull (forge_project_store_lookup (store, "0b5c1e1a-2f7e-4b7c-9a3e-5d6f7a8b9c0d"));
  g_assert_null (forge_project_store_lookup (store, "../../x"));
  g_assert_null (forge_project_store_lookup (store, "/tmp/x"));
  g_assert_null (forge_project_store_find_by_url (store, "https://example.com/o/climb.git"));
  g_assert_null (forge_project_store_find_by_url (store, "https://example.com/o/twin.git"));
  g_assert_nonnull (forge_project_store_find_by_url (store, "https://example.com/o/good.git"));

  /* The original is kept aside, as a corrupt file is. */
  dir = g_dir_open (fixture->dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "projects.json.corrupt-"))
      {
        g_autofree char *aside = g_build_filename (fixture->dir, name, NULL);
        g_autofree char *contents = NULL;

        g_assert_true (g_file_get_contents (aside, &contents, NULL, NULL));
        g_assert_cmpstr (contents, ==, invalid_ids_json);
        found_aside = TRUE;
      }
  g_assert_true (found_aside);

  /* Saving writes back only what was loaded. */
  g_clear_error (&error);
  g_assert_true (forge_project_store_save (store, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (fixture->path, &saved, NULL, NULL));
  g_assert_null (strstr (saved, "../../x"));
  g_assert_true (forge_project_store_load (reloaded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==, 1);
}

/* Members of the wrong type, and a ref that crashed the check of refs:
 * json-glib's getters were critical about the former, and the project is
 * kept with what could be read (found by fuzzing). */
static const char damaged_members_json[] =
  "{\"version\": 1, \"projects\": ["
  "  {\"id\": \"0b5c1e1a-2f7e-4b7c-9a3e-5d6f7a8b9c0d\", \"repo_url\": \"https://example.com/o/r.git\","
  "   \"status\": {\"not\": \"a string\"}, \"created\": [1], \"updated\": {},"
  "   \"git_ref\": \"refs/pull/head\", \"name\": \"kept\"}"
  "]}";

static void
test_damaged_members (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(ForgeProjectStore) store = forge_project_store_new (fixture->path);
  g_autoptr(GError) error = NULL;
  ForgeProject *project;

  g_assert_true (g_file_set_contents (fixture->path, damaged_members_json, -1, NULL));

  g_ptr_array_set_size (ignored_warnings, 0);
  g_assert_true (forge_project_store_load (store, &error));
  g_assert_no_error (error);

  project = forge_project_store_lookup (store, "0b5c1e1a-2f7e-4b7c-9a3e-5d6f7a8b9c0d");
  g_assert_nonnull (project);
  g_assert_cmpstr (forge_project_get_name (project), ==, "kept");
  g_assert_null (forge_project_get_git_ref (project));
  g_assert_cmpint (forge_project_get_status (project), ==, FORGE_PROJECT_STATUS_GENERATING);
  g_assert_cmpint (forge_project_get_created (project), >, 0);
  g_assert_cmpuint (ignored_warnings->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (ignored_warnings, 0), "git_ref"));
}

static void
test_workspace_dir_refuses_invalid_ids (Fixture       *fixture,
                                        gconstpointer  data)
{
  static const char * const invalid[] = {
    "../../x", "/tmp/x", "..", ".", "", "a/b", "0b5c1e1a-2f7e-4b7c-9a3e-5d6f7a8b9c0d/../../x",
  };
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *workspace = NULL;
  g_autofree char *cache = NULL;
  g_autofree char *expected = NULL;

  g_setenv ("XDG_CACHE_HOME", fixture->dir, TRUE);
  cache = forge_cache_dir ();
  expected = g_build_filename (cache, "projects", uuid, NULL);

  workspace = forge_project_workspace_dir_for_id (uuid);
  g_assert_cmpstr (workspace, ==, expected);

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autofree char *refused = forge_project_workspace_dir_for_id (invalid[i]);

      g_assert_null (refused);
      g_assert_false (forge_project_id_is_valid (invalid[i]));
    }
  g_assert_null (forge_project_workspace_dir_for_id (NULL));
}

typedef struct
{
  GMainLoop      *loop;
  ForgeRunStatus  status;
  char           *error;
} Finished;

static void
run_finished_cb (ForgeWorkflowEngine *engine,
                 const char          *run_id,
                 ForgeRunStatus       status,
                 JsonNode            *output,
                 const char          *error_message,
                 Finished            *finished)
{
  finished->status = status;
  finished->error = g_strdup (error_message);
  g_main_loop_quit (finished->loop);
}

static gboolean
fail_on_timeout (gpointer user_data)
{
  g_error ("Timed out waiting for the clone-and-preview run");
  return G_SOURCE_REMOVE;
}

/* A clone-and-preview event naming "../../x" is refused before it makes
 * or deletes any folder: the workspace would be $XDG_CACHE_HOME/x. */
static void
test_invalid_id_event_refused (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *cache = g_build_filename (fixture->dir, "cache", NULL);
  g_autofree char *escaped = g_build_filename (cache, "x", NULL);
  g_autofree char *state = g_build_filename (fixture->dir, "state", NULL);
  g_autofree char *runs = g_build_filename (state, "runs", NULL);
  g_autofree char *repo = g_build_filename (fixture->dir, "no-such-repo", NULL);
  g_autofree char *url = g_filename_to_uri (repo, NULL, NULL);
  g_autoptr(ForgeContext) context = NULL;
  ForgeWorkflowEngine *engine;
  g_autoptr(JsonNode) event = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();
  g_autofree char *run_id = NULL;
  Finished finished = { g_main_loop_new (NULL, FALSE), FORGE_RUN_STATUS_QUEUED, NULL };
  guint timeout;

  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_setenv ("XDG_STATE_HOME", state, TRUE);
  context = forge_context_new (fixture->path, runs);
  engine = forge_context_get_engine (context);
  forge_workflow_engine_set_backoff (engine, 1, 1);
  g_signal_connect (engine, "run-finished", G_CALLBACK (run_finished_cb), &finished);

  json_object_set_string_member (object, "project_id", "../../x");
  json_object_set_string_member (object, "repo_url", url);
  json_node_take_object (event, object);
  run_id = forge_workflow_engine_send (engine, FORGE_CLONE_AND_PREVIEW_EVENT, event);
  g_assert_nonnull (run_id);

  timeout = g_timeout_add_seconds (60, fail_on_timeout, NULL);
  g_main_loop_run (finished.loop);
  g_source_remove (timeout);

  g_assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
  g_assert_cmpint (finished.status, ==, FORGE_RUN_STATUS_FAILED);
  g_assert_nonnull (strstr (finished.error, "project_id"));

  g_free (finished.error);
  g_main_loop_unref (finished.loop);
}

/* The sandbox backend is the project's: it must come back after a
 * restart of the app, and entries from before backends mean "local". */
static void
test_backend_survives_reload (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(ForgeProjectStore) store = forge_project_store_new (fixture->path);
  g_autoptr(ForgeProjectStore) reloaded = forge_project_store_new (fixture->path);
  g_autoptr(ForgeProjectStore) old = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *old_path = g_build_filename (fixture->dir, "old.json", NULL);
  g_autofree char *first_id = NULL;
  g_autofree char *second_id = NULL;
  ForgeProject *first, *second;
  const char *old_json =
    "{\"version\": 1, \"projects\": [{\"id\": \"0b9f3c0e-6a43-4c55-9d0a-3b0f1b2a7c11\", "
    "\"repo_url\": \"https://example.com/o/old.git\"}]}";

  g_assert_true (forge_project_store_load (store, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (forge_project_store_get_default_backend (store), ==, "local");

  /* New projects take the store's default; existing ones keep theirs. */
  first = forge_project_store_ensure (store, "https://example.com/o/first.git");
  g_assert_cmpstr (forge_project_get_backend (first), ==, "local");
  forge_project_store_set_default_backend (store, "elsewhere");
  second = forge_project_store_ensure (store, "https://example.com/o/second.git");
  g_assert_cmpstr (forge_project_get_backend (second), ==, "elsewhere");
  g_assert_cmpstr (forge_project_get_backend (first), ==, "local");
  g_assert_true (forge_project_store_ensure (store, "https://example.com/o/first.git") == first);
  g_assert_cmpstr (forge_project_get_backend (first), ==, "local");
  forge_project_set_backend (first, "e2b");
  first_id = g_strdup (forge_project_get_id (first));
  second_id = g_strdup (forge_project_get_id (second));
  g_assert_true (forge_project_store_save (store, &error));
  g_assert_no_error (error);

  g_assert_true (forge_project_store_load (reloaded, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (forge_project_get_backend (forge_project_store_lookup (reloaded, first_id)), ==, "e2b");
  g_assert_cmpstr (forge_project_get_backend (forge_project_store_lookup (reloaded, second_id)), ==, "elsewhere");

  g_assert_true (g_file_set_contents (old_path, old_json, -1, &error));
  old = forge_project_store_new (old_path);
  g_assert_true (forge_project_store_load (old, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (old)), ==, 1);
  g_assert_cmpstr (forge_project_get_backend (forge_project_store_lookup (old, "0b9f3c0e-6a43-4c55-9d0a-3b0f1b2a7c11")), ==, "local");
}

int
main (int   argc,
      char *argv[])
{
  skipped_warnings = g_ptr_array_new_with_free_func (g_free);
  ignored_warnings = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (log_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/forge/project-store/round-trip", Fixture, NULL, fixture_set_up, test_round_trip, fixture_tear_down);
  g_test_add ("/forge/project-store/backend-survives-reload", Fixture, NULL, fixture_set_up, test_backend_survives_reload, fixture_tear_down);
  g_test_add ("/forge/project-store/corrupt-file-kept", Fixture, NULL, fixture_set_up, test_corrupt_file_is_kept, fixture_tear_down);
  g_test_add ("/forge/project-store/update-from-thread", Fixture, NULL, fixture_set_up, test_update_from_thread, fixture_tear_down);
  g_test_add ("/forge/project-store/invalid-ids-not-loaded", Fixture, NULL, fixture_set_up, test_invalid_ids_not_loaded, fixture_tear_down);
  g_test_add ("/forge/project-store/damaged-members", Fixture, NULL, fixture_set_up, test_damaged_members, fixture_tear_down);
  g_test_add ("/forge/project-store/workspace-dir-refuses-invalid-ids", Fixture, NULL, fixture_set_up, test_workspace_dir_refuses_invalid_ids, fixture_tear_down);
  g_test_add ("/forge/project-store/invalid-id-event-refused", Fixture, NULL, fixture_set_up, test_invalid_id_event_refused, fixture_tear_down);

  return g_test_run ();
}
