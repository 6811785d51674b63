/* time-to-preview.c
 *
 * Benchmark: from a repository URL to the first HTTP 200 of its Vite dev
 * server, per step, against doing the same by hand (git clone, npm ci,
 * npx vite) in the same run, both with a warm npm cache. Ours runs twice
 * a round: with the sandbox's own network (slirp4netns) and on the
 * host's network, side by side.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "e2e-util.h"
#include "forge-clone-and-preview.h"
#include "forge-context.h"
#include "forge-local-provider.h"
#include "forge-util.h"
#include "git-test-util.h"

#define ROUNDS 5

typedef enum
{
  MODE_OWN,
  MODE_SHARED,
  N_MODES,
} Mode;

static const char *mode_columns[] = { "own net", "shared net" };

/* Spelled out (not forge_clone_and_preview_get_step_ids ()) so that the
 * arrays below can be sized at compile time. */
static const char *step_names[] = {
  FORGE_STEP_GET_GITHUB_INTEGRATION, FORGE_STEP_CLONE_REPOSITORY, FORGE_STEP_DETECT_FRAMEWORK,
  FORGE_STEP_INSTALL_DEPENDENCIES, FORGE_STEP_START_PREVIEW_SERVER, FORGE_STEP_UPDATE_PROJECT,
};

typedef struct
{
  GMainLoop  *loop;
  char       *run_id;
  GHashTable *durations;   /* step → gint64 ms */
  char       *preview_url;
  char       *error;
} Ours;

static void
on_step (ForgeWorkflowEngine *engine, const char *run_id, const char *step_id, ForgeStepState state,
         guint attempt, gint64 duration_ms, const char *error_message, Ours *ours)
{
  if (g_strcmp0 (run_id, ours->run_id) == 0 && state == FORGE_STEP_STATE_COMPLETE)
    g_hash_table_insert (ours->durations, g_strdup (step_id), g_memdup2 (&duration_ms, sizeof duration_ms));
}

static void
on_finished (ForgeWorkflowEngine *engine, const char *run_id, ForgeRunStatus status, JsonNode *output,
             const char *error_message, Ours *ours)
{
  if (g_strcmp0 (run_id, ours->run_id) != 0)
    return;
  if (status == FORGE_RUN_STATUS_COMPLETED)
    ours->preview_url = g_strdup (json_object_get_string_member (json_node_get_object (output), "preview_url"));
  else
    ours->error = g_strdup (error_message);
  g_main_loop_quit (ours->loop);
}

/* Returns the total in ms; fills per-step durations. */
static double
run_ours (const char *repo_url,
          Mode        mode,
          double      step_ms[G_N_ELEMENTS (step_names)])
{
  g_autoptr(ForgeContext) context = forge_context_new (NULL, NULL);
  ForgeProjectStore *store = forge_context_get_store (context);
  ForgeSandboxManager *manager = forge_context_get_manager (context);
  ForgeWorkflowEngine *engine = forge_context_get_engine (context);
  g_autoptr(ForgeSandboxProvider) local = forge_sandbox_providers_lookup (forge_context_get_providers (context),
                                                                          FORGE_LOCAL_PROVIDER_NAME, NULL);
  g_autoptr(GError) error = NULL;
  Ours ours = { 0 };
  gint64 started;
  double total;

  ours.loop = g_main_loop_new (NULL, FALSE);
  ours.durations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  forge_local_provider_set_shared_network (FORGE_LOCAL_PROVIDER (local), mode == MODE_SHARED);
  g_signal_connect (engine, "step", G_CALLBACK (on_step), &ours);
  g_signal_connect (engine, "run-finished", G_CALLBACK (on_finished), &ours);

  started = g_get_monotonic_time ();
  ours.run_id = forge_clone_and_preview_start (engine, store, repo_url, NULL, NULL, &error);
  g_assert_no_error (error);
  g_main_loop_run (ours.loop);
  total = (g_get_monotonic_time () - started) / 1000.0;

  if (ours.error != NULL)
    g_error ("Our run failed: %s", ours.error);

  for (guint i = 0; i < G_N_ELEMENTS (step_names); i++)
    {
      gint64 *ms = g_hash_table_lookup (ours.durations, step_names[i]);
      step_ms[i] = ms ? (double) *ms : 0;
    }

  forge_sandbox_manager_stop_all (manager);
  g_hash_table_unref (ours.durations);
  g_main_loop_unref (ours.loop);
  g_free (ours.run_id);
  g_free (ours.preview_url);
  return total;
}

static double
time_command (const char  *cwd,
              const char **env_overrides,
              ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  const char *arg;
  gint64 started;
  va_list args;

  va_start (args, env_overrides);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_set_cwd (launcher, cwd);
  for (guint i = 0; env_overrides && env_overrides[i]; i += 2)
    g_subprocess_launcher_setenv (launcher, env_overrides[i], env_overrides[i + 1], TRUE);

  started = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (process, NULL, &error));
  g_assert_no_error (error);
  return (g_get_monotonic_time () - started) / 1000.0;
}

/* npx runs vite as a child of its own: a group of their own lets both
 * be stopped at once. */
static void
new_process_group (gpointer user_data)
{
  setpgid (0, 0);
}

/* git clone, npm ci, npx vite until the first 200. */
static double
run_by_hand (const char *repo_url,
             const char *work_dir,
             const char *npm_home,
             double      step_ms[3])
{
  g_autofree char *clone_dir = g_build_filename (work_dir, "by-hand", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *port_text = NULL;
  g_autofree char *url = NULL;
  const char *env[] = { "HOME", npm_home, NULL };
  guint port = forge_pick_free_port (NULL);
  gint64 started;

  forge_remove_tree (clone_dir, NULL);
  step_ms[0] = time_command (work_dir, NULL, "git", "clone", "-q", repo_url, clone_dir, NULL);
  step_ms[1] = time_command (clone_dir, env, "npm", "ci", "--no-audit", "--no-fund", NULL);

  port_text = g_strdup_printf ("%u", port);
  url = g_strdup_printf ("http://127.0.0.1:%u/", port);
  g_subprocess_launcher_set_cwd (launcher, clone_dir);
  g_subprocess_launcher_setenv (launcher, "HOME", npm_home, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, new_process_group, NULL, NULL);
  started = g_get_monotonic_time ();
  server = g_subprocess_launcher_spawn (launcher, &error, "npx", "--no-install", "vite",
                                        "--host", "127.0.0.1", "--port", port_text, "--strictPort", NULL);
  g_assert_no_error (error);
  while (forge_test_http_get (url, NULL) != 200)
    g_usleep (100 * 1000);
  step_ms[2] = (g_get_monotonic_time () - started) / 1000.0;

  /* npx → node → esbuild: stop the whole group, or vite outlives npx. */
  kill (-(pid_t) atoi (g_subprocess_get_identifier (server)), SIGTERM);
  g_subprocess_wait (server, NULL, NULL);
  if (!forge_test_wait_no_processes (clone_dir, 5000))
    g_error ("Vite started by hand in %s did not stop", clone_dir);

  return step_ms[0] + step_ms[1] + step_ms[2];
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *values,
        guint   n)
{
  g_autofree double *sorted = g_memdup2 (values, n * sizeof *values);

  qsort (sorted, n, sizeof *sorted, compare_doubles);
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *root = g_dir_make_tmp ("forge-bench-XXXXXX", NULL);
  g_autofree char *npm_home = g_build_filename (root, "hand-home", NULL);
  g_autofree char *repo = NULL;
  double ours_steps[N_MODES][ROUNDS][G_N_ELEMENTS (step_names)];
  double ours_total[N_MODES][ROUNDS], hand_total[ROUNDS], hand_steps[ROUNDS][3];
  double ours_median[N_MODES], hand_median;
  double column[ROUNDS];
  double warm[G_N_ELEMENTS (step_names)], warm_hand[3];

  forge_test_git_isolate ();
  forge_test_isolate_xdg (root);
  g_mkdir_with_parents (npm_home, 0700);
  repo = forge_test_repo_from_fixture (root, "vite-app");

  g_print ("time-to-preview: Vite fixture, warm npm cache, %d rounds (medians; noisy machine)\n", ROUNDS);

  /* Warm both npm caches. Ours is the content cache all sandbox homes
   * share; each new project still starts with an empty home (and an
   * empty cache index) of its own, as a first open does. */
  {
    g_autofree char *url = g_strconcat ("file://", repo, NULL);
    run_ours (url, MODE_OWN, warm);
    run_by_hand (url, root, npm_home, warm_hand);
  }

  for (guint round = 0; round < ROUNDS; round++)
    {
      /* Which mode goes first alternates: neither always follows the
       * by-hand run, or always finds the page cache freshly filled. */
      for (guint i = 0; i < N_MODES; i++)
        {
          Mode mode = (round + i) % N_MODES;
          /* A new URL each run makes a new project: a fresh clone, a
           * fresh home and a fresh install, as a first open would. */
          g_autofree char *copy = g_strdup_printf ("%s-%u-%s", repo, round, mode == MODE_OWN ? "own" : "shared");
          g_autofree char *url = g_strconcat ("file://", copy, NULL);

          forge_test_git (root, "clone", "-q", repo, copy, NULL);
          ours_total[mode][round] = run_ours (url, mode, ours_steps[mode][round]);
        }

      {
        g_autofree char *copy = g_strdup_printf ("%s-%u-hand", repo, round);
        g_autofree char *url = g_strconcat ("file://", copy, NULL);

        forge_test_git (root, "clone", "-q", repo, copy, NULL);
        hand_total[round] = run_by_hand (url, root, npm_home, hand_steps[round]);
      }
    }

  g_print ("\n%-24s %12s %12s   (median ms)\n", "step (ours)", mode_columns[MODE_OWN], mode_columns[MODE_SHARED]);
  for (guint i = 0; i < G_N_ELEMENTS (step_names); i++)
    {
      g_print ("%-24s", step_names[i]);
      for (Mode mode = 0; mode < N_MODES; mode++)
        {
          for (guint r = 0; r < ROUNDS; r++)
            column[r] = ours_steps[mode][r][i];
          g_print (" %12.0f", median (column, ROUNDS));
        }
      g_print ("\n");
    }

  g_print ("\n%-24s %12s\n", "step (by hand)", "median ms");
  {
    static const char *hand_names[] = { "git clone", "npm ci", "npx vite -> first 200" };
    for (guint i = 0; i < 3; i++)
      {
        for (guint r = 0; r < ROUNDS; r++)
          column[r] = hand_steps[r][i];
        g_print ("%-24s %12.0f\n", hand_names[i], median (column, ROUNDS));
      }
  }

  g_print ("\n");
  hand_median = median (hand_total, ROUNDS);
  for (Mode mode = 0; mode < N_MODES; mode++)
    {
      g_autofree char *label = g_strdup_printf ("total (ours, %s)", mode_columns[mode]);

      ours_median[mode] = median (ours_total[mode], ROUNDS);
      g_print ("%-40s %12.0f\n", label, ours_median[mode]);
    }
  g_print ("%-40s %12.0f\n", "total (by hand)", hand_median);
  for (Mode mode = 0; mode < N_MODES; mode++)
    {
      g_autofree char *label = g_strdup_printf ("ratio (ours, %s / by hand)", mode_columns[mode]);

      g_print ("%-40s %12.2f  (target <= 1.15)\n", label, ours_median[mode] / hand_median);
    }
  g_print ("%-40s %12.2f\n", "ratio (own net / shared net)", ours_median[MODE_OWN] / ours_median[MODE_SHARED]);
  g_print ("\nown net:    each sandbox command in a network of its own (slirp4netns), port forwarded\n"
           "shared net: sandbox on the host's network\n");

  forge_remove_tree (root, NULL);
  return 0;
}
