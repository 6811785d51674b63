/* forge-preview.c — placeholder, replaced by the preview widget work. */
#include "config.h"
#include "forge-preview.h"

struct _ForgePreview { GtkWidget parent_instance; char *base_uri; };
G_DEFINE_FINAL_TYPE (ForgePreview, forge_preview, GTK_TYPE_WIDGET)
static void forge_preview_class_init (ForgePreviewClass *klass) { }
static void forge_preview_init (ForgePreview *self) { }
GtkWidget *forge_preview_new (void) { return g_object_new (FORGE_TYPE_PREVIEW, NULL); }
const char *forge_preview_get_base_uri (ForgePreview *self) { return self->base_uri; }
void forge_preview_set_base_uri (ForgePreview *self, const char *base_uri, gboolean keep_path) { g_free (self->base_uri); self->base_uri = g_strdup (base_uri); }
const char *forge_preview_get_path (ForgePreview *self) { return "/"; }
void forge_preview_navigate (ForgePreview *self, const char *path) { }
void forge_preview_reload (ForgePreview *self) { }
ForgePreviewState forge_preview_get_state (ForgePreview *self) { return FORGE_PREVIEW_STATE_EMPTY; }
void forge_preview_set_restoring (ForgePreview *self, gboolean restoring) { }
gboolean forge_preview_get_restoring (ForgePreview *self) { return FALSE; }
