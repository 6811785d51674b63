/* test-project-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/forge/project-store/round-trip", Fixture, NULL, fixture_set_up, test_round_trip, fixture_tear_down);
  g_test_add ("/forge/project-store/corrupt-file-kept", Fixture, NULL, fixture_set_up, test_corrupt_file_is_kept, fixture_tear_down);
  g_test_add ("/forge/project-store/update-from-thread", Fixture, NULL, fixture_set_up, test_update_from_thread, fixture_tear_down);

  return g_test_run ();
}
