/* watchdog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "watchdog.h"

#include <stdlib.h>

static gpointer
watchdog_thread (gpointer data)
{
  ForgeTestWatchdog *watchdog = data;
  gint64 deadline = g_get_monotonic_time () + FORGE_TEST_WATCHDOG_SECONDS * G_TIME_SPAN_SECOND;

  g_mutex_lock (&watchdog->mutex);
  while (!watchdog->done)
    if (!g_cond_wait_until (&watchdog->cond, &watchdog->mutex, deadline))
      {
        g_printerr ("%s blocked for %d s\n", watchdog->what, FORGE_TEST_WATCHDOG_SECONDS);
        g_test_fail ();
        exit (EXIT_FAILURE);
      }
  g_mutex_unlock (&watchdog->mutex);

  return NULL;
}

void
forge_test_watchdog_start (ForgeTestWatchdog *watchdog,
                           const char        *what)
{
  g_mutex_init (&watchdog->mutex);
  g_cond_init (&watchdog->cond);
  watchdog->done = FALSE;
  watchdog->what = what;
  watchdog->thread = g_thread_new ("watchdog", watchdog_thread, watchdog);
}

void
forge_test_watchdog_stop (ForgeTestWatchdog *watchdog)
{
  g_mutex_lock (&watchdog->mutex);
  watchdog->done = TRUE;
  g_cond_signal (&watchdog->cond);
  g_mutex_unlock (&watchdog->mutex);
  g_thread_join (watchdog->thread);
  g_mutex_clear (&watchdog->mutex);
  g_cond_clear (&watchdog->cond);
}
