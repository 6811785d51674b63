/* durable-writes-helper.c
 *
 * Writes the project list and a run journal as the app does, as fast as
 * it can, until test-durable-writes kills it. Each write adds to what is
 * there, so a file that ever lost an entry would show it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>

#include "forge-project-store.h"
#include "forge-run-journal.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(ForgeProjectStore) store = NULL;
  g_autoptr(ForgeRunJournal) journal = NULL;
  g_autofree char *store_path = NULL;
  g_autofree char *journal_path = NULL;
  g_autofree char *padding = NULL;

  gboolean journal_first;
  guint n_steps = 0;

  if (argc != 3)
    {
      g_printerr ("usage: %s DIR projects-first|journal-first\n", argv[0]);
      return 2;
    }
  journal_first = g_str_equal (argv[2], "journal-first");

  store_path = g_build_filename (argv[1], "projects.json", NULL);
  journal_path = g_build_filename (argv[1], "runs", "6f1c1f9e-2f7a-4b1e-9a3c-5d2e8b7a4c10.json", NULL);
  g_mkdir_with_parents (argv[1], 0700);
  {
    g_autofree char *runs = g_path_get_dirname (journal_path);

    g_mkdir_with_parents (runs, 0700);
  }

  store = forge_project_store_new (store_path);
  if (!forge_project_store_load (store, NULL))
    return 3;

  journal = forge_run_journal_load (journal_path, NULL);
  if (journal == NULL)
    {
      g_autoptr(JsonNode) event = json_node_new (JSON_NODE_OBJECT);

      json_node_take_object (event, json_object_new ());
      journal = forge_run_journal_new (journal_path, "6f1c1f9e-2f7a-4b1e-9a3c-5d2e8b7a4c10",
                                       "clone-and-preview-repository", "github/clone-and-preview", event);
    }

  /* Steps are numbered from 0, so that a missing one would show. */
  for (;; n_steps++)
    {
      g_autofree char *step = g_strdup_printf ("step-%u", n_steps);
      g_autoptr(JsonNode) output = NULL;

      if (!forge_run_journal_lookup_step (journal, step, &output, NULL, NULL, NULL, NULL))
        break;
    }

  /* Big enough that a write takes a while to land. */
  padding = g_strnfill (2048, 'x');

  /* The test kills it from here on, at a time of its choosing. */
  fputs ("ready\n", stdout);
  fflush (stdout);

  for (;;)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (store));
      g_autofree char *url = g_strdup_printf ("https://example.com/owner/repo-%u-%s", n, padding);
      g_autofree char *step = g_strdup_printf ("step-%u", n_steps);
      g_autoptr(JsonNode) output = json_node_new (JSON_NODE_VALUE);
      g_autoptr(GError) error = NULL;

      for (guint turn = 0; turn < 2; turn++)
        {
          if ((turn == 0) != journal_first)
            {
              forge_project_store_ensure (store, url);
              if (!forge_project_store_save (store, &error))
                {
                  g_printerr ("save: %s\n", error->message);
                  return 4;
                }
            }
          else
            {
              json_node_set_string (output, padding);
              forge_run_journal_complete_step (journal, step, 1, g_get_real_time () / 1000, 1, output);
              if (!forge_run_journal_save (journal, &error))
                {
                  g_printerr ("journal: %s\n", error->message);
                  return 5;
                }
              n_steps++;
            }
        }
    }
}
