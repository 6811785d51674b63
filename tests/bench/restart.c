/* restart.c
 *
 * Benchmark: from SIGKILL of the dev server to the preview answering 200
 * again. The warm restart (reuse the clone and node_modules, start the
 * server) against the seed's restart path (new clone, new install,
 * start), side by side in the same run, for a Vite fixture and a static
 * site, each with the sandbox's own network (slirp4netns) and on the
 * host's network. The warm restart twice: on the port the manager keeps
 * for the project (the preview's origin stays) and, as before ports
 * were kept, on a new one. Medians over 5 runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>

#include "e2e-util.h"
#include "forge-clone-and-preview.h"
#include "forge-context.h"
#include "forge-local-provider.h"
#include "forge-sandbox-manager-private.h"
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

typedef struct
{
  ForgeContext         *context;
  /* The context's: */
  ForgeProjectStore    *store;
  ForgeSandboxManager  *manager;
  ForgeWorkflowEngine  *engine;
  ForgeCloneAndPreview *workflow;
  ForgeSandboxProviders *providers;
  char                 *run_id;
  char                 *url;
  char                 *error;
  gboolean              finished;
  char                 *restored_url;
} Bench;

static void
on_finished (ForgeWorkflowEngine *engine, const char *run_id, ForgeRunStatus status, JsonNode *output,
             const char *error_message, Bench *bench)
{
  if (g_strcmp0 (run_id, bench->run_id) != 0)
    return;
  if (status == FORGE_RUN_STATUS_COMPLETED)
    bench->url = g_strdup (json_object_get_string_member (json_node_get_object (output), "preview_url"));
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
    g_error ("The restart gave up");
}

static char *
open_preview (Bench      *bench,
              const char *repo_url,
              char      **project_id)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&bench->url, g_free);
  g_clear_pointer (&bench->run_id, g_free);
  bench->finished = FALSE;
  bench->run_id = forge_clone_and_preview_start (bench->engine, bench->store, repo_url, NULL, project_id, &error);
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

static void
kill_server (const char *program,
             const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *port = g_strdup_printf ("%d", g_uri_get_port (uri));

  /* The static server names its port on its command line; Vite runs as
   * node from the project's node_modules. Only ours: other runs on this
   * machine have dev servers too. */
  if (forge_test_signal_own_program (program, port, SIGKILL) == 0 &&
      forge_test_signal_own_program (program, "vite", SIGKILL) == 0)
    g_error ("No %s to kill", program);
}

/* Warm: the manager notices the death and restarts in place. */
static double
warm_restart (Bench      *bench,
              const char *program,
              const char *project_id,
              char      **url)
{
  gint64 started;

  g_clear_pointer (&bench->restored_url, g_free);
  started = g_get_monotonic_time ();
  kill_server (program, *url);
  while (bench->restored_url == NULL)
    g_main_context_iteration (NULL, TRUE);
  wait_for_200 (bench->restored_url);

  g_free (*url);
  *url = g_strdup (bench->restored_url);
  return (g_get_monotonic_time () - started) / 1000.0;
}

/* Each kind of warm restart must come back where it should (the kept
 * port, or another one), or the figures compare the wrong things. */
static void
kept_url_check (Bench      *bench,
                const char *project_id,
                const char *url,
                gboolean    on_kept_port)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  guint kept = forge_sandbox_manager_ensure_preview_port (bench->manager, project_id, NULL);

  if (kept == 0 || ((guint) g_uri_get_port (uri) == kept) != on_kept_port)
    g_error ("The warm restart came back on %s, the kept port is %u", url, kept);
}

/* The seed's path: Sandbox.create() gives a brand-new machine (empty
 * home, so a cold npm cache), then clone, install and start. Here: a new
 * project (nothing on disk to reuse) with a new sandbox home. */
static double
seed_restart (Bench      *bench,
              const char *program,
              const char *repo,
              const char *root,
              guint       round)
{
  g_autofree char *copy = g_strdup_printf ("%s-seed-%u", repo, round);
  g_autofree char *copy_url = g_strconcat ("file://", copy, NULL);
  g_autofree char *cache = g_strdup_printf ("%s/seed-cache-%s-%u", root, program, round);
  g_autofree char *saved_cache = g_strdup (g_getenv ("XDG_CACHE_HOME"));
  g_autofree char *new_url = NULL;
  g_autofree char *project_id = NULL;
  gint64 started;

  forge_test_git (root, "clone", "-q", repo, copy, NULL);

  /* Nothing else runs meanwhile, so switching the cache is safe here.
   * The kill itself costs nothing: what counts is bringing a preview up
   * from nothing, which is all the seed's restart can do. */
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  started = g_get_monotonic_time ();
  new_url = open_preview (bench, copy_url, &project_id);
  wait_for_200 (new_url);
  g_setenv ("XDG_CACHE_HOME", saved_cache, TRUE);
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
               const char *fixture,
               const char *program,
               Mode        mode)
{
  g_autofree char *parent = g_build_filename (root, mode == MODE_OWN ? "own" : "shared", NULL);
  g_autofree char *repo = NULL;
  g_autofree char *repo_url = NULL;
  g_autofree char *project_id = NULL;
  g_autofree char *url = NULL;
  double warm[ROUNDS], moved[ROUNDS], seed[ROUNDS];
  double warm_median, moved_median, seed_median;

  /* Restarts go through the same workflow, so they keep the mode. A
   * folder per mode: each mode's URLs make projects of their own. */
  {
    g_autoptr(ForgeSandboxProvider) local = forge_sandbox_providers_lookup (bench->providers, FORGE_LOCAL_PROVIDER_NAME, NULL);

    forge_local_provider_set_shared_network (FORGE_LOCAL_PROVIDER (local), mode == MODE_SHARED);
  }
  g_mkdir_with_parents (parent, 0700);
  repo = forge_test_repo_from_fixture (parent, fixture);
  repo_url = g_strconcat ("file://", repo, NULL);

  url = open_preview (bench, repo_url, &project_id);
  forge_sandbox_manager_watch (bench->manager, project_id);

  for (guint round = 0; round < ROUNDS; round++)
    {
      /* Past the early-death window, as a real crash would be. */
      g_usleep (600 * 1000);
      warm[round] = warm_restart (bench, program, project_id, &url);
      kept_url_check (bench, project_id, url, TRUE);

      _forge_sandbox_manager_set_keep_ports (bench->manager, FALSE);
      g_usleep (600 * 1000);
      moved[round] = warm_restart (bench, program, project_id, &url);
      _forge_sandbox_manager_set_keep_ports (bench->manager, TRUE);
      kept_url_check (bench, project_id, url, FALSE);

      g_usleep (600 * 1000);
      seed[round] = seed_restart (bench, program, repo, parent, round);
    }

  warm_median = median (warm);
  moved_median = median (moved);
  seed_median = median (seed);
  g_print ("%-12s %-11s %10.0f %10.0f %12.0f %9.1fx\n", fixture, mode_columns[mode],
           warm_median, moved_median, seed_median, seed_median / warm_median);

  forge_sandbox_manager_stop_all (bench->manager);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *root = g_dir_make_tmp ("forge-bench-restart-XXXXXX", NULL);
  Bench bench = { 0 };

  forge_test_git_isolate ();
  forge_test_isolate_xdg (root);

  bench.context = forge_context_new (NULL, NULL);
  bench.store = forge_context_get_store (bench.context);
  bench.manager = forge_context_get_manager (bench.context);
  bench.engine = forge_context_get_engine (bench.context);
  bench.providers = forge_context_get_providers (bench.context);
  bench.workflow = forge_context_get_workflow (bench.context);
  forge_sandbox_manager_set_keepalive_interval (bench.manager, 300);
  g_signal_connect (bench.engine, "run-finished", G_CALLBACK (on_finished), &bench);
  g_signal_connect (bench.manager, "sandbox-state", G_CALLBACK (on_state), &bench);

  g_print ("restart: SIGKILL of the dev server -> HTTP 200 again, median of %d (ms)\n\n", ROUNDS);
  g_print ("%-12s %-11s %10s %10s %12s %10s\n", "fixture", "network", "kept port", "new port", "seed's path", "speed-up");
  for (Mode mode = 0; mode < N_MODES; mode++)
    bench_fixture (&bench, root, "vite-app", "node", mode);
  for (Mode mode = 0; mode < N_MODES; mode++)
    bench_fixture (&bench, root, "static-site", "forge-static-server", mode);
  g_print ("\nown net:    each sandbox command in a network of its own (slirp4netns), port forwarded\n"
           "shared net: sandbox on the host's network\n"
           "warm restart: same clone, same node_modules, new sandbox, server started;\n"
           "  kept port: on the port the manager keeps for the project (same origin)\n"
           "  new port:  on a fresh port each time, as before ports were kept\n"
           "seed's path:  new sandbox with an empty home (cold npm cache), clone, install, start\n"
           "speed-up: seed's path against the warm restart on the kept port\n"
           "target: Vite warm restart < 1500 ms and >= 10x faster than the seed's path\n");

  g_clear_object (&bench.context);
  forge_remove_tree (root, NULL);
  return 0;
}
