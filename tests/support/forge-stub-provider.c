/* forge-stub-provider.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "forge-stub-provider.h"

#define STUB_TYPE_PROVIDER (stub_provider_get_type ())
G_DECLARE_FINAL_TYPE (StubProvider, stub_provider, STUB, PROVIDER, GObject)

struct _StubProvider
{
  GObject  parent_instance;
  char    *name;
  char    *unavailable;   /* why not, or NULL when it works */
};

static const char *
stub_provider_get_name (ForgeSandboxProvider *provider)
{
  return STUB_PROVIDER (provider)->name;
}

static gboolean
stub_provider_is_available (ForgeSandboxProvider  *provider,
                            GError               **error)
{
  StubProvider *self = STUB_PROVIDER (provider);

  if (self->unavailable == NULL)
    return TRUE;

  g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE, self->unavailable);
  return FALSE;
}

static void
stub_provider_iface_init (ForgeSandboxProviderInterface *iface)
{
  iface->get_name = stub_provider_get_name;
  iface->is_available = stub_provider_is_available;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (StubProvider, stub_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (FORGE_TYPE_SANDBOX_PROVIDER, stub_provider_iface_init))

static void
stub_provider_finalize (GObject *object)
{
  StubProvider *self = STUB_PROVIDER (object);

  g_free (self->name);
  g_free (self->unavailable);

  G_OBJECT_CLASS (stub_provider_parent_class)->finalize (object);
}

static void
stub_provider_class_init (StubProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = stub_provider_finalize;
}

static void
stub_provider_init (StubProvider *self)
{
}

ForgeSandboxProvider *
forge_test_stub_provider_new (const char *name,
                              const char *unavailable_reason)
{
  StubProvider *self = g_object_new (STUB_TYPE_PROVIDER, NULL);

  self->name = g_strdup (name);
  self->unavailable = g_strdup (unavailable_reason);

  return FORGE_SANDBOX_PROVIDER (self);
}
