/* workflow-crash-helper.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs a workflow engine on a state directory until it is killed: the
 * workflow-engine test kills it with SIGKILL in the middle of a step and
 * resumes the run in its own process.
 *
 * Usage: workflow-crash-helper RUNS-DIR COUNTER-FILE MARKER-FILE
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "forge-workflow-engine.h"

static JsonNode *
string_node (const char *value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, value);
  return node;
}

static const char *
event_string (ForgeStepContext *ctx,
              const char       *key)
{
  return json_object_get_string_member (json_node_get_object (forge_step_context_get_event_data (ctx)), key);
}

static JsonNode *
count_step (ForgeStepContext  *ctx,
            gpointer           user_data,
            GError           **error)
{
  FILE *file = fopen (event_string (ctx, "counter"), "a");

  if (file == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot open the counter file");
      return NULL;
    }
  fputs ("ran\n", file);
  fclose (file);
  return string_node ("counted");
}

static JsonNode *
block_step (ForgeStepContext  *ctx,
            gpointer           user_data,
            GError           **error)
{
  if (!g_file_set_contents (event_string (ctx, "marker"), "started", -1, error))
    return NULL;

  /* Killed long before this ends. */
  for (guint i = 0; i < 6000 && !g_cancellable_is_cancelled (forge_step_context_get_cancellable (ctx)); i++)
    g_usleep (10 * 1000);

  g_set_error_literal (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE, "The helper was not killed");
  return NULL;
}

static JsonNode *
crash_function (ForgeStepContext  *ctx,
                JsonNode          *event_data,
                gpointer           user_data,
                GError           **error)
{
  g_autoptr(JsonNode) counted = NULL;
  g_autoptr(JsonNode) blocked = NULL;

  if (!(counted = forge_step_run (ctx, "count", count_step, NULL, error)) ||
      !(blocked = forge_step_run (ctx, "block", block_step, NULL, error)))
    return NULL;

  return string_node ("helper finished");
}

static gboolean
give_up (gpointer user_data)
{
  exit (EXIT_FAILURE);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ForgeWorkflowEngine) engine = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(JsonNode) data = NULL;
  g_autofree char *run_id = NULL;
  JsonObject *object;

  if (argc != 4)
    {
      g_printerr ("Usage: %s RUNS-DIR COUNTER-FILE MARKER-FILE\n", argv[0]);
      return EXIT_FAILURE;
    }

  engine = forge_workflow_engine_new_for_directory (argv[1]);
  forge_workflow_engine_register (engine, "crash-test", "test/crash", crash_function, NULL, NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "counter", argv[2]);
  json_object_set_string_member (object, "marker", argv[3]);
  data = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (data, object);

  run_id = forge_workflow_engine_send (engine, "test/crash", data);
  g_print ("%s\n", run_id);

  loop = g_main_loop_new (NULL, FALSE);
  g_timeout_add_seconds (60, give_up, NULL);
  g_main_loop_run (loop);

  return EXIT_FAILURE;
}
