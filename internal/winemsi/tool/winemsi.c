/*
 * winemsi: drives msi.dll (Wine's, under wine64) for msikit's tests.
 *
 * Built by internal/winemsi with x86_64-w64-mingw32-gcc -municode ... -lmsi
 * -lole32 and run headless under wine. Written for msikit from the
 * documented Windows Installer API; no Wine source is used.
 *
 * The arguments are a list of operations run in order on one "current"
 * database handle, so that a transform applied in memory can be exported
 * by the same process:
 *
 *   open PATH MODE          MODE: ro, transact, direct, create
 *   apply PATH FLAGS        MsiDatabaseApplyTransformW (FLAGS: decimal or 0x..)
 *   applyif PATH FLAGS      applies the transform at PATH like apply, but only
 *                           when the original product code of its PID 9
 *                           equals the current ProductCode property; prints
 *                           "applyif applied" or "applyif skipped"
 *   export DIR TABLES       MsiDatabaseExportW of each table to DIR\TABLE.idt;
 *                           TABLES is "*" (every row of _Tables, then
 *                           _SummaryInformation and _ForceCodepage) or a
 *                           comma-separated list. With "*", a table that
 *                           fails prints "notexported TABLE RC" and the
 *                           export goes on; _ForceCodepage comes last.
 *   tables                  prints "table NAME" for each row of _Tables
 *   query SQL               prints the columns ("cols"), types ("types") and
 *                           each row ("row") of a SELECT
 *   sql SQL                 executes a statement (no rows fetched)
 *   commit                  MsiDatabaseCommit
 *   merge PATH ERRTABLE     MsiDatabaseMergeW with PATH opened read-only;
 *                           ERRTABLE "-" for none. Prints "merge RC" and
 *                           does not fail on ERROR_FUNCTION_FAILED (conflicts).
 *   import DIR FILE         MsiDatabaseImportW
 *   generate REF OUT        MsiDatabaseGenerateTransformW(current, REF, OUT);
 *                           OUT "-" passes NULL (the "are they equal" form).
 *                           Prints "generate RC" and never fails.
 *   transforminfo REF OUT ERRCOND VALIDATE
 *                           MsiCreateTransformSummaryInfoW; prints
 *                           "transforminfo RC" and never fails.
 *   suminfo PATH            MsiGetSummaryInformationW(0, PATH): prints
 *                           "suminfo", then "prop PID TYPE VALUE" for each
 *                           property present
 *   dbsuminfo               the same for the current database
 *   extract FILE NAME OUT   copies the substorage NAME of the compound file
 *                           FILE into a new compound file OUT (ole32)
 *   storages FILE           lists the root's children (ole32): prints
 *                           "element NAME TYPE SIZE CLSID" (TYPE storage or
 *                           stream; names as stored, not unpacked)
 *   descriptor STRING       MsiDecomposeDescriptorW: prints
 *                           "descriptor PRODUCT FEATURE COMPONENT USED"
 *   ice ACTION              opens the current database as a package
 *                           (MsiOpenPackageW "#handle") and runs ACTION
 *                           (an ICE custom action merged from a .cub) with
 *                           MsiDoActionW, as msival2 does: prints
 *                           "iceline MESSAGE" for each INSTALLMESSAGE_USER
 *                           message (one ICE finding, its fields separated
 *                           by tabs, escaped as a whole), then
 *                           "ice ACTION RC". Never fails on RC.
 *   decompose STRING        the same, but never fails: prints
 *                           "decomposed RC PRODUCT FEATURE COMPONENT USED"
 *   makelink PATH TARGET ARGS DARWINID
 *                           writes the shell link PATH (shell32 IShellLinkW,
 *                           IPersistFile::Save) to TARGET with arguments
 *                           ARGS and, unless DARWINID is "-", an
 *                           EXP_DARWIN_LINK data block holding DARWINID
 *                           (IShellLinkDataList::AddDataBlock, or where that
 *                           is not implemented, as in Wine 8, SetPath of the
 *                           shell's advertise form ::{9DB1186E-...}:ID::)
 *   readlink PATH           loads the shell link PATH and prints
 *                           "link FLAGS DARWINID ARGS" (GetFlags,
 *                           CopyDataBlock(EXP_DARWIN_ID_SIG), GetArguments;
 *                           DARWINID \N when the link has none)
 *   close                   closes the current database
 *
 * Every output line is UTF-8, its fields separated by tabs. Text fields
 * escape backslash, tab, CR and LF as \\ \t \r \n and other control
 * characters as \xHH; a null field is \N.
 * On failure the program prints "fail OP RC MESSAGE" and exits with status
 * 1; a usage error exits with status 2.
 */

#define WIN32_LEAN_AND_MEAN
#define COBJMACROS
#include <windows.h>
#include <objbase.h>
#include <shlobj.h>
#include <shlguid.h>
#include <msi.h>
#include <msiquery.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <io.h>
#include <fcntl.h>

UINT WINAPI MsiDecomposeDescriptorW(LPCWSTR, LPWSTR, LPWSTR, LPWSTR, LPDWORD);

static void put_utf8(const WCHAR *s, int n)
{
    char buf[4096];
    while (n > 0) {
        int chunk = n > 1000 ? 1000 : n;
        /* do not split a surrogate pair */
        if (chunk < n && chunk > 0 && s[chunk - 1] >= 0xD800 && s[chunk - 1] < 0xDC00)
            chunk--;
        int m = WideCharToMultiByte(CP_UTF8, 0, s, chunk, buf, sizeof buf, NULL, NULL);
        fwrite(buf, 1, m, stdout);
        s += chunk;
        n -= chunk;
    }
}

static void put(const WCHAR *s) { put_utf8(s, (int)wcslen(s)); }

static void put_ascii(const char *s) { fputs(s, stdout); }

/* put_field writes a text field with the escapes described above. */
static void put_field(const WCHAR *s, int n)
{
    int start = 0;
    char hex[8];
    for (int i = 0; i < n; i++) {
        const char *esc = NULL;
        switch (s[i]) {
        case '\\': esc = "\\\\"; break;
        case '\t': esc = "\\t"; break;
        case '\r': esc = "\\r"; break;
        case '\n': esc = "\\n"; break;
        default:
            if (s[i] < 0x20) {
                snprintf(hex, sizeof hex, "\\x%02X", (unsigned)s[i]);
                esc = hex;
            }
        }
        if (esc) {
            put_utf8(s + start, i - start);
            put_ascii(esc);
            start = i + 1;
        }
    }
    put_utf8(s + start, n - start);
}

static MSIHANDLE db;

/* last_error formats the extended error record of the last call, if any. */
static WCHAR *last_error(void)
{
    static WCHAR buf[2048];
    buf[0] = 0;
    MSIHANDLE rec = MsiGetLastErrorRecord();
    if (rec) {
        DWORD n = sizeof buf / sizeof buf[0];
        if (MsiFormatRecordW(0, rec, buf, &n) != ERROR_SUCCESS)
            buf[0] = 0;
        MsiCloseHandle(rec);
    }
    return buf;
}

static void fail(const WCHAR *op, UINT rc)
{
    WCHAR *msg = last_error();
    fflush(stdout);
    put_ascii("fail\t");
    put(op);
    printf("\t%u\t", rc);
    put_field(msg, (int)wcslen(msg));
    put_ascii("\n");
    fflush(stdout);
    if (db)
        MsiCloseHandle(db);
    exit(1);
}

static void usage(const char *msg)
{
    fprintf(stdout, "usage\t%s\n", msg);
    fflush(stdout);
    exit(2);
}

static UINT parse_uint(const WCHAR *s)
{
    return (UINT)wcstoul(s, NULL, 0);
}

static void need_db(const WCHAR *op)
{
    if (!db) {
        put(op);
        usage(": no open database");
    }
}

static void op_open(const WCHAR *path, const WCHAR *mode)
{
    LPCWSTR m;
    if (!wcscmp(mode, L"ro"))
        m = (LPCWSTR)MSIDBOPEN_READONLY;
    else if (!wcscmp(mode, L"transact"))
        m = (LPCWSTR)MSIDBOPEN_TRANSACT;
    else if (!wcscmp(mode, L"direct"))
        m = (LPCWSTR)MSIDBOPEN_DIRECT;
    else if (!wcscmp(mode, L"create"))
        m = (LPCWSTR)MSIDBOPEN_CREATE;
    else
        usage("open: MODE is ro, transact, direct or create");
    if (db)
        MsiCloseHandle(db);
    db = 0;
    UINT rc = MsiOpenDatabaseW(path, m, &db);
    if (rc != ERROR_SUCCESS)
        fail(L"open", rc);
}

/* for_each_row runs a SELECT and calls fn for each record. */
static void for_each_row(const WCHAR *op, const WCHAR *sql, void (*fn)(MSIHANDLE view, MSIHANDLE rec, void *), void *arg)
{
    MSIHANDLE view = 0, rec = 0;
    UINT rc = MsiDatabaseOpenViewW(db, sql, &view);
    if (rc != ERROR_SUCCESS)
        fail(op, rc);
    rc = MsiViewExecute(view, 0);
    if (rc != ERROR_SUCCESS)
        fail(op, rc);
    while ((rc = MsiViewFetch(view, &rec)) == ERROR_SUCCESS) {
        fn(view, rec, arg);
        MsiCloseHandle(rec);
    }
    if (rc != ERROR_NO_MORE_ITEMS)
        fail(op, rc);
    MsiViewClose(view);
    MsiCloseHandle(view);
}

/* record_string returns field i of rec in a buffer the caller frees. */
static WCHAR *record_string(MSIHANDLE rec, UINT i, DWORD *len)
{
    DWORD n = 0;
    WCHAR empty[1];
    UINT rc = MsiRecordGetStringW(rec, i, empty, &n);
    if (rc != ERROR_MORE_DATA && rc != ERROR_SUCCESS)
        fail(L"record", rc);
    n++;
    WCHAR *s = malloc(n * sizeof(WCHAR));
    if (!s)
        fail(L"record", ERROR_OUTOFMEMORY);
    rc = MsiRecordGetStringW(rec, i, s, &n);
    if (rc != ERROR_SUCCESS)
        fail(L"record", rc);
    *len = n;
    return s;
}

struct names {
    WCHAR **v;
    int n, cap;
};

static void add_name(MSIHANDLE view, MSIHANDLE rec, void *arg)
{
    struct names *ns = arg;
    DWORD len;
    (void)view;
    if (ns->n == ns->cap) {
        ns->cap = ns->cap ? 2 * ns->cap : 64;
        ns->v = realloc(ns->v, ns->cap * sizeof(WCHAR *));
        if (!ns->v)
            fail(L"tables", ERROR_OUTOFMEMORY);
    }
    ns->v[ns->n++] = record_string(rec, 1, &len);
}

static struct names table_names(void)
{
    struct names ns = {0};
    for_each_row(L"tables", L"SELECT `Name` FROM `_Tables`", add_name, &ns);
    return ns;
}

static void op_tables(void)
{
    need_db(L"tables");
    struct names ns = table_names();
    for (int i = 0; i < ns.n; i++) {
        put_ascii("table\t");
        put_field(ns.v[i], (int)wcslen(ns.v[i]));
        put_ascii("\n");
        free(ns.v[i]);
    }
    free(ns.v);
}

/* export_one exports table to dir\table.idt. When keep_going is set, a
 * table msi.dll cannot export is reported ("notexported TABLE RC") and its
 * partial file removed, instead of ending the script. */
static void export_one(const WCHAR *dir, const WCHAR *table, int keep_going)
{
    WCHAR file[512], path[1024];
    if (_snwprintf(file, 512, L"%s.idt", table) >= 512)
        fail(L"export", ERROR_INVALID_PARAMETER);
    file[511] = 0;
    UINT rc = MsiDatabaseExportW(db, table, dir, file);
    if (rc != ERROR_SUCCESS) {
        if (!keep_going)
            fail(L"export", rc);
        if (_snwprintf(path, 1024, L"%s\\%s", dir, file) < 1024) {
            path[1023] = 0;
            DeleteFileW(path);
        }
        put_ascii("notexported\t");
        put_field(table, (int)wcslen(table));
        printf("\t%u\n", rc);
        return;
    }
    put_ascii("exported\t");
    put_field(table, (int)wcslen(table));
    put_ascii("\n");
}

static void op_export(const WCHAR *dir, const WCHAR *tables)
{
    need_db(L"export");
    if (!wcscmp(tables, L"*")) {
        struct names ns = table_names();
        for (int i = 0; i < ns.n; i++) {
            export_one(dir, ns.v[i], 1);
            free(ns.v[i]);
        }
        free(ns.v);
        export_one(dir, L"_SummaryInformation", 1);
        export_one(dir, L"_ForceCodepage", 0);
        return;
    }
    WCHAR *copy = _wcsdup(tables);
    if (!copy)
        fail(L"export", ERROR_OUTOFMEMORY);
    for (WCHAR *t = copy, *comma; t; t = comma) {
        if ((comma = wcschr(t, ',')))
            *comma++ = 0;
        if (*t)
            export_one(dir, t, 0);
    }
    free(copy);
}

static void put_record(const char *tag, MSIHANDLE rec)
{
    UINT n = MsiRecordGetFieldCount(rec);
    put_ascii(tag);
    for (UINT i = 1; i <= n; i++) {
        put_ascii("\t");
        if (MsiRecordIsNull(rec, i)) {
            put_ascii("\\N");
            continue;
        }
        DWORD len;
        WCHAR *s = record_string(rec, i, &len);
        put_field(s, (int)len);
        free(s);
    }
    put_ascii("\n");
}

/* op_query prints the column names and types, then each row; binary
 * (stream) fields print as <stream N>. */
static void op_query(const WCHAR *sql)
{
    need_db(L"query");
    MSIHANDLE view = 0, rec = 0, names = 0, types = 0;
    UINT rc = MsiDatabaseOpenViewW(db, sql, &view);
    if (rc != ERROR_SUCCESS)
        fail(L"query", rc);
    rc = MsiViewExecute(view, 0);
    if (rc != ERROR_SUCCESS)
        fail(L"query", rc);
    if ((rc = MsiViewGetColumnInfo(view, MSICOLINFO_NAMES, &names)) != ERROR_SUCCESS)
        fail(L"query", rc);
    if ((rc = MsiViewGetColumnInfo(view, MSICOLINFO_TYPES, &types)) != ERROR_SUCCESS)
        fail(L"query", rc);
    put_record("cols", names);
    put_record("types", types);
    while ((rc = MsiViewFetch(view, &rec)) == ERROR_SUCCESS) {
        UINT n = MsiRecordGetFieldCount(rec);
        put_ascii("row");
        for (UINT i = 1; i <= n; i++) {
            WCHAR t[8];
            DWORD tl = 8;
            put_ascii("\t");
            if (MsiRecordGetStringW(types, i, t, &tl) != ERROR_SUCCESS)
                t[0] = 0;
            if (MsiRecordIsNull(rec, i)) {
                put_ascii("\\N");
            } else if (t[0] == 'v' || t[0] == 'V') {
                printf("<stream %u>", MsiRecordDataSize(rec, i));
            } else {
                DWORD len;
                WCHAR *str = record_string(rec, i, &len);
                put_field(str, (int)len);
                free(str);
            }
        }
        put_ascii("\n");
        MsiCloseHandle(rec);
    }
    if (rc != ERROR_NO_MORE_ITEMS)
        fail(L"query", rc);
    MsiCloseHandle(names);
    MsiCloseHandle(types);
    MsiViewClose(view);
    MsiCloseHandle(view);
}

static void op_sql(const WCHAR *sql)
{
    need_db(L"sql");
    MSIHANDLE view = 0;
    UINT rc = MsiDatabaseOpenViewW(db, sql, &view);
    if (rc != ERROR_SUCCESS)
        fail(L"sql", rc);
    rc = MsiViewExecute(view, 0);
    if (rc != ERROR_SUCCESS)
        fail(L"sql", rc);
    MsiViewClose(view);
    MsiCloseHandle(view);
}

static void put_suminfo(MSIHANDLE si)
{
    put_ascii("suminfo\n");
    for (UINT pid = 0; pid < 64; pid++) {
        UINT type = 0;
        INT iv = 0;
        FILETIME ft = {0};
        WCHAR buf[8192];
        DWORD n = sizeof buf / sizeof buf[0];
        UINT rc = MsiSummaryInfoGetPropertyW(si, pid, &type, &iv, &ft, buf, &n);
        if (rc == ERROR_MORE_DATA) {
            /* long strings are cut; tests do not need them whole */
            buf[sizeof buf / sizeof buf[0] - 1] = 0;
            n = (DWORD)wcslen(buf);
        } else if (rc != ERROR_SUCCESS) {
            continue;
        }
        switch (type) {
        case VT_EMPTY:
            continue;
        case VT_I2:
        case VT_I4:
            printf("prop\t%u\t%s\t%d\n", pid, type == VT_I2 ? "I2" : "I4", iv);
            break;
        case VT_FILETIME: {
            SYSTEMTIME st;
            FileTimeToSystemTime(&ft, &st);
            printf("prop\t%u\tFILETIME\t%04u-%02u-%02uT%02u:%02u:%02uZ\n", pid, st.wYear, st.wMonth, st.wDay,
                   st.wHour, st.wMinute, st.wSecond);
            break;
        }
        case VT_LPSTR:
            printf("prop\t%u\tLPSTR\t", pid);
            put_field(buf, (int)n);
            put_ascii("\n");
            break;
        default:
            printf("prop\t%u\tVT%u\t\n", pid, type);
        }
    }
}

static void op_suminfo(const WCHAR *path)
{
    MSIHANDLE si = 0;
    UINT rc = MsiGetSummaryInformationW(0, path, 0, &si);
    if (rc != ERROR_SUCCESS)
        fail(L"suminfo", rc);
    put_suminfo(si);
    MsiCloseHandle(si);
}

static void op_dbsuminfo(void)
{
    need_db(L"dbsuminfo");
    MSIHANDLE si = 0;
    UINT rc = MsiGetSummaryInformationW(db, NULL, 0, &si);
    if (rc != ERROR_SUCCESS)
        fail(L"dbsuminfo", rc);
    put_suminfo(si);
    MsiCloseHandle(si);
}

static void op_merge(const WCHAR *path, const WCHAR *errtable)
{
    need_db(L"merge");
    MSIHANDLE other = 0;
    UINT rc = MsiOpenDatabaseW(path, (LPCWSTR)MSIDBOPEN_READONLY, &other);
    if (rc != ERROR_SUCCESS)
        fail(L"merge", rc);
    rc = MsiDatabaseMergeW(db, other, wcscmp(errtable, L"-") ? errtable : NULL);
    MsiCloseHandle(other);
    if (rc != ERROR_SUCCESS && rc != ERROR_FUNCTION_FAILED)
        fail(L"merge", rc);
    printf("merge\t%u\n", rc);
}

static void op_extract(const WCHAR *file, const WCHAR *name, const WCHAR *out)
{
    IStorage *src = NULL, *sub = NULL, *dst = NULL;
    HRESULT hr = StgOpenStorage(file, NULL, STGM_READ | STGM_SHARE_DENY_WRITE, NULL, 0, &src);
    if (FAILED(hr))
        fail(L"extract", (UINT)hr);
    hr = IStorage_OpenStorage(src, name, NULL, STGM_READ | STGM_SHARE_EXCLUSIVE, NULL, 0, &sub);
    if (FAILED(hr))
        fail(L"extract", (UINT)hr);
    hr = StgCreateDocfile(out, STGM_CREATE | STGM_READWRITE | STGM_SHARE_EXCLUSIVE, 0, &dst);
    if (FAILED(hr))
        fail(L"extract", (UINT)hr);
    /* CopyTo copies the children; the storage's own CLSID is set apart */
    STATSTG st;
    if (SUCCEEDED(IStorage_Stat(sub, &st, STATFLAG_NONAME)))
        IStorage_SetClass(dst, &st.clsid);
    hr = IStorage_CopyTo(sub, 0, NULL, NULL, dst);
    if (FAILED(hr))
        fail(L"extract", (UINT)hr);
    hr = IStorage_Commit(dst, STGC_DEFAULT);
    if (FAILED(hr))
        fail(L"extract", (UINT)hr);
    IStorage_Release(dst);
    IStorage_Release(sub);
    IStorage_Release(src);
}

/* product_code returns the database's ProductCode property ("" if none). */
static void product_code(WCHAR *buf, DWORD n)
{
    MSIHANDLE view = 0, rec = 0;
    buf[0] = 0;
    UINT rc = MsiDatabaseOpenViewW(db, L"SELECT `Value` FROM `Property` WHERE `Property`='ProductCode'", &view);
    if (rc != ERROR_SUCCESS)
        return;
    if (MsiViewExecute(view, 0) == ERROR_SUCCESS && MsiViewFetch(view, &rec) == ERROR_SUCCESS) {
        if (MsiRecordGetStringW(rec, 1, buf, &n) != ERROR_SUCCESS)
            buf[0] = 0;
        MsiCloseHandle(rec);
    }
    MsiViewClose(view);
    MsiCloseHandle(view);
}

static void op_applyif(const WCHAR *path, const WCHAR *flags)
{
    need_db(L"applyif");
    MSIHANDLE si = 0;
    WCHAR pid9[1024], current[64];
    DWORD n = 1024;
    UINT type = 0;
    INT iv;
    FILETIME ft;
    UINT rc = MsiGetSummaryInformationW(0, path, 0, &si);
    if (rc != ERROR_SUCCESS)
        fail(L"applyif", rc);
    if (MsiSummaryInfoGetPropertyW(si, 9, &type, &iv, &ft, pid9, &n) != ERROR_SUCCESS || type != VT_LPSTR)
        pid9[0] = 0;
    MsiCloseHandle(si);
    WCHAR *end = wcschr(pid9, '}');
    if (end)
        end[1] = 0;
    product_code(current, 64);
    if (!end || wcscmp(pid9, current)) {
        put_ascii("applyif\tskipped\n");
        return;
    }
    rc = MsiDatabaseApplyTransformW(db, path, (int)parse_uint(flags));
    if (rc != ERROR_SUCCESS)
        fail(L"applyif", rc);
    put_ascii("applyif\tapplied\n");
}

static void op_storages(const WCHAR *file)
{
    IStorage *stg = NULL;
    IEnumSTATSTG *en = NULL;
    STATSTG st;
    ULONG got;
    HRESULT hr = StgOpenStorage(file, NULL, STGM_READ | STGM_SHARE_DENY_WRITE, NULL, 0, &stg);
    if (FAILED(hr))
        fail(L"storages", (UINT)hr);
    hr = IStorage_EnumElements(stg, 0, NULL, 0, &en);
    if (FAILED(hr))
        fail(L"storages", (UINT)hr);
    while (IEnumSTATSTG_Next(en, 1, &st, &got) == S_OK && got == 1) {
        WCHAR clsid[40];
        if (!StringFromGUID2(&st.clsid, clsid, 40))
            clsid[0] = 0;
        put_ascii("element\t");
        put_field(st.pwcsName, (int)wcslen(st.pwcsName));
        printf("\t%s\t%llu\t", st.type == STGTY_STORAGE ? "storage" : st.type == STGTY_STREAM ? "stream" : "other",
               (unsigned long long)st.cbSize.QuadPart);
        put(clsid);
        put_ascii("\n");
        CoTaskMemFree(st.pwcsName);
    }
    IEnumSTATSTG_Release(en);
    IStorage_Release(stg);
}

static void op_descriptor(const WCHAR *d)
{
    WCHAR product[40], feature[MAX_FEATURE_CHARS + 1], component[40];
    DWORD used = 0;
    product[0] = feature[0] = component[0] = 0;
    UINT rc = MsiDecomposeDescriptorW(d, product, feature, component, &used);
    if (rc != ERROR_SUCCESS)
        fail(L"descriptor", rc);
    put_ascii("descriptor\t");
    put_field(product, (int)wcslen(product));
    put_ascii("\t");
    put_field(feature, (int)wcslen(feature));
    put_ascii("\t");
    put_field(component, (int)wcslen(component));
    printf("\t%lu\n", (unsigned long)used);
}

/* ice_message receives the messages an ICE posts. */
static INT CALLBACK ice_message(LPVOID ctx, UINT type, LPCWSTR msg)
{
    (void)ctx;
    if ((type & 0xFF000000) == INSTALLMESSAGE_USER && msg) {
        put_ascii("iceline\t");
        put_field(msg, (int)wcslen(msg));
        put_ascii("\n");
    }
    return IDOK;
}

static void op_ice(const WCHAR *action)
{
    WCHAR name[32];
    MSIHANDLE pkg = 0;
    need_db(L"ice");
    swprintf(name, sizeof name / sizeof name[0], L"#%lu", (unsigned long)db);
    MsiSetExternalUIW(ice_message, INSTALLLOGMODE_USER, NULL);
    UINT rc = MsiOpenPackageW(name, &pkg);
    if (rc != ERROR_SUCCESS)
        fail(L"ice", rc);
    rc = MsiDoActionW(pkg, action);
    MsiCloseHandle(pkg);
    MsiSetExternalUIW(NULL, 0, NULL);
    put_ascii("ice\t");
    put(action);
    printf("\t%u\n", rc);
}

static void op_decompose(const WCHAR *d)
{
    WCHAR product[40], feature[MAX_FEATURE_CHARS + 1], component[40];
    DWORD used = 0;
    product[0] = feature[0] = component[0] = 0;
    UINT rc = MsiDecomposeDescriptorW(d, product, feature, component, &used);
    printf("decomposed\t%u\t", rc);
    put_field(product, (int)wcslen(product));
    put_ascii("\t");
    put_field(feature, (int)wcslen(feature));
    put_ascii("\t");
    put_field(component, (int)wcslen(component));
    printf("\t%lu\n", (unsigned long)used);
}

static IShellLinkW *new_link(const WCHAR *op)
{
    IShellLinkW *sl = NULL;
    HRESULT hr = CoCreateInstance(&CLSID_ShellLink, NULL, CLSCTX_INPROC_SERVER, &IID_IShellLinkW, (void **)&sl);
    if (FAILED(hr))
        fail(op, (UINT)hr);
    return sl;
}

static void op_makelink(const WCHAR *path, const WCHAR *target, const WCHAR *args, const WCHAR *darwin)
{
    IShellLinkW *sl = new_link(L"makelink");
    IPersistFile *pf = NULL;
    HRESULT hr = IShellLinkW_SetPath(sl, target);
    if (SUCCEEDED(hr))
        hr = IShellLinkW_SetArguments(sl, args);
    if (SUCCEEDED(hr) && wcscmp(darwin, L"-")) {
        IShellLinkDataList *dl = NULL;
        EXP_DARWIN_LINK blk;
        memset(&blk, 0, sizeof blk);
        blk.cbSize = sizeof blk;
        blk.dwSignature = EXP_DARWIN_ID_SIG;
        WideCharToMultiByte(CP_ACP, 0, darwin, -1, blk.szDarwinID, MAX_PATH, NULL, NULL);
        lstrcpynW(blk.szwDarwinID, darwin, MAX_PATH);
        hr = IShellLinkW_QueryInterface(sl, &IID_IShellLinkDataList, (void **)&dl);
        if (SUCCEEDED(hr)) {
            hr = IShellLinkDataList_AddDataBlock(dl, &blk);
            IShellLinkDataList_Release(dl);
        }
        if (hr == E_NOTIMPL) {
            /* Wine's AddDataBlock is a stub; its SetPath takes the
             * advertise form "::{9DB1186E-40DF-11D1-AA8C-00C04FB67863}:ID::"
             * (the shell's advertised-shortcut component GUID). */
            WCHAR adv[MAX_PATH + 64];
            _snwprintf(adv, MAX_PATH + 64, L"::{9DB1186E-40DF-11D1-AA8C-00C04FB67863}:%ls::", darwin);
            adv[MAX_PATH + 63] = 0;
            hr = IShellLinkW_SetPath(sl, adv);
        }
    }
    if (SUCCEEDED(hr))
        hr = IShellLinkW_QueryInterface(sl, &IID_IPersistFile, (void **)&pf);
    if (SUCCEEDED(hr)) {
        hr = IPersistFile_Save(pf, path, TRUE);
        IPersistFile_Release(pf);
    }
    IShellLinkW_Release(sl);
    if (FAILED(hr))
        fail(L"makelink", (UINT)hr);
}

static void op_readlink(const WCHAR *path)
{
    IShellLinkW *sl = new_link(L"readlink");
    IPersistFile *pf = NULL;
    IShellLinkDataList *dl = NULL;
    WCHAR args[4096];
    DWORD flags = 0;
    void *blk = NULL;
    HRESULT hr = IShellLinkW_QueryInterface(sl, &IID_IPersistFile, (void **)&pf);
    if (SUCCEEDED(hr)) {
        hr = IPersistFile_Load(pf, path, STGM_READ);
        IPersistFile_Release(pf);
    }
    if (SUCCEEDED(hr))
        hr = IShellLinkW_QueryInterface(sl, &IID_IShellLinkDataList, (void **)&dl);
    if (SUCCEEDED(hr))
        hr = IShellLinkDataList_GetFlags(dl, &flags);
    args[0] = 0;
    if (SUCCEEDED(hr))
        hr = IShellLinkW_GetArguments(sl, args, 4096);
    if (FAILED(hr))
        fail(L"readlink", (UINT)hr);
    printf("link\t%lu\t", (unsigned long)flags);
    if (SUCCEEDED(IShellLinkDataList_CopyDataBlock(dl, EXP_DARWIN_ID_SIG, &blk)) && blk) {
        const WCHAR *id = ((EXP_DARWIN_LINK *)blk)->szwDarwinID;
        put_field(id, (int)wcsnlen(id, MAX_PATH));
        LocalFree(blk);
    } else {
        put_ascii("\\N");
    }
    put_ascii("\t");
    put_field(args, (int)wcslen(args));
    put_ascii("\n");
    IShellLinkDataList_Release(dl);
    IShellLinkW_Release(sl);
}

int wmain(int argc, WCHAR **argv)
{
    _setmode(_fileno(stdout), _O_BINARY);
    /* The first line says the tool started: a run that fails without it
       never reached a msi.dll call, and the caller may run it again. */
    fputs("start\n", stdout);
    fflush(stdout);
    CoInitialize(NULL);
    MsiSetInternalUI(INSTALLUILEVEL_NONE, NULL);
    for (int i = 1; i < argc;) {
        const WCHAR *op = argv[i++];
#define ARGS(k)                         \
    if (i + (k) > argc) {               \
        put(op);                        \
        usage(": missing arguments");   \
    }
        if (!wcscmp(op, L"open")) {
            ARGS(2);
            op_open(argv[i], argv[i + 1]);
            i += 2;
        } else if (!wcscmp(op, L"apply")) {
            ARGS(2);
            need_db(op);
            UINT rc = MsiDatabaseApplyTransformW(db, argv[i], (int)parse_uint(argv[i + 1]));
            if (rc != ERROR_SUCCESS)
                fail(op, rc);
            i += 2;
        } else if (!wcscmp(op, L"applyif")) {
            ARGS(2);
            op_applyif(argv[i], argv[i + 1]);
            i += 2;
        } else if (!wcscmp(op, L"export")) {
            ARGS(2);
            op_export(argv[i], argv[i + 1]);
            i += 2;
        } else if (!wcscmp(op, L"tables")) {
            op_tables();
        } else if (!wcscmp(op, L"query")) {
            ARGS(1);
            op_query(argv[i++]);
        } else if (!wcscmp(op, L"sql")) {
            ARGS(1);
            op_sql(argv[i++]);
        } else if (!wcscmp(op, L"commit")) {
            need_db(op);
            UINT rc = MsiDatabaseCommit(db);
            if (rc != ERROR_SUCCESS)
                fail(op, rc);
        } else if (!wcscmp(op, L"merge")) {
            ARGS(2);
            op_merge(argv[i], argv[i + 1]);
            i += 2;
        } else if (!wcscmp(op, L"import")) {
            ARGS(2);
            need_db(op);
            UINT rc = MsiDatabaseImportW(db, argv[i], argv[i + 1]);
            if (rc != ERROR_SUCCESS)
                fail(op, rc);
            i += 2;
        } else if (!wcscmp(op, L"generate")) {
            ARGS(2);
            need_db(op);
            MSIHANDLE ref = 0;
            UINT rc = MsiOpenDatabaseW(argv[i], (LPCWSTR)MSIDBOPEN_READONLY, &ref);
            if (rc != ERROR_SUCCESS)
                fail(op, rc);
            rc = MsiDatabaseGenerateTransformW(db, ref, wcscmp(argv[i + 1], L"-") ? argv[i + 1] : NULL, 0, 0);
            MsiCloseHandle(ref);
            printf("generate\t%u\n", rc);
            i += 2;
        } else if (!wcscmp(op, L"transforminfo")) {
            ARGS(4);
            need_db(op);
            MSIHANDLE ref = 0;
            UINT rc = MsiOpenDatabaseW(argv[i], (LPCWSTR)MSIDBOPEN_READONLY, &ref);
            if (rc != ERROR_SUCCESS)
                fail(op, rc);
            rc = MsiCreateTransformSummaryInfoW(db, ref, argv[i + 1], (int)parse_uint(argv[i + 2]),
                                                (int)parse_uint(argv[i + 3]));
            MsiCloseHandle(ref);
            printf("transforminfo\t%u\n", rc);
            i += 4;
        } else if (!wcscmp(op, L"suminfo")) {
            ARGS(1);
            op_suminfo(argv[i++]);
        } else if (!wcscmp(op, L"dbsuminfo")) {
            op_dbsuminfo();
        } else if (!wcscmp(op, L"extract")) {
            ARGS(3);
            op_extract(argv[i], argv[i + 1], argv[i + 2]);
            i += 3;
        } else if (!wcscmp(op, L"storages")) {
            ARGS(1);
            op_storages(argv[i++]);
        } else if (!wcscmp(op, L"descriptor")) {
            ARGS(1);
            op_descriptor(argv[i++]);
        } else if (!wcscmp(op, L"ice")) {
            ARGS(1);
            op_ice(argv[i++]);
        } else if (!wcscmp(op, L"decompose")) {
            ARGS(1);
            op_decompose(argv[i++]);
        } else if (!wcscmp(op, L"makelink")) {
            ARGS(4);
            op_makelink(argv[i], argv[i + 1], argv[i + 2], argv[i + 3]);
            i += 4;
        } else if (!wcscmp(op, L"readlink")) {
            ARGS(1);
            op_readlink(argv[i++]);
        } else if (!wcscmp(op, L"close")) {
            if (db)
                MsiCloseHandle(db);
            db = 0;
        } else {
            put(op);
            usage(": unknown operation");
        }
        fflush(stdout);
    }
    if (db)
        MsiCloseHandle(db);
    put_ascii("done\n");
    fflush(stdout);
    CoUninitialize();
    return 0;
}
