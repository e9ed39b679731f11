import GRDB
import GRDBSQLite

/// Reading many rows with SQLite's own calls: the catalog index reads millions of integer rows,
/// where GRDB's per-row decoding costs more than SQLite's stepping.
struct RawRow {
    let handle: OpaquePointer

    @inline(__always) func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    @inline(__always) func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    /// The column's UTF-8 bytes, valid until the statement steps again.
    func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
        guard let bytes = sqlite3_column_text(handle, column) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column)))
    }

    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }
}

extension Database {
    /// Steps `statement` (with its arguments already set) to the end, handing each row to `body`.
    func forEachRawRow(_ statement: Statement, _ body: (RawRow) throws -> Void) throws {
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqliteConnection)), sql: statement.sql)
            }
            try body(RawRow(handle: handle))
        }
    }

    /// The first column of every row, as integers.
    func rawInt64s(_ statement: Statement) throws -> [Int64] {
        var values: [Int64] = []
        try forEachRawRow(statement) { values.append($0.int64(0)) }
        return values
    }
}
