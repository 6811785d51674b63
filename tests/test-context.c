/* test-context.c
 *
 * The core's object graph as ForgeContext wires it: it goes away whole,
 * also in the middle of a run, and leaves no sandbox process behind.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "e2e-util.h"
#include "forge-context.h"
#include "forge-util.h"
#include "git-test-util.h"

typedef struct
{
  char         *root;
  GMainLoop    *loop;
  ForgeContext *context;
  char         *run_id;
  const char   *wait_for_step;   /* quit the loop when it starts */
  ForgeRunStatus status;         /* once the run finished */
  gboolean      finished;
  /* Weak pointers: NULL once the graph is gone. */
  gpointer      store;
  gpointer      providers;
  gpointer      manager;
  gpointer      engine;
  gpointer      workflow;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->root = g_dir_make_tmp ("forge-context-XXXXXX", NULL);
  forge_test_isolate_xdg (fixture->root);
  fixture->loop = g_main_loop_new (NULL, FALSE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_null (fixture->context);
  g_clear_pointer (&fixture->loop, g_main_loop_unref);
  g_free (fixture->run_id);
  forge_remove_tree (fixture->root, NULL);
  g_free (fixture->root);
}

static void
on_step (ForgeWorkflowEngine *engine,
         const char          *run_id,
         const char          *step_id,
         ForgeStepState       state,
         guint                attempt,
         gint64               duration_ms,
         const char          *error_message,
         Fixture             *fixture)
{
  if (g_strcmp0 (run_id, fixture->run_id) == 0 && state == FORGE_STEP_STATE_START &&
      g_strcmp0 (step_id, fixture->wait_for_step) == 0)
    g_main_loop_quit (fixture->loop);
}

static void
on_finished (ForgeWorkflowEngine *engine,
             const char          *run_id,
             ForgeRunStatus       status,
             JsonNode            *output,
             const char          *error_message,
             Fixture             *fixture)
{
  if (g_strcmp0 (run_id, fixture->run_id) != 0)
    return;

  fixture->status = status;
  fixture->finished = TRUE;
  g_main_loop_quit (fixture->loop);
}

static gboolean
fail_on_timeout (gpointer user_data)
{
  g_error ("Timed out: %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

static void
make_context (Fixture *fixture)
{
  fixture->context = forge_context_new (NULL, NULL);

#define WATCH(member, getter) \
  fixture->member = getter (fixture->context); \
  g_object_add_weak_pointer (G_OBJECT (fixture->member), &fixture->member)
  WATCH (store, forge_context_get_store);
  WATCH (providers, forge_context_get_providers);
  WATCH (manager, forge_context_get_manager);
  WATCH (engine, forge_context_get_engine);
  WATCH (workflow, forge_context_get_workflow);
#undef WATCH

  g_assert_true (FORGE_IS_PROJECT_STORE (fixture->store));
  g_assert_true (FORGE_IS_SANDBOX_PROVIDERS (fixture->providers));
  g_assert_true (FORGE_IS_SANDBOX_MANAGER (fixture->manager));
  g_assert_true (FORGE_IS_WORKFLOW_ENGINE (fixture->engine));
  g_assert_true (FORGE_IS_CLONE_AND_PREVIEW (fixture->workflow));

  g_signal_connect (fixture->engine, "step", G_CALLBACK (on_step), fixture);
  g_signal_connect (fixture->engine, "run-finished", G_CALLBACK (on_finished), fixture);
}

static gboolean
graph_is_gone (Fixture *fixture)
{
  return fixture->store == NULL && fixture->providers == NULL && fixture->manager == NULL &&
         fixture->engine == NULL && fixture->workflow == NULL;
}

static void
start_static_site (Fixture *fixture)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *project_id = NULL;

  fixture->run_id = forge_clone_and_preview_start (forge_context_get_engine (fixture->context),
                                                   forge_context_get_store (fixture->context),
                                                   url, NULL, &project_id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->run_id);
}

static void
run_loop (Fixture    *fixture,
          const char *what)
{
  guint timeout = g_timeout_add_seconds (120, fail_on_timeout, (gpointer) what);

  g_main_loop_run (fixture->loop);
  g_source_remove (timeout);
}

/* Nothing running: the whole graph goes with the last reference. */
static void
test_idle (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  make_context (fixture);
  g_assert_true (forge_context_load (fixture->context, &error));
  g_assert_no_error (error);
  g_clear_object (&fixture->context);
  g_assert_true (graph_is_gone (fixture));
}

/* A preview is up (a sandbox with a server, the workflow as the manager's
 * restarter): dropping the context stops it and frees everything. */
static void
test_after_preview (Fixture       *fixture,
                    gconstpointer  data)
{
  make_context (fixture);
  start_static_site (fixture);
  run_loop (fixture, "the run to finish");
  g_assert_true (fixture->finished);
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_cmpuint (forge_sandbox_manager_get_n_sandboxes (fixture->manager), ==, 1);
  g_assert_cmpuint (forge_test_count_processes_mentioning (fixture->root), >, 0);

  g_clear_object (&fixture->context);
  g_assert_true (graph_is_gone (fixture));
  g_assert_true (forge_test_wait_no_processes (fixture->root, 5000));
}

/* Dropped while a run is in the middle of starting the server: the run
 * is cancelled, keeps what it uses until it ends, and then the graph goes
 * and takes its sandbox with it. */
static void
test_during_run (Fixture       *fixture,
                 gconstpointer  data)
{
  guint timeout;

  make_context (fixture);
  fixture->wait_for_step = FORGE_STEP_START_PREVIEW_SERVER;
  start_static_site (fixture);
  run_loop (fixture, "the server step to start");
  g_assert_false (fixture->finished);

  g_clear_object (&fixture->context);

  timeout = g_timeout_add_seconds (60, fail_on_timeout, (gpointer) "the graph to go");
  while (!graph_is_gone (fixture))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);

  g_assert_true (fixture->finished);
  g_assert_cmpint (fixture->status, !=, FORGE_RUN_STATUS_COMPLETED);
  g_assert_true (forge_test_wait_no_processes (fixture->root, 5000));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  forge_test_git_isolate ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/forge/context/idle", test_idle);
  ADD ("/forge/context/after-preview", test_after_preview);
  ADD ("/forge/context/during-run", test_during_run);
#undef ADD

  return g_test_run ();
}
