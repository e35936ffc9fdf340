/*
 * report.c - error reports and the names of statuses and traps.
 *
 * Every fallible function returns a runnel_status and, given a runnel_report, describes the failure
 * there (toywasm's split between an error code and a report object): callers that only need to
 * branch pass NULL and pay nothing for formatting.
 */
#include "module.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void runnel_report_clear(runnel_report *r)
{
    if (!r)
        return;
    free(r->message);
    free(r->frames);
    memset(r, 0, sizeof *r);
}

void runnel_report_print(const runnel_report *r, FILE *out)
{
    FILE *f = out ? out : stderr;
    if (!r || r->status == RUNNEL_OK)
        return;
    /* the message and the names (a module's name section) may be a guest's: escaped (text.c) */
    char *msg = runnel_text_escape_lines(r->message ? r->message : "(no message)");
    fprintf(f, "%s: %s\n", runnel_status_name(r->status), msg ? msg : "(out of memory)");
    free(msg);
    for (size_t i = 0; i < r->nframes; i++) {
        const runnel_frame *fr = &r->frames[i];
        char *name = fr->func_name ? runnel_text_escape(fr->func_name) : NULL;
        if (name)
            fprintf(f, "  #%zu  %s (func %u) at offset 0x%x\n", i, name, fr->func_index, fr->offset);
        else
            fprintf(f, "  #%zu  func %u at offset 0x%x\n", i, fr->func_index, fr->offset);
        free(name);
    }
}

const char *runnel_status_name(runnel_status s)
{
    switch (s) {
    case RUNNEL_OK: return "ok";
    case RUNNEL_MALFORMED: return "malformed module";
    case RUNNEL_INVALID: return "invalid module";
    case RUNNEL_UNLINKABLE: return "link error";
    case RUNNEL_TRAP: return "trap";
    case RUNNEL_SUSPENDED: return "suspended";
    case RUNNEL_EXIT: return "exit";
    case RUNNEL_NOMEM: return "out of memory";
    case RUNNEL_BADARG: return "bad argument";
    case RUNNEL_TOOL: return "tool failed";
    }
    return "unknown status";
}

const char *runnel_trap_message(runnel_trap_kind k)
{
    switch (k) {
    case RUNNEL_TRAP_NONE: return "no trap";
    case RUNNEL_TRAP_UNREACHABLE: return "unreachable";
    case RUNNEL_TRAP_MEMORY_OOB: return "out of bounds memory access";
    case RUNNEL_TRAP_TABLE_OOB: return "out of bounds table access";
    case RUNNEL_TRAP_NULL_FUNC: return "uninitialized element";
    case RUNNEL_TRAP_SIG_MISMATCH: return "indirect call type mismatch";
    case RUNNEL_TRAP_DIV_ZERO: return "integer divide by zero";
    case RUNNEL_TRAP_INT_OVERFLOW: return "integer overflow";
    case RUNNEL_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case RUNNEL_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
    case RUNNEL_TRAP_HOST: return "host trap";
    case RUNNEL_TRAP_OUT_OF_FUEL: return "out of fuel";
    case RUNNEL_TRAP_INTERRUPTED: return "interrupted";
    }
    return "unknown trap";
}
