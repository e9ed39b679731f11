/*
 * The raw SQLite floor for scripts/bench-http: the statements a catalog search runs in the
 * portal (count of matches, page 1 of ids by relevance, the page's 24 product rows), through
 * SQLite's C API with no Swift, no HTTP and no rendering, on THREADS threads each with its own
 * read-only connection, for SECONDS seconds. Prints "searches/s N".
 *
 *   cc -O2 -o sqlite-floor sqlite-floor.c -lsqlite3 -lpthread
 *   sqlite-floor DB SECONDS THREADS MATCH RAW
 *
 * MATCH is the FTS5 expression the portal makes of the query (SearchText.matchExpression),
 * RAW the query as typed (the exact-SKU tie-break).
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *count_sql =
    "SELECT count(*) FROM productFts CROSS JOIN product p ON p.id = productFts.rowid "
    "WHERE p.active = 1 AND p.deleted = 0 AND productFts MATCH ?1";
static const char *page_sql =
    "SELECT p.id FROM productFts CROSS JOIN product p ON p.id = productFts.rowid "
    "WHERE p.active = 1 AND p.deleted = 0 AND productFts MATCH ?1 "
    "ORDER BY (p.sku = ?2 OR p.article = ?2) DESC, (p.sku LIKE ?3) DESC, bm25(productFts), p.name LIMIT 24 OFFSET 0";
static const char *rows_sql =
    "SELECT p.id, p.sku, p.article, p.name, b.name AS brand, u.name AS unit, "
    "(SELECT f.blobSha256 FROM file f WHERE f.id = p.mainImageFileId) AS imageSha256, "
    "(SELECT pr.amountMinor FROM price pr WHERE pr.priceTypeId = ?2 AND pr.productId = p.id AND pr.unitId = p.baseUnitId) AS priceMinor, "
    "(SELECT pt.currency FROM priceType pt WHERE pt.id = ?2) AS currency, "
    "(SELECT ifnull(sum(s.qtyMilli - s.reservedMilli), 0) FROM stock s WHERE s.productId = p.id) AS stockMilli, "
    "CASE WHEN p.ratingCount > 0 THEN (p.ratingSum * 10 + p.ratingCount / 2) / p.ratingCount END AS rating10 "
    "FROM product p LEFT JOIN brand b ON b.id = p.brandId JOIN unit u ON u.id = p.baseUnitId "
    "WHERE p.id IN (SELECT value FROM json_each(?1))";
static const char *price_type_sql =
    "SELECT id FROM priceType WHERE isDefault = 1 ORDER BY sortOrder, id LIMIT 1";

static const char *db_path, *match, *raw;
static char raw_prefix[512];
static double seconds;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void check(int rc, sqlite3 *db, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "sqlite-floor: %s: %s\n", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        exit(1);
    }
}

static void *worker(void *out) {
    sqlite3 *db;
    sqlite3_stmt *count, *page, *rows, *price_type;
    check(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL), NULL, "open");
    check(sqlite3_prepare_v2(db, count_sql, -1, &count, NULL), db, "prepare count");
    check(sqlite3_prepare_v2(db, page_sql, -1, &page, NULL), db, "prepare page");
    check(sqlite3_prepare_v2(db, rows_sql, -1, &rows, NULL), db, "prepare rows");
    check(sqlite3_prepare_v2(db, price_type_sql, -1, &price_type, NULL), db, "prepare price type");
    long done = 0;
    long long checksum = 0;
    char ids[24 * 21 + 3];
    double end = now() + seconds;
    while (now() < end) {
        /* One search as listProducts runs it, in one read transaction. */
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        sqlite3_int64 type = 0;
        if (sqlite3_step(price_type) == SQLITE_ROW) type = sqlite3_column_int64(price_type, 0);
        sqlite3_reset(price_type);
        sqlite3_bind_text(count, 1, match, -1, SQLITE_STATIC);
        if (sqlite3_step(count) == SQLITE_ROW) checksum += sqlite3_column_int64(count, 0);
        sqlite3_reset(count);
        sqlite3_bind_text(page, 1, match, -1, SQLITE_STATIC);
        sqlite3_bind_text(page, 2, raw, -1, SQLITE_STATIC);
        sqlite3_bind_text(page, 3, raw_prefix, -1, SQLITE_STATIC);
        size_t length = 0;
        ids[length++] = '[';
        int rc;
        while ((rc = sqlite3_step(page)) == SQLITE_ROW) {
            length += (size_t)snprintf(ids + length, sizeof ids - length, "%s%lld", length > 1 ? "," : "", sqlite3_column_int64(page, 0));
        }
        check(rc, db, "page");
        sqlite3_reset(page);
        ids[length++] = ']';
        ids[length] = 0;
        sqlite3_bind_text(rows, 1, ids, -1, SQLITE_STATIC);
        sqlite3_bind_int64(rows, 2, type);
        while ((rc = sqlite3_step(rows)) == SQLITE_ROW) {
            checksum += sqlite3_column_int64(rows, 0) + sqlite3_column_bytes(rows, 3);
        }
        check(rc, db, "rows");
        sqlite3_reset(rows);
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        done++;
    }
    sqlite3_finalize(count);
    sqlite3_finalize(page);
    sqlite3_finalize(rows);
    sqlite3_finalize(price_type);
    sqlite3_close(db);
    *(long *)out = done;
    if (checksum == 42) fprintf(stderr, " ");
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: sqlite-floor DB SECONDS THREADS MATCH RAW\n");
        return 2;
    }
    db_path = argv[1];
    seconds = atof(argv[2]);
    int threads = atoi(argv[3]);
    match = argv[4];
    raw = argv[5];
    snprintf(raw_prefix, sizeof raw_prefix, "%s%%", raw);
    if (threads < 1 || threads > 64 || seconds <= 0) return 2;
    pthread_t tids[64];
    long counts[64];
    double start = now();
    for (int i = 0; i < threads; i++) pthread_create(&tids[i], NULL, worker, &counts[i]);
    long total = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(tids[i], NULL);
        total += counts[i];
    }
    printf("searches/s %.1f total %ld\n", total / (now() - start), total);
    return 0;
}
