/* test-durable-writes.c
 *
 * The project list and run journals survive the app being killed in the
 * middle of writing them: every file left is whole (the previous version
 * or the new one), nothing written before is lost, and the temp files a
 * killed write leaves are cleaned up later.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <utime.h>

#include "forge-project-store.h"
#include "forge-run-journal.h"
#include "forge-workflow-engine.h"
#include "forge-util.h"

#define N_KILLS 1000

static guint
count_temp_files (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  guint count = 0;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    if (strstr (name, ".json.") != NULL && strstr (name, ".corrupt-") == NULL)
      count++;

  return count;
}

/* Makes every temp file in @dir look a few minutes old. */
static void
age_temp_files (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  struct utimbuf old = { 0 };

  old.actime = old.modtime = (time_t) (g_get_real_time () / G_USEC_PER_SEC) - 300;
  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    if (strstr (name, ".json.") != NULL)
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);

        g_assert_cmpint (g_utime (path, &old), ==, 0);
      }
}

static guint
journal_steps (ForgeRunJournal *journal)
{
  guint n = 0;

  for (;; n++)
    {
      g_autofree char *step = g_strdup_printf ("step-%u", n);
      g_autoptr(JsonNode) output = NULL;

      if (!forge_run_journal_lookup_step (journal, step, &output, NULL, NULL, NULL, NULL))
        return n;
    }
}

/* A killed process loses nothing of the page cache, so what fsync costs
 * proves nothing here: on tmpfs the thousand kills take seconds. */
static char *
make_root (void)
{
  g_autofree char *template = g_build_filename ("/dev/shm", "forge-durable-XXXXXX", NULL);

  if (g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) && g_mkdtemp (template) != NULL)
    return g_steal_pointer (&template);

  return g_dir_make_tmp ("forge-durable-XXXXXX", NULL);
}

static void
test_kill_during_write (void)
{
  g_autofree char *root = make_root ();
  g_autofree char *helper = g_test_build_filename (G_TEST_BUILT, "durable-writes-helper", NULL);
  g_autofree char *store_path = g_build_filename (root, "projects.json", NULL);
  g_autofree char *runs = g_build_filename (root, "runs", NULL);
  g_autofree char *journal_path = g_build_filename (runs, "6f1c1f9e-2f7a-4b1e-9a3c-5d2e8b7a4c10.json", NULL);
  guint last_projects = 0;
  guint last_steps = 0;
  guint killed_before_ready = 0;
  guint temps_left = 0;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261128);
  guint n_kills = g_test_slow () || g_getenv ("FORGE_DURABLE_KILLS") == NULL
                  ? N_KILLS : (guint) g_ascii_strtoull (g_getenv ("FORGE_DURABLE_KILLS"), NULL, 10);

  for (guint i = 0; i < n_kills; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(ForgeProjectStore) store = forge_project_store_new (store_path);
      g_autoptr(ForgeRunJournal) journal = NULL;
      g_autoptr(GDataInputStream) stream = NULL;
      g_autofree char *ready = NULL;
      guint projects, steps;

      /* Half the time the journal goes first. */
      process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, helper, root,
                                  i % 2 == 0 ? "projects-first" : "journal-first", NULL);
      g_assert_no_error (error);
      stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
      ready = g_data_input_stream_read_line_utf8 (stream, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (ready, ==, "ready");
      /* Anywhere from before the first write to a few writes in. */
      g_usleep (g_rand_int_range (rand, 0, 12000));
      g_subprocess_send_signal (process, SIGKILL);
      g_assert_true (g_subprocess_wait (process, NULL, &error));
      g_assert_no_error (error);
      if (!g_subprocess_get_if_signaled (process))
        g_error ("The writer ended by itself (status %d) at kill %u", g_subprocess_get_exit_status (process), i);

      /* Every file there is whole, and holds at least what it held. */
      if (!forge_project_store_load (store, &error))
        g_error ("projects.json after kill %u: %s", i, error->message);
      projects = g_list_model_get_n_items (G_LIST_MODEL (store));
      g_assert_cmpuint (projects, >=, last_projects);

      if (g_file_test (journal_path, G_FILE_TEST_EXISTS))
        {
          journal = forge_run_journal_load (journal_path, &error);
          if (journal == NULL)
            g_error ("The journal after kill %u: %s", i, error->message);
          steps = journal_steps (journal);
          g_assert_cmpuint (steps, >=, last_steps);
          last_steps = steps;
        }
      else
        g_assert_cmpuint (last_steps, ==, 0);

      killed_before_ready += projects == last_projects;
      last_projects = projects;
    }

  temps_left = count_temp_files (root) + count_temp_files (runs);
  g_test_message ("%u kills: %u projects and %u journal steps written, %u kills landed before a new write, %u temp files left",
                  n_kills, last_projects, last_steps, killed_before_ready, temps_left);
  g_assert_cmpuint (last_projects, >, 0);

  /* Fresh temp files may be another process's write under way: kept.
   * Old ones are what a killed write left: removed on the next load. */
  {
    g_autoptr(ForgeProjectStore) store = forge_project_store_new (store_path);
    g_autoptr(ForgeWorkflowEngine) engine = NULL;
    g_autofree char *fresh = g_build_filename (root, "projects.json.AbC123", NULL);

    g_assert_true (forge_project_store_load (store, NULL));
    g_assert_cmpuint (count_temp_files (root) + count_temp_files (runs), ==, temps_left);

    age_temp_files (root);
    age_temp_files (runs);
    g_assert_true (g_file_set_contents (fresh, "{", -1, NULL));
    g_assert_true (forge_project_store_load (store, NULL));
    engine = forge_workflow_engine_new_for_directory (runs);
    g_assert_cmpuint (count_temp_files (root), ==, 1);
    g_assert_true (g_file_test (fresh, G_FILE_TEST_EXISTS));
    g_assert_cmpuint (count_temp_files (runs), ==, 0);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, last_projects);
  }

  g_assert_true (forge_remove_tree (root, NULL));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/durable-writes/kill-during-write", test_kill_during_write);

  return g_test_run ();
}
