/* e2b-restore.c
 *
 * Benchmark: bringing an E2B preview back after its sandbox's timeout,
 * against the E2B stand-in on loopback. Resuming the paused sandbox
 * (POST /connect; the dev server kept running) against the seed's path
 * (a new sandbox, upload, install, start), for the Vite fixture (npm ci
 * from the real registry) and the static site. Medians of 5. Network
 * latency to E2B is not in these figures: everything is local.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "e2e-util.h"
#include "forge-clone-and-preview.h"
#include "forge-context.h"
#include "forge-e2b-provider.h"
#include "forge-e2b-standin.h"
#include "forge-util.h"
#include "git-test-util.h"

#define ROUNDS 5
#define API_KEY "e2b_bench_key_0123456789abcdef"

typedef struct
{
  ForgeContext          *context;
  /* The context's: */
  ForgeProjectStore     *store;
  ForgeSandboxManager   *manager;
  ForgeWorkflowEngine   *engine;
  ForgeSandboxProviders *providers;
  ForgeE2bStandin       *standin;
  char                  *run_id;
  char                  *url;
  char                  *sandbox_id;
  char                  *error;
  gboolean               finished;
  char                  *restored_url;
} Bench;

static void
on_finished (ForgeWorkflowEngine *engine, const char *run_id, ForgeRunStatus status, JsonNode *output,
             const char *error_message, Bench *bench)
{
  if (g_strcmp0 (run_id, bench->run_id) != 0)
    return;
  if (status == FORGE_RUN_STATUS_COMPLETED)
    {
      bench->url = g_strdup (json_object_get_string_member (json_node_get_object (output), "preview_url"));
      bench->sandbox_id = g_strdup (json_object_get_string_member (json_node_get_object (output), "sandbox_id"));
    }
  else
    bench->error = g_strdup (error_message);
  bench->finished = TRUE;
}

static void
on_state (ForgeSandboxManager *manager, const char *project_id, ForgeSandboxState state, const char *url,
          gint64 restart_ms, Bench *bench)
{
  if (state == FORGE_SANDBOX_STATE_RESTORED)
    bench->restored_url = g_strdup (url);
  else if (state == FORGE_SANDBOX_STATE_GAVE_UP)
    g_error ("The restore gave up");
}

static char *
open_preview (Bench      *bench,
              const char *repo_url,
              char      **project_id)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&bench->url, g_free);
  g_clear_pointer (&bench->sandbox_id, g_free);
  g_clear_pointer (&bench->run_id, g_free);
  bench->finished = FALSE;
  bench->run_id = forge_clone_and_preview_start (bench->engine, bench->store, repo_url, "e2b", project_id, &error);
  g_assert_no_error (error);
  while (!bench->finished)
    g_main_context_iteration (NULL, TRUE);
  if (bench->error != NULL)
    g_error ("Preview failed: %s", bench->error);

  return g_strdup (bench->url);
}

static void
wait_for_200 (const char *url)
{
  while (forge_test_http_get (url, NULL) != 200)
    g_usleep (20 * 1000);
}

/* The sandbox reached its timeout while nobody looked (the stand-in
 * pauses it, as E2B does with autoPause); then the preview is restored:
 * the restart run reconnects, resumes and probes. */
static double
resume (Bench      *bench,
        const char *project_id,
        const char *sandbox_id)
{
  gint64 started;

  if (!forge_e2b_standin_expire_sandbox (bench->standin, sandbox_id))
    g_error ("No sandbox %s to pause", sandbox_id);

  g_clear_pointer (&bench->restored_url, g_free);
  started = g_get_monotonic_time ();
  forge_sandbox_manager_restart (bench->manager, project_id);
  while (bench->restored_url == NULL)
    g_main_context_iteration (NULL, TRUE);
  wait_for_200 (bench->restored_url);

  return (g_get_monotonic_time () - started) / 1000.0;
}

/* The seed's path: a brand-new sandbox (empty home, cold npm cache),
 * the work tree uploaded, installed and started. Here: a new project
 * (nothing on disk to reuse). The desktop's clone is local, so the
 * clone itself costs next to nothing. */
static double
seed_path (Bench      *bench,
           const char *repo,
           const char *root,
           guint       round)
{
  g_autofree char *copy = g_strdup_printf ("%s-seed-%u", repo, round);
  g_autofree char *copy_url = g_strconcat ("file://", copy, NULL);
  g_autofree char *new_url = NULL;
  g_autofree char *project_id = NULL;
  gint64 started;

  forge_test_git (root, "clone", "-q", repo, copy, NULL);

  started = g_get_monotonic_time ();
  new_url = open_preview (bench, copy_url, &project_id);
  wait_for_200 (new_url);
  forge_sandbox_manager_stop (bench->manager, project_id);

  return (g_get_monotonic_time () - started) / 1000.0;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *values)
{
  qsort (values, ROUNDS, sizeof *values, compare_doubles);
  return values[ROUNDS / 2];
}

static void
bench_fixture (Bench      *bench,
               const char *root,
               const char *fixture)
{
  g_autofree char *parent = g_build_filename (root, fixture, NULL);
  g_autofree char *repo = NULL;
  g_autofree char *repo_url = NULL;
  g_autofree char *project_id = NULL;
  g_autofree char *url = NULL;
  g_autofree char *sandbox_id = NULL;
  double resumed[ROUNDS], seed[ROUNDS];
  double resume_median, seed_median;

  g_mkdir_with_parents (parent, 0700);
  repo = forge_test_repo_from_fixture (parent, fixture);
  repo_url = g_strconcat ("file://", repo, NULL);

  url = open_preview (bench, repo_url, &project_id);
  sandbox_id = g_strdup (bench->sandbox_id);
  forge_sandbox_manager_watch (bench->manager, project_id);

  for (guint round = 0; round < ROUNDS; round++)
    {
      resumed[round] = resume (bench, project_id, sandbox_id);
      seed[round] = seed_path (bench, repo, parent, round);
    }

  resume_median = median (resumed);
  seed_median = median (seed);
  g_print ("%-12s %14.0f %14.0f %9.1fx\n", fixture, resume_median, seed_median, seed_median / resume_median);

  forge_sandbox_manager_stop_all (bench->manager);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *root = g_dir_make_tmp ("forge-bench-e2b-restore-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeE2bProvider) provider = NULL;
  g_auto(GStrv) envp = NULL;
  Bench bench = { 0 };

  forge_test_git_isolate ();
  forge_test_isolate_xdg (root);

  bench.standin = forge_e2b_standin_new (API_KEY, &error);
  if (bench.standin == NULL)
    {
      g_print ("e2b-restore: skipped, no stand-in here: %s\n", error->message);
      return 77;
    }
  envp = forge_e2b_standin_environ (bench.standin, NULL);
  envp = g_environ_setenv (envp, "E2B_API_KEY", API_KEY, TRUE);
  provider = forge_e2b_provider_new_for_environ ((const char * const *) envp, FALSE);

  bench.context = forge_context_new (NULL, NULL);
  bench.store = forge_context_get_store (bench.context);
  bench.manager = forge_context_get_manager (bench.context);
  bench.engine = forge_context_get_engine (bench.context);
  bench.providers = forge_context_get_providers (bench.context);
  forge_sandbox_providers_add (bench.providers, FORGE_SANDBOX_PROVIDER (provider));
  /* No heartbeat in the middle of a measurement. */
  forge_sandbox_manager_set_keepalive_interval (bench.manager, 300);
  g_signal_connect (bench.engine, "run-finished", G_CALLBACK (on_finished), &bench);
  g_signal_connect (bench.manager, "sandbox-state", G_CALLBACK (on_state), &bench);

  g_print ("e2b-restore: preview back after its E2B sandbox's timeout, to HTTP 200, median of %d (ms)\n"
           "against the local E2B stand-in: no network latency to E2B in these figures\n\n", ROUNDS);
  g_print ("%-12s %14s %14s %10s\n", "fixture", "resume", "seed's path", "speed-up");
  bench_fixture (&bench, root, "vite-app");
  bench_fixture (&bench, root, "static-site");
  g_print ("\nresume:      the paused sandbox resumed (POST /connect), its dev server still running\n"
           "seed's path: new sandbox (empty home, cold npm cache), upload, install, start\n");

  g_clear_object (&bench.context);
  g_clear_object (&bench.standin);
  g_free (bench.run_id);
  g_free (bench.url);
  g_free (bench.sandbox_id);
  g_free (bench.error);
  g_free (bench.restored_url);
  forge_remove_tree (root, NULL);
  return 0;
}
