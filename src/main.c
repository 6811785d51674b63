/* main.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "forge-application.h"
#include "forge-headless.h"
#include "forge-page-probe.h"

/* Only for --headless --load-page: the one headless path with a display. */
static GObject *
create_page_probe (GError **error)
{
  if (!gtk_init_check ())
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           _("--load-page needs a display: run it in a desktop session or under xvfb-run."));
      return NULL;
    }

  return G_OBJECT (forge_page_probe_new ());
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ForgeApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Headless runs must not need a display, so they touch GTK only when
   * asked to load the page. */
  if (forge_headless_requested (argc, argv))
    return forge_headless_main (argc, argv, create_page_probe);

  app = forge_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
