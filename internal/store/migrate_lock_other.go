//go:build !unix

package store

// lockFile does nothing where flock is missing: the transaction's second
// look at schema_migrations still keeps our migrations from running twice.
func lockFile(string) (func(), error) { return func() {}, nil }
