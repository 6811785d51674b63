/* forge-test-harness.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-context.h"
#include "forge-fake-provider.h"

G_BEGIN_DECLS

/* What every end-to-end test of the core starts from: a ForgeContext in a
 * private temporary root (its own XDG folders), the "fake" backend
 * registered beside the real ones, and a recorder of the events the
 * workflow engine and the sandbox manager emit. Use it as a GTest
 * fixture (forge_test_harness_set_up / _tear_down) or on its own. */
typedef struct
{
  char                  *root;
  ForgeContext          *context;
  /* The context's: */
  ForgeProjectStore     *store;
  ForgeSandboxManager   *manager;
  ForgeWorkflowEngine   *engine;
  ForgeCloneAndPreview  *workflow;
  ForgeSandboxProviders *providers;
  ForgeFakeProvider     *fake;
  GMainLoop             *loop;

  /* The run started by forge_test_harness_run(): */
  char                  *run_id;
  GPtrArray             *steps;        /* "step-id:state" */
  GPtrArray             *logs;         /* "stream: line" */
  ForgeRunStatus         status;       /* once it finished */
  char                  *error;
  JsonNode              *output;

  /* "sandbox-state" of every project, in order: */
  GArray                *states;       /* ForgeSandboxState */
  char                  *restored_url;
  gint64                 restart_ms;
} ForgeTestHarness;

/* GTest fixture functions; @data is unused. */
void          forge_test_harness_set_up          (ForgeTestHarness  *harness,
                                                  gconstpointer      data);
/* Stops every sandbox, waits for runs to wind down and fails the test
 * when any process still names the root on its command line. */
void          forge_test_harness_tear_down       (ForgeTestHarness  *harness,
                                                  gconstpointer      data);

/* Forgets the recorded run. */
void          forge_test_harness_reset_run       (ForgeTestHarness  *harness);
/* Runs clone-and-preview on @url with @backend (NULL: the default) and
 * waits until it finished (the test fails after @timeout_seconds).
 * Returns the project's id. */
char         *forge_test_harness_run             (ForgeTestHarness  *harness,
                                                  const char        *url,
                                                  const char        *backend,
                                                  guint              timeout_seconds);
/* A string member of the finished run's output. */
const char   *forge_test_harness_output_string   (ForgeTestHarness  *harness,
                                                  const char        *member);
gboolean      forge_test_harness_logs_contain    (ForgeTestHarness  *harness,
                                                  const char        *text);
guint         forge_test_harness_count_state     (ForgeTestHarness  *harness,
                                                  ForgeSandboxState  state);
/* Iterates the main context until @state was seen (fails after @seconds). */
void          forge_test_harness_wait_for_state  (ForgeTestHarness  *harness,
                                                  ForgeSandboxState  state,
                                                  guint              seconds);
/* Iterates the main context for @milliseconds. */
void          forge_test_harness_run_for         (guint              milliseconds);

G_END_DECLS
