package store

// LikeSQLForBench exposes the Postgres like and unlike statements so the
// benchmark can run the same SQL on a raw pgx connection.
func LikeSQLForBench() (like, unlike string) { return likePostgres, unlikePostgres }
