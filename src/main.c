/* main.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "forge-application.h"
#include "forge-headless.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ForgeApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Headless runs must not need a display, so they never touch GTK. */
  if (forge_headless_requested (argc, argv))
    return forge_headless_main (argc, argv);

  app = forge_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
