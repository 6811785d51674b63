/* forge-headless.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "forge-headless.h"

gboolean
forge_headless_requested (int    argc,
                          char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        break;
      if (g_str_equal (argv[i], "--headless"))
        return TRUE;
    }

  return FALSE;
}

int
forge_headless_main (int    argc,
                     char **argv)
{
  g_printerr ("%s\n", _("Headless mode is not available in this build yet."));
  return 1;
}
