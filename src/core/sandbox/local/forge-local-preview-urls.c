/* forge-local-preview-urls.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-local-sandbox"

#include "config.h"

#include "forge-local-preview-urls.h"

/* A forwarded port is on the host's 127.0.0.1 only. On the host's own
 * network the server bound what it chose: many take "localhost", which
 * may be [::1] rather than 127.0.0.1 (Node 17 and later prefer what the
 * resolver lists first), so the port is tried there too. */
char **
_forge_local_sandbox_dup_preview_urls (ForgeSandbox *sandbox,
                                       const char   *authority,
                                       const char   *url)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *first = forge_sandbox_url_with_authority (url, authority);

  if (first == NULL)
    return g_strv_builder_end (builder);
  g_strv_builder_add (builder, first);

  if (forge_sandbox_shares_host_network (sandbox))
    {
      g_autofree char *base = g_strdup_printf ("http://%s/", authority);
      g_autoptr(GUri) where = g_uri_parse (base, G_URI_FLAGS_NONE, NULL);
      g_autofree char *ipv6_authority = g_strdup_printf ("[::1]:%d", g_uri_get_port (where));
      g_autofree char *ipv6 = forge_sandbox_url_with_authority (url, ipv6_authority);

      if (ipv6 != NULL)
        g_strv_builder_add (builder, ipv6);
    }

  return g_strv_builder_end (builder);
}
