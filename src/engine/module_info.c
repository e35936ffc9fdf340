/*
 * module_info.c - a module's imports and exports as the public API describes them.
 *
 * Embedders (the plugin host deciding which host functions to provide, the CLI's `inspect`) need
 * what a module imports and exports without instantiating it. The descriptions are views into the
 * decoded module: nothing is allocated, so they stay valid exactly as long as the module.
 * Functions are described by the same signature strings runnel_linker_define_func takes
 * ("params:results"), which the decoder already made for each type.
 */
#include "module.h"

static const char *func_sig(const rn_module *m, uint32_t type_index)
{
    return type_index < m->ntypes ? m->types[type_index].sig : NULL;
}

runnel_import_desc rn_module_import_desc(const rn_module *m, size_t i)
{
    runnel_import_desc d = {0};
    if (!m || i >= m->nimports)
        return d;
    const rn_import *im = &m->imports[i];
    d.module = im->module;
    d.name = im->name;
    d.kind = (runnel_externkind)im->kind;
    if (im->kind == RN_KIND_FUNC)
        d.type = func_sig(m, im->u.type_index);
    return d;
}

runnel_export_desc rn_module_export_desc(const rn_module *m, size_t i)
{
    runnel_export_desc d = {0};
    if (!m || i >= m->nexports)
        return d;
    const rn_export *e = &m->exports[i];
    d.name = e->name;
    d.kind = (runnel_externkind)e->kind;
    d.index = e->index;
    if (e->kind == RN_KIND_FUNC && e->index < m->nfuncs)
        d.type = func_sig(m, m->func_types[e->index]);
    return d;
}
