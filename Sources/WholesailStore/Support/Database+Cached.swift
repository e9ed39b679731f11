import GRDB

extension Database {
    /// The statement for `sql`, compiled once per connection and kept: what the catalog's read
    /// paths use. Compiling is not free here: GRDB's authorizer records every column a statement
    /// reads (its observation region), and on the product card that took 15% of the server's CPU
    /// (perf, docs/performance.md). The SQL must be a constant or built only from a bounded set
    /// of shapes (values always go in arguments), since every distinct text stays cached.
    func cached(_ sql: String) throws -> Statement {
        try cachedStatement(sql: sql)
    }
}
